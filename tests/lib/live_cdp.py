"""The dashboard's live refresh, dark mode and phone layout in headless
Chromium (tests/test_browser_live.sh runs it against a real drover):

    live_cdp.py OUT_DIR BASE_URL HOST STILL_HOST

HOST is polled (its graphs change every interval), STILL_HOST no longer
answers (its graphs stay as they are).  Prints "ok WHAT" or "FAIL WHAT:
why" per check and exits 1 when any failed; screenshots go to OUT_DIR.
"""
import json, os, sys, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import cdp_lib  # noqa: E402

out_dir, base, host, still = sys.argv[1:5]
failed = []


def check(ok, what, why=""):
    print(("ok %s" % what) if ok else ("FAIL %s: %s" % (what, why)))
    if not ok:
        failed.append(what)
    return ok


def evaluate(ws, expr):
    """expr may be a promise: its value once it settles."""
    r = ws.send("Runtime.evaluate", expression=expr, returnByValue=True,
                awaitPromise=True)
    if "exceptionDetails" in r:
        raise RuntimeError("%s: %s" % (expr[:60], r["exceptionDetails"]))
    return r["result"].get("value")


def errors_of(events):
    """Console errors, uncaught exceptions, failed loads and answers
    other than 200 or 304 among the events."""
    errs = []
    urls = {e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in events if e.get("method") == "Network.requestWillBeSent"}
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            errs.append(p["exceptionDetails"].get("text", "exception"))
        elif m == "Runtime.consoleAPICalled" and p["type"] == "error":
            errs.append(str(p["args"]))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            errs.append(p["entry"].get("text", ""))
        elif m == "Network.loadingFailed":
            errs.append("loading failed: %s %s" % (
                p.get("errorText", ""), urls.get(p["requestId"], "?")))
        elif m == "Network.responseReceived":
            r = p["response"]
            if r["url"].startswith("http") and r["status"] not in (200, 304):
                errs.append("HTTP %d for %s" % (r["status"], r["url"]))
    return errs


def settle(ws):
    for _ in range(300):
        if evaluate(ws, "Array.from(document.images).every(i => i.complete"
                        " && i.naturalWidth > 0)"):
            return True
        time.sleep(0.1)
    return False


def drain(ws, seconds):
    """Collects events for seconds (the page runs on meanwhile)."""
    end = time.time() + seconds
    while time.time() < end:
        ws.wait_event("Nothing.ever", min(1.0, end - time.time()))


# the pixels of an image, hashed (FNV-1a over RGBA)
PIXELS = """(function (img) {
  var c = document.createElement("canvas");
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  var g = c.getContext("2d"); g.drawImage(img, 0, 0);
  var d = g.getImageData(0, 0, c.width, c.height).data, x = 2166136261;
  for (var i = 0; i < d.length; i++) { x ^= d[i]; x = Math.imul(x, 16777619) >>> 0; }
  return c.width + "x" + c.height + ":" + x;
})(document.querySelector(%s))"""

# WCAG contrast of every text element against the background it sits on
CONTRAST = """(function () {
  function rgb(s) { var m = s.match(/[\\d.]+/g).map(Number);
    return {c: m.slice(0, 3), a: m.length > 3 ? m[3] : 1}; }
  function lum(c) { return c.map(function (v) { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce(function (s, v, i) { return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0); }
  function bg(e) { for (; e; e = e.parentElement) {
      var b = rgb(getComputedStyle(e).backgroundColor);
      if (b.a > 0.5) return b.c; }
    return [255, 255, 255]; }
  var worst = null;
  document.querySelectorAll("h1, h2, p, a, td, th, li, figcaption, span, header")
    .forEach(function (e) {
      if (!e.textContent.trim() || !e.getClientRects().length) return;
      var f = lum(rgb(getComputedStyle(e).color).c), b = lum(bg(e));
      var r = (Math.max(f, b) + 0.05) / (Math.min(f, b) + 0.05);
      if (worst === null || r < worst.r)
        worst = {r: r, what: e.tagName + "." + e.className + " " +
                 e.textContent.trim().slice(0, 30),
                 fg: getComputedStyle(e).color, bg: bg(e).join(",")};
    });
  return JSON.stringify({worst: worst,
    body: [getComputedStyle(document.body).color,
           getComputedStyle(document.body).backgroundColor]});
})()"""


