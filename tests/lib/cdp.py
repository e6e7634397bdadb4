#!/usr/bin/python3
"""Drive headless Chromium over the DevTools protocol (stdlib only).

    cdp.py OUT_DIR URL [URL...]

Starts chromium headless with a fresh profile, loads each URL, waits for
the load event and for images to settle, and checks in the real browser:
every <img> decoded (complete and naturalWidth > 0) and no console error
or uncaught exception.  Saves a screenshot per page in OUT_DIR.  Prints one
line per page; exit 1 when any check fails.
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


ok = True
try:
    port = devtools_port()
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json" % port))
    page = [t for t in targets if t.get("type") == "page"][0]
    ws = WS(page["webSocketDebuggerUrl"])
    for domain in ("Page", "Runtime", "Log"):
        ws.send(domain + ".enable")
    for n, url in enumerate(urls):
        ws.events.clear()
        ws.send("Page.navigate", url=url)
        if ws.wait_event("Page.loadEventFired", 20) is None:
            print("FAIL %s: no load event" % url); ok = False; continue
        # images are lazy or late: wait until every one is settled
        expr = ("Array.from(document.images).every(i => i.complete)")
        for _ in range(100):
            if ws.send("Runtime.evaluate", expression=expr, returnByValue=True)["result"]["value"]:
                break
            time.sleep(0.1)
        res = ws.send("Runtime.evaluate", returnByValue=True, expression=
                      "JSON.stringify(Array.from(document.images).map(i => [i.src, i.naturalWidth]))")
        imgs = json.loads(res["result"]["value"])
        bad = [src for src, w in imgs if w <= 0]
        errors = []
        for e in ws.events:
            if e.get("method") == "Runtime.exceptionThrown":
                errors.append(e["params"]["exceptionDetails"].get("text", "exception"))
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                errors.append(str(e["params"]["args"]))
            elif e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                errors.append(e["params"]["entry"].get("text", ""))
        shot = ws.send("Page.captureScreenshot", format="png")
        path = os.path.join(out_dir, "page%d.png" % n)
        open(path, "wb").write(base64.b64decode(shot["data"]))
        status = "ok" if not bad and not errors else "FAIL"
        print("%s %s: %d images decoded, %d broken, %d console errors; %s"
              % (status, url, len(imgs) - len(bad), len(bad), len(errors), path))
        for b in bad:
            print("  broken image: " + b)
        for e in errors:
            print("  console error: " + e)
        if status != "ok":
            ok = False
        if url.endswith("#drag") and imgs:
            # drag across the middle of the first graph: the page must
            # navigate to a zoomed URL carrying start and end
            r = ws.send("Runtime.evaluate", returnByValue=True, expression=
                        "JSON.stringify((function(r){return [r.left,r.top,r.width,r.height]})"
                        "(document.images[0].getBoundingClientRect()))")
            x, y, w, h = json.loads(r["result"]["value"])
            ws.events.clear()
            for typ, px in (("mousePressed", x + w * 0.4), ("mouseReleased", x + w * 0.7)):
                ws.send("Input.dispatchMouseEvent", type=typ, x=px, y=y + h / 3,
                        button="left", clickCount=1)
            if ws.wait_event("Page.loadEventFired", 20) is None:
                print("FAIL drag: no navigation"); ok = False
            else:
                loc = ws.send("Runtime.evaluate", returnByValue=True,
                              expression="location.search")["result"]["value"]
                print("drag -> %s" % loc)
finally:
    chrome.terminate()
    try:
        chrome.wait(10)
    except subprocess.TimeoutExpired:
        chrome.kill()
    time.sleep(0.5)  # crashpad may still be writing into the profile
    subprocess.run(["rm", "-rf", profile], stderr=subprocess.DEVNULL)
sys.exit(0 if ok else 1)
