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
import json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp_lib import Browser, click, js, navigated, rect  # noqa: E402

out_dir = sys.argv[1]

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


ok = True
b = Browser(out_dir)
ws = b.ws
try:
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
        err = b.load(url)
        if err is not None:
            print("FAIL %s: %s" % (url, err)); ok = False; continue
        if not b.check_page(url, "page%d.png" % n, want_graphs):
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
        if not b.check_page(js(ws, "location.origin + location.pathname + location.search"),
                            "page%d.png" % n, True):
            ok = False
finally:
    b.close()
sys.exit(0 if ok else 1)