def live_refresh(b):
    """A graph of HOST's page is replaced by a new picture after a poll,
    the page is not reloaded, no error shows."""
    ws = b.ws
    url = base + "/" + urllib.parse.quote(host) + "/"
    err = b.load(url)
    if not check(err is None, "host page loads", err):
        return
    check(settle(ws), "host page graphs decode", "images still loading")
    sel = json.dumps('.graphs img[src*="/load-"]')
    if not check(evaluate(ws, "!!document.querySelector(%s)" % sel),
                 "host page has the load graph", "no load graph"):
        return
    # the image keeps a mark of ours (its src becomes an object URL) and
    # is scrolled into sight (graphs out of sight are not asked)
    evaluate(ws, "document.querySelector(%s).setAttribute('data-test', "
                 "'load'); document.querySelector(%s).scrollIntoView(); 0"
             % (sel, sel))
    sel = json.dumps("img[data-test=load]")
    # the graph furthest out of sight, which must not be asked
    far = evaluate(ws, "(function () { var f = null, d = 0;"
                       " document.querySelectorAll('.graphs img').forEach("
                       "function (i) { var r = i.getBoundingClientRect(),"
                       " x = Math.max(r.top - innerHeight, -r.bottom);"
                       " if (x > d) { d = x; f = i.src; } });"
                       " return d > 300 ? f : null; })()")
    # load is WARNING (the test's threshold): take its figure's mark away,
    # as on a page drawn before the problem; the next new data brings it
    fig = "document.querySelector(%s).closest('figure')" % sel
    check(evaluate(ws, fig + ".dataset.state") == "WARNING",
          "the load figure is marked WARNING",
          evaluate(ws, fig + ".outerHTML.slice(0, 200)"))
    evaluate(ws, "(function (f) { f.dataset.state = 'OK';"
                 " f.className = f.className.replace(/st-[A-Z]+/, 'st-OK');"
                 " var m = f.querySelector('span.mark'); if (m) m.remove();"
                 " })(%s); 0" % fig)
    evaluate(ws, "window.__liveMarker = 'm' + Math.random(); 0")
    since = len(ws.events)
    marker = evaluate(ws, "window.__liveMarker")
    origin = evaluate(ws, "performance.timeOrigin")
    swaps = "+(document.querySelector(%s).dataset.liveSwaps || 0)" % sel
    # the picture shown and its swap count, read with no swap between
    while True:
        swaps0 = evaluate(ws, swaps)
        first_src = evaluate(ws, "document.querySelector(%s).src" % sel)
        pixels0 = evaluate(ws, PIXELS % sel)
        if evaluate(ws, swaps) == swaps0:
            break
    b.shot("host-before.png")
    # the load service updates every 5 s; the script asks once max-age
    # (seconds to the next sample) ran out
    swapped = False
    for _ in range(60):
        drain(ws, 0.5)
        if evaluate(ws, swaps) > swaps0:
            swapped = True
            break
    if not check(swapped, "a graph is replaced after a poll",
                 "no swap in 30 s"):
        return
    settle(ws)
    src = evaluate(ws, "document.querySelector(%s).src" % sel)
    pixels = evaluate(ws, PIXELS % sel)
    check(src.startswith("blob:") and src != first_src,
          "the new graph is an object URL", src)
    check(pixels != pixels0, "the new graph is a new picture",
          "same pixels %s" % pixels)
    check(evaluate(ws, "window.__liveMarker") == marker and
          evaluate(ws, "performance.timeOrigin") == origin and
          evaluate(ws, "performance.getEntriesByType('navigation').length")
          == 1 and
          not [e for e in ws.events[since:] if e.get("method") in
               ("Page.loadEventFired", "Page.frameNavigated")],
          "the page was not reloaded", "a navigation happened")
    # every graph request after the first load went out with the ETag
    # (If-None-Match) and got a 200 or a 304
    sent = {e["params"]["requestId"]: e["params"]["request"]
            for e in ws.events
            if e.get("method") == "Network.requestWillBeSent"}
    live = [r for r in sent.values()
            if "If-None-Match" in r.get("headers", {})]
    check(live, "revalidations carry If-None-Match",
          "%d requests, none conditional" % len(sent))
    asked = [r for r in live if r["url"] == far]
    check(far and not asked, "a graph out of sight is not asked",
          "no graph out of sight" if not far else "%d asks of %s"
          % (len(asked), far))
    # the state badge follows the API (the script painted it)
    drain(ws, 2)
    badge = evaluate(ws, "document.querySelector('h1 span.state')"
                         ".textContent")
    api = json.load(urllib.request.urlopen(
        base + "/api/v1/hosts/" + urllib.parse.quote(host)))
    check(badge == api["state"], "the state badge is the API's",
          "%s vs %s" % (badge, api["state"]))
    got = json.loads(evaluate(ws, "JSON.stringify((function (f) { var m ="
                                  " f.querySelector('span.mark'); return"
                                  " [f.dataset.state, f.className, m ?"
                                  " m.className + '|' + m.textContent :"
                                  " null]; })(%s))" % fig))
    check(got[0] == "WARNING" and "st-WARNING" in got[1] and
          got[2] == "mark mark-WARNING|WARNING: load",
          "the lost problem mark is back from the API", str(got))
    b.shot("host-after.png")
    errs = errors_of(ws.events)
    check(not errs, "no console errors on the live host page",
          "; ".join(errs))


