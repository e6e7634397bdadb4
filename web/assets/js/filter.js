// filter: the overview's search box.  As one types, hosts, groups and
// problems whose names (the server's data-q: host and group, and data-w:
// the service and field names and labels, as indices into the page's
// data-words) do not hold every word of the query are
// hidden, by the rule the server applies to ?q= (pages.c rows_filter):
// ASCII case folded, a host shown when it or a host under it matches, a
// host under another when it matches, or when that one matches and none
// under it does.  The query goes into the URL.
(function () {
	"use strict";
	var box = document.querySelector("form.filter input[data-filter]");
	if (!box)
		return;
	var fold = function (s) {
		return s.replace(/[A-Z]+/g, function (m) {
			return m.toLowerCase();
		});
	};
	// the hosts' shared words: data-w holds indices (base 36) into them
	var dictEl = document.querySelector("[data-words]");
	var dict = dictEl ? dictEl.getAttribute("data-words").split("\n") : [];
	var text = function (el) {
		if (el.foldedQ === undefined) {
			var w = (el.getAttribute("data-w") || "").split(" ");
			el.foldedQ = fold((el.getAttribute("data-q") || "") + " " +
			    w.filter(Boolean).map(function (i) {
				return dict[parseInt(i, 36)] || "";
			}).join(" "));
		}
		return el.foldedQ;
	};
	var tops = document.querySelectorAll("ul.hosts > li.host");
	var lists = document.querySelectorAll("ul.hosts");
	var probs = document.querySelectorAll("ul.problems > li");
	var out = box.form.querySelector(".shown");
	var total = document.querySelectorAll("li.host").length;
	var apply = function () {
		var words = fold(box.value).split(/\s+/).filter(Boolean);
		var match = function (el) {
			var t = text(el);
			return words.every(function (w) {
				return t.indexOf(w) !== -1;
			});
		};
		var shown = 0;
		tops.forEach(function (li) {
			var own = match(li), kid = false, kids = [];
			li.querySelectorAll("ul.guests > li.host").forEach(
			    function (c) {
				var m = match(c);
				kid = kid || m;
				kids.push([c, m]);
			});
			li.hidden = !(own || kid);
			if (own || kid)
				shown++;
			kids.forEach(function (k) {
				var show = k[1] || (own && !kid);
				k[0].hidden = !show;
				if (show)
					shown++;
			});
		});
		lists.forEach(function (ul) {
			var vis = ul.querySelector("li.host:not([hidden])") !== null;
			ul.hidden = !vis;
			var h = ul.previousElementSibling;
			if (h && h.tagName === "H2")
				h.hidden = !vis;
		});
		probs.forEach(function (li) {
			li.hidden = !match(li);
		});
		if (out)
			out.textContent = words.length ?
			    shown + " of " + total + " hosts shown" : "";
		var url = location.pathname + (box.value.trim() ?
		    "?q=" + encodeURIComponent(box.value.trim()) : "");
		if (url !== location.pathname + location.search)
			history.replaceState(null, "", url);
	};
	box.addEventListener("input", apply);
	box.form.addEventListener("submit", function (e) {
		e.preventDefault();
		apply();
	});
	apply();
})();
