#!/usr/bin/python3
"""Drive headless Chromium over the DevTools protocol (stdlib only).

    cdp.py OUT_DIR [--timing] [--no-graphs] URL [[--no-graphs] URL...]

Starts chromium headless with a fresh profile, loads each URL, waits for
the load event and for images to settle, and checks in the real browser:
the load event came, every HTTP response of the page (document and
images) was 200 and none failed to load, at least one <img> (unless the
URL is preceded by --no-graphs), every <img> decoded (complete and
naturalWidth > 0) and no console error or uncaught exception.  Saves a
screenshot per page in OUT_DIR.  Prints one line per page; exit 1 when
any check fails.

With --timing, each page also prints, from the page's own Performance
API (so the browser's start-up is outside every figure; ms from the
navigation's start): "timing URL: html H ms, text T ms, images I ms, N
images" -- H the document's last byte, T its first contentful paint (the
text and states are usable), I the moment the last <img> was decoded
(img.decode() resolved for all of them).

A URL ending in an action runs it on the loaded page and checks the page
it navigates to the same way:
  #drag    drag across the first graph     prints "drag -> ?start=..&end=.."
  #preset  click the "6 h" zoom link       prints "preset -> ..."
  #form    fill from/to with the last two hours and press "show"
                                           prints "form -> ... (from F to T)"
  #power   print the overview's rendered power section (its text, as
           JSON), click its first bank's link  prints "power -> /PATH"
  #power-rail  the same, clicking its first 12 V rail's link
                                           prints "power-rail -> /PATH"
"""
import base64, json, os, socket, struct, subprocess, sys, tempfile, time, urllib.request

out_dir, urls = sys.argv[1], sys.argv[2:]
os.makedirs(out_dir, exist_ok=True)
profile = tempfile.mkdtemp(prefix="drover-chromium.")
chrome = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
     "--no-first-run", "--disable-background-networking",
     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
     "--hide-scrollbars", "--remote-debugging-port=0", "--window-size=1280,900",
     "--user-data-dir=" + profile, "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def devtools_port():
    path = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(path):
            lines = open(path).read().split()
            if lines:
                return int(lines[0])
        time.sleep(0.1)
    sys.exit("chromium did not start")


class WS:
    """Just enough of RFC 6455 for the DevTools socket (text frames)."""

    def __init__(self, url):
        host, rest = url[len("ws://"):].split("/", 1)
        h, p = host.split(":")
        self.s = socket.create_connection((h, int(p)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (rest, host, key)).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += self.s.recv(4096)
        self.buf = buf.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0
        self.events = []

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        data = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            data += self._read(n)
            if b0 & 0x80:
                return json.loads(data)

    def send(self, method, **params):
        self.next_id += 1
        msg = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        hdr = bytes([0x81])
        if len(msg) < 126:
            hdr += bytes([0x80 | len(msg)])
        elif len(msg) < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", len(msg))
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", len(msg))
        mask = os.urandom(4)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
        want = self.next_id
        while True:
            m = self.recv()
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, timeout):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    self.s.settimeout(30)
                    return self.events.pop(i)
            self.s.settimeout(max(0.1, end - time.time()))
            try:
                self.events.append(self.recv())
            except socket.timeout:
                break
            finally:
                self.s.settimeout(30)
        return None


def js(ws, expr):
    return ws.send("Runtime.evaluate", expression=expr,
                   returnByValue=True)["result"].get("value")


def navigated(ws, what):
    """Waits for the navigation an action started; None when none came."""
    if ws.wait_event("Page.loadEventFired", 30) is None:
        print("FAIL %s: no navigation (no load event)" % what)
        return None
    return js(ws, "location.search")


