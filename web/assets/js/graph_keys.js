// graph_keys: keys on the graph pages (those with nav.rangepick):
// left/right pan by half the range, + or i zoom in, - or o zoom out
// (around the middle), 1 2 3 4 the last day, week, month, year, ? shows
// the help line.  Keys typed into a form field are left alone.  The range
// is the first graph's (data-start/-end, epoch s); one that ends now stays
// relative ("start=-12h"), so its bookmark keeps following now.  Also
// fills the from/to fields with the shown range in the browser's zone.
(function () {
	"use strict";
	var nav = document.querySelector("nav.rangepick");
	var img = document.querySelector("img[data-start]");
	if (!nav || !img)
		return;
	var help = nav.querySelector(".keyhelp");
	var params = new URLSearchParams(location.search);
	var start = +img.dataset.start, end = +img.dataset.end;
	var span = end - start;
	var now = Date.now() / 1000;
	// no range asked for (the periods) or one without an end: up to now
	var relative = !params.has("end") &&
	    (!params.has("start") || /^(now)?-/.test(params.get("start")));

	function rel(secs) {
		secs = Math.max(60, Math.round(secs));
		if (secs % 86400 === 0)
			return "-" + secs / 86400 + "d";
		if (secs % 3600 === 0)
			return "-" + secs / 3600 + "h";
		if (secs % 60 === 0)
			return "-" + secs / 60 + "m";
		return "-" + secs;
	}
	function show(s, e) {
		if (e === null) {
			params.set("start", s);
			params.delete("end");
		} else {
			params.set("start", Math.round(s));
			params.set("end", Math.round(e));
		}
		location.search = "?" + params.toString();
	}
	function local(t) {
		var d = new Date(t * 1000 - new Date(t * 1000).getTimezoneOffset() * 60000);
		return d.toISOString().slice(0, 16);
	}
	var fm = document.querySelector("form.range");
	if (fm && fm.from && !fm.from.value) {
		fm.from.value = local(start);
		fm.to.value = local(end);
	}
	document.addEventListener("keydown", function (e) {
		var t = e.target;
		if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable ||
		    /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))))
			return;
		var k = e.key, mid = start + span / 2;
		if (k === "ArrowLeft")
			show(start - span / 2, end - span / 2);
		else if (k === "ArrowRight") {
			if (end + span / 2 >= now)
				show(rel(span), null);
			else
				show(start + span / 2, end + span / 2);
		} else if (k === "+" || k === "=" || k === "i")
			relative ? show(rel(span / 2), null)
			    : show(mid - span / 4, mid + span / 4);
		else if (k === "-" || k === "o")
			relative || end + span / 2 >= now ? show(rel(span * 2), null)
			    : show(mid - span, mid + span);
		else if (k >= "1" && k <= "4")
			show(["-1d", "-1w", "-1mon", "-1y"][k - 1], null);
		else if (k === "?" && help)
			help.hidden = !help.hidden;
		else
			return;
		e.preventDefault();
	});
})();
