"""Headless Chromium over the DevTools protocol (stdlib only): the pieces
the browser tests share.  cdp.py is the command line over them; a test of
its own imports this module:

    sys.path.insert(0, os.path.dirname(__file__)); import cdp_lib
    b = cdp_lib.Browser(out_dir)         # chromium with a fresh profile
    try:
        ws = b.ws                        # Page, Runtime, Log, Network enabled
        b.load(url)                      # navigate, wait for the load event
        b.check_page(url, "name.png", want_graphs=True)  # the checks cdp.py makes
        cdp_lib.js(ws, "document.title")
        cdp_lib.press(ws, "ArrowLeft")   # a key, as a user types it
    finally:
        b.close()

check_page: every HTTP response of the page was 200 and none failed,
every <img> decoded, no console error or uncaught exception; it saves a
screenshot in out_dir and prints one line.
"""
import base64, json, os, socket, struct, subprocess, sys, tempfile, time, urllib.request

def devtools_port(profile):
    path = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(path):
            lines = open(path).read().split()
            if lines:
                return int(lines[0])
        time.sleep(0.1)
    raise RuntimeError("chromium did not start")


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


def check_page(ws, url, shot_path, want_graphs):
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
    path = shot_path
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


def press(ws, key, code=None, keycode=0, text=None):
    """Types one key (DOM key name, e.g. "ArrowLeft", "/", "Escape")."""
    prm = {"key": key, "code": code or key}
    if keycode:
        prm["windowsVirtualKeyCode"] = keycode
    ws.send("Input.dispatchKeyEvent", type="keyDown",
            **dict(prm, text=text) if text else prm)
    ws.send("Input.dispatchKeyEvent", type="keyUp", **prm)


class Browser:
    """chromium --headless with a fresh profile and one page (ws); the
    cache off unless cache=True, so every image is a real request."""

    def __init__(self, out_dir, size="1280,900", cache=False):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.profile = tempfile.mkdtemp(prefix="drover-chromium.")
        self.chrome = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--hide-scrollbars",
             "--remote-debugging-port=0", "--window-size=" + size,
             "--user-data-dir=" + self.profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = devtools_port(self.profile)
            targets = json.load(urllib.request.urlopen(
                "http://127.0.0.1:%d/json" % port))
            page = [t for t in targets if t.get("type") == "page"][0]
            self.ws = WS(page["webSocketDebuggerUrl"])
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.ws.send(domain + ".enable")
            self.ws.send("Network.setCacheDisabled", cacheDisabled=not cache)
        except Exception:
            self.close()
            raise

    def load(self, url):
        """Navigates to url; the error text, or None once it loaded."""
        self.ws.events.clear()
        nav = self.ws.send("Page.navigate", url=url)
        if nav.get("errorText"):
            return nav["errorText"]
        if self.ws.wait_event("Page.loadEventFired", 30) is None:
            return "no load event"
        return None

    def check_page(self, url, shot_name, want_graphs=True):
        return check_page(self.ws, url, os.path.join(self.out_dir, shot_name),
                          want_graphs)

    def shot(self, name):
        """A screenshot of the page as it is now, in out_dir; its path."""
        d = self.ws.send("Page.captureScreenshot", format="png")
        path = os.path.join(self.out_dir, name)
        open(path, "wb").write(base64.b64decode(d["data"]))
        return path

    def close(self):
        self.chrome.terminate()
        try:
            self.chrome.wait(10)
        except subprocess.TimeoutExpired:
            self.chrome.kill()
        time.sleep(0.5)  # crashpad may still be writing into the profile
        subprocess.run(["rm", "-rf", self.profile], stderr=subprocess.DEVNULL)