def check_page(ws, url, shot_name, want_graphs):
    """Checks the page loaded last (its events are in ws.events); True when
    it passes.  Prints its line."""
    # images are lazy or late: wait until every one is settled
    for _ in range(300):
        if js(ws, "Array.from(document.images).every(i => i.complete)"):
            settled = True
            break
        time.sleep(0.1)
    else:
        settled = False
    imgs = json.loads(js(ws, "JSON.stringify(Array.from(document.images)"
                             ".map(i => [i.src, i.naturalWidth]))"))
    bad = [src for src, w in imgs if w <= 0]
    errors = []
    if not settled:
        errors.append("images still loading after 30 s")
    if want_graphs and not imgs:
        errors.append("no graph images on the page")
    statuses = {}
    for e in ws.events:
        m, prm = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            errors.append(prm["exceptionDetails"].get("text", "exception"))
        elif m == "Runtime.consoleAPICalled" and prm["type"] == "error":
            errors.append(str(prm["args"]))
        elif m == "Log.entryAdded" and prm["entry"]["level"] == "error":
            errors.append(prm["entry"].get("text", ""))
        elif m == "Network.responseReceived":
            r = prm["response"]
            if r["url"].startswith(("http:", "https:")):
                statuses[r["url"]] = r["status"]
        elif m == "Network.loadingFailed":
            errors.append("loading failed: %s" % prm.get("errorText", ""))
    for u, st in sorted(statuses.items()):
        if st != 200:
            errors.append("HTTP %d for %s" % (st, u))
    if not any(u.split("#")[0] == url.split("#")[0] for u in statuses):
        errors.append("no HTTP response seen for the page itself")
    shot = ws.send("Page.captureScreenshot", format="png")
    path = os.path.join(out_dir, shot_name)
    open(path, "wb").write(base64.b64decode(shot["data"]))
    good = not bad and not errors
    print("%s %s: %d images decoded, %d broken, %d console errors; %s"
          % ("ok" if good else "FAIL", url, len(imgs) - len(bad), len(bad),
             len(errors), path))
    for b in bad:
        print("  broken image: " + b)
    for e in errors:
        print("  error: " + e)
    return good


# Installed before each document's scripts with --timing: the moment the
# last image of the page is decoded, in performance.now() ms.
TIMING_JS = """(function(){var t={n:0,dec:0,done:null};window.__droverTiming=t;
document.addEventListener('DOMContentLoaded',function(){
var im=Array.from(document.images);t.n=im.length;
Promise.all(im.map(function(i){return i.decode().then(function(){
var x=performance.now();if(x>t.dec)t.dec=x;},function(){});}))
.then(function(){t.done=t.dec;});});})();"""


def print_timing(ws, url):
    for _ in range(300):
        v = js(ws, "JSON.stringify((function(){var t=window.__droverTiming;"
                   "if(!t||t.done===null)return null;"
                   "var n=performance.getEntriesByType('navigation')[0];"
                   "var p=performance.getEntriesByName('first-contentful-paint')[0];"
                   "return [n.responseEnd,p?p.startTime:-1,t.done,t.n]})())")
        if v and v != "null":
            html, text, imgs, n = json.loads(v)
            print("timing %s: html %.0f ms, text %.0f ms, images %.0f ms, %d images"
                  % (url, html, text, imgs, n))
            return True
        time.sleep(0.1)
    print("FAIL timing %s: images never decoded" % url)
    return False


def click(ws, x, y):
    for typ in ("mousePressed", "mouseReleased"):
        ws.send("Input.dispatchMouseEvent", type=typ, x=x, y=y,
                button="left", clickCount=1)


def rect(ws, selector):
    r = js(ws, "JSON.stringify((function(e){if(!e)return null;"
               "e.scrollIntoView();var r=e.getBoundingClientRect();"
               "return [r.left,r.top,r.width,r.height]})"
               "(document.querySelector(%s)))" % json.dumps(selector))
    return json.loads(r) if r else None


