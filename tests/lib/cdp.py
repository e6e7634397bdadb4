#!/usr/bin/python3
"""Drive headless Chromium over the DevTools protocol (stdlib only).

    cdp.py OUT_DIR [--no-graphs] URL [[--no-graphs] URL...]

Starts chromium headless with a fresh profile, loads each URL, waits for
the load event and for images to settle, and checks in the real browser:
the load event came, every HTTP response of the page (document and
images) was 200 and none failed to load, at least one <img> (unless the
URL is preceded by --no-graphs), every <img> decoded (complete and
naturalWidth > 0) and no console error or uncaught exception.  Saves a
screenshot per page in OUT_DIR.  Prints one line per page; exit 1 when
any check fails.

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
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp_lib import Browser, click, js, navigated, rect  # noqa: E402

out_dir = sys.argv[1]

ok = True
b = Browser(out_dir)
ws = b.ws
try:
    args, n = sys.argv[2:], 0
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
