// zoom: drag across a graph to zoom into that time range, or pick a
// range in the form.  Pixels map to time with the plot area's geometry the
// server put on the image (data-start/-end, data-left/-width).
(function () {
	"use strict";
	// the other arguments (a compare page's hosts=) stay
	var go = function (s, t) {
		var q = new URLSearchParams(location.search);
		q.set("start", s);
		q.set("end", t);
		location.search = "?" + q.toString();
	};
	document.querySelectorAll("img[data-start]").forEach(function (img) {
		var x0 = null;
		img.addEventListener("mousedown", function (e) {
			e.preventDefault();
			x0 = e.offsetX;
		});
		img.addEventListener("mouseup", function (e) {
			if (x0 === null)
				return;
			var s = +img.dataset.start, t = +img.dataset.end;
			var k = img.width / img.naturalWidth;
			var l = +img.dataset.left * k, w = +img.dataset.width * k;
			var a = Math.min(x0, e.offsetX), z = Math.max(x0, e.offsetX);
			x0 = null;
			if (!s || !w || z - a < 5)
				return;
			var f = function (x) {
				return Math.round(s + (t - s) *
				    Math.max(0, Math.min(1, (x - l) / w)));
			};
			go(f(a), f(z));
		});
	});
	document.querySelectorAll("form.range").forEach(function (fm) {
		fm.addEventListener("submit", function (e) {
			e.preventDefault();
			var s = Date.parse(fm.from.value) / 1000;
			var t = Date.parse(fm.to.value) / 1000;
			if (s < t)
				go(s, t);
		});
	});
})();