ok = True
try:
    port = devtools_port()
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json" % port))
    page = [t for t in targets if t.get("type") == "page"][0]
    ws = WS(page["webSocketDebuggerUrl"])
    for domain in ("Page", "Runtime", "Log", "Network"):
        ws.send(domain + ".enable")
    # no cache: every image of every page is a real request with a status
    ws.send("Network.setCacheDisabled", cacheDisabled=True)
    args, n = sys.argv[2:], 0
    timing = "--timing" in args
    args = [a for a in args if a != "--timing"]
    if timing:
        ws.send("Page.addScriptToEvaluateOnNewDocument", source=TIMING_JS)
    want_graphs = True
    for url in args:
        if url == "--no-graphs":
            want_graphs = False
            continue
        n += 1
        ws.events.clear()
        nav = ws.send("Page.navigate", url=url)
        if nav.get("errorText"):
            print("FAIL %s: %s" % (url, nav["errorText"])); ok = False; continue
        if ws.wait_event("Page.loadEventFired", 30) is None:
            print("FAIL %s: no load event" % url); ok = False; continue
        if not check_page(ws, url, "page%d.png" % n, want_graphs):
            ok = False
        if timing and not print_timing(ws, url):
            ok = False
        want_graphs = True
        action = url.rsplit("#", 1)[1] if "#" in url else ""
        if action == "drag":
            # drag across the middle of the first graph: the page must
            # navigate to a zoomed URL carrying start and end
            r = rect(ws, "img[data-start]")
            if r is None:
                print("FAIL drag: no zoomable graph"); ok = False; continue
            x, y, w, h = r
            ws.events.clear()
            for typ, px in (("mousePressed", x + w * 0.4), ("mouseReleased", x + w * 0.7)):
                ws.send("Input.dispatchMouseEvent", type=typ, x=px, y=y + h / 3,
                        button="left", clickCount=1)
        elif action == "preset":
            r = js(ws, "(function(){var a=Array.from(document.links).filter("
                       "l=>l.textContent=='6 h')[0];if(!a)return null;"
                       "a.id='preset6h';return a.getAttribute('href')})()")
            if r is None:
                print("FAIL preset: no 6 h link"); ok = False; continue
            x, y, w, h = rect(ws, "#preset6h")
            ws.events.clear()
            click(ws, x + w / 2, y + h / 2)
        elif action == "form":
            # datetime-local values in the browser's own time zone: the
            # last two hours, whole minutes
            frm = js(ws, "(function(){var d=new Date(Date.now()-7200e3);"
                         "d.setSeconds(0,0);var t=new Date(d.getTime()+7200e3);"
                         "var f=function(x){return new Date(x.getTime()-"
                         "x.getTimezoneOffset()*60e3).toISOString().slice(0,16)};"
                         "var fm=document.querySelector('form.range');if(!fm)"
                         "return null;fm.from.value=f(d);fm.to.value=f(t);"
                         "return [d.getTime()/1000,t.getTime()/1000]})()")
            if frm is None:
                print("FAIL form: no range form"); ok = False; continue
            x, y, w, h = rect(ws, "form.range button")
            ws.events.clear()
            click(ws, x + w / 2, y + h / 2)
        elif action in ("power", "power-rail"):
            sec = js(ws, "(function(){var s=document.querySelector("
                         "'section.power');return s?s.innerText:null})()")
            if not sec:
                print("FAIL %s: no power section shown" % action); ok = False; continue
            print("%s section: %s" % (action, json.dumps(sec)))
            r = rect(ws, "section.power tr.%s a" % ("bank" if action == "power" else "rail"))
            if r is None:
                print("FAIL %s: no link in the power section" % action); ok = False; continue
            x, y, w, h = r
            ws.events.clear()
            click(ws, x + w / 2, y + h / 2)
        else:
            continue
        loc = navigated(ws, action)
        if loc is None:
            ok = False; continue
        if action.startswith("power"):
            loc = js(ws, "location.pathname")
        extra = " (from %d to %d)" % tuple(frm) if action == "form" else ""
        print("%s -> %s%s" % (action, loc, extra))
        n += 1
        if not check_page(ws, js(ws, "location.origin + location.pathname + location.search"),
                          "page%d.png" % n, True):
            ok = False
finally:
    chrome.terminate()
    try:
        chrome.wait(10)
    except subprocess.TimeoutExpired:
        chrome.kill()
    time.sleep(0.5)  # crashpad may still be writing into the profile
    subprocess.run(["rm", "-rf", profile], stderr=subprocess.DEVNULL)
sys.exit(0 if ok else 1)