def still_graphs(b):
    """STILL_HOST's graphs do not change: each ask is a 304, no image is
    replaced."""
    ws = b.ws
    url = base + "/" + urllib.parse.quote(still) + "/"
    err = b.load(url)
    if not check(err is None, "still host page loads", err):
        return
    check(settle(ws), "still host graphs decode", "images still loading")
    n = evaluate(ws, "document.querySelectorAll('.graphs img').length")
    drain(ws, 12)
    got = {}
    for e in ws.events:
        if e.get("method") == "Network.responseReceived":
            r = e["params"]["response"]
            if ".png" in r["url"]:
                got.setdefault(r["status"], set()).add(r["url"])
    check(n > 0 and 304 in got, "unchanged graphs are revalidated with 304",
          "answers %s" % {k: len(v) for k, v in got.items()})
    check(evaluate(ws, "document.querySelectorAll('img[data-live-swaps]')"
                       ".length") == 0,
          "unchanged graphs are not replaced", "an image was swapped")
    errs = errors_of(ws.events)
    check(not errs, "no console errors on the still host page",
          "; ".join(errs))


def contrast(ws, what):
    c = json.loads(evaluate(ws, CONTRAST))
    w = c["worst"]
    check(w is not None and w["r"] >= 4.5, "%s text contrast >= 4.5:1" % what,
          "%.2f for %s (%s on %s)" % (w["r"], w["what"], w["fg"], w["bg"])
          if w else "no text")
    return c


def dark_mode(b):
    """The host page in the system's dark setting: a different picture,
    dark colours, legible text."""
    ws = b.ws
    url = base + "/" + urllib.parse.quote(host) + "/load/"
    for mode in ("light", "dark"):
        ws.send("Emulation.setEmulatedMedia", features=[
            {"name": "prefers-color-scheme", "value": mode}])
        err = b.load(url)
        check(err is None and settle(ws), "%s service page loads" % mode,
              err or "images")
        c = contrast(ws, mode)
        b.shot("service-%s.png" % mode)
        # the overview (a DOWN host with its error, ages) and the alerts
        # page (state colours in tables) keep their contrast too
        for name, u in (("overview", base + "/"),
                        ("alerts", base + "/alerts")):
            err = b.load(u)
            check(err is None, "%s %s page loads" % (mode, name), err)
            contrast(ws, "%s %s" % (mode, name))
            b.shot("%s-%s.png" % (name, mode))
            errs = errors_of(ws.events)
            check(not errs, "no console errors on the %s %s page"
                  % (mode, name), "; ".join(errs))
        b.load(url)
        settle(ws)
        if mode == "dark":
            bgc = [float(x) for x in
                   c["body"][1].split("(")[1].split(")")[0].split(",")[:3]]
            check(sum(bgc) / 3 < 80, "dark background is dark", c["body"][1])
            filt = evaluate(ws, "getComputedStyle(document.querySelector("
                                "'.graphs img')).filter")
            check("invert" in filt, "dark graphs are inverted", filt)
        errs = errors_of(ws.events)
        check(not errs, "no console errors in %s mode" % mode,
              "; ".join(errs))
    light = open(os.path.join(out_dir, "service-light.png"), "rb").read()
    dark = open(os.path.join(out_dir, "service-dark.png"), "rb").read()
    check(light != dark, "dark screenshot differs from light", "same bytes")
    ws.send("Emulation.setEmulatedMedia", features=[])


def narrow(b):
    """At 390 px nothing scrolls sideways; graphs fit the width.  (A
    phone's browser zooms out to a page wider than the screen, so
    innerWidth grows with it: the width to hold is the device's.)  The
    memory service's field table is the widest of a local node's."""
    ws = b.ws
    ws.send("Emulation.setDeviceMetricsOverride", width=390, height=844,
            deviceScaleFactor=1, mobile=True)
    pages = [("overview", base + "/"),
             ("host", base + "/" + urllib.parse.quote(host) + "/"),
             ("service", base + "/" + urllib.parse.quote(host) + "/load/"),
             ("memory", base + "/" + urllib.parse.quote(host) + "/memory/"),
             ("health", base + "/health")]
    for name, url in pages:
        err = b.load(url)
        settle(ws)
        w = json.loads(evaluate(ws, "JSON.stringify([document.documentElement"
                                    ".scrollWidth, innerWidth, Math.max(0, ..."
                                    "Array.from(document.images).map(i => "
                                    "i.getBoundingClientRect().right))])"))
        check(err is None and w[0] <= 390 and w[1] == 390 and w[2] <= 390,
              "%s page at 390 px scrolls not sideways" % name,
              "%s; scrollWidth %d, innerWidth %d, widest image ends at %d"
              % (err, w[0], w[1], w[2]))
        b.shot("narrow-%s.png" % name)
        errs = errors_of(ws.events)
        check(not errs, "no console errors on the narrow %s page" % name,
              "; ".join(errs))
    ws.send("Emulation.clearDeviceMetricsOverride")


b = cdp_lib.Browser(out_dir, cache=True)
try:
    live_refresh(b)
    still_graphs(b)
    dark_mode(b)
    narrow(b)
finally:
    b.close()
sys.exit(1 if failed else 0)
