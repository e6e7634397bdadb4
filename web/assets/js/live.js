// live: the graphs of a page follow new data without reloading the page.
// Each graph answer carries an ETag (its data's last stamp) and a
// Cache-Control max-age (seconds until the next sample is expected,
// web/http.c start_graph); when that runs out the graph is asked again
// with If-None-Match, so an unchanged graph costs a 304 and no bytes.  A
// new image is decoded before it replaces the old one (no flash), the
// replaced object URL is revoked.  A hidden tab asks nothing until it is
// shown again, a graph scrolled out of sight nothing until it is back in
// sight; an error backs off (5 s doubling to 10 min); at most three
// requests are in flight.  When a graph changed, the page's state
// badge and problem marks follow from /api/v1 (host and service pages).
(function () {
	"use strict";
	var imgs = document.querySelectorAll(".graphs img");
	if (!imgs.length || !window.fetch || !window.URL ||
	    !URL.createObjectURL)
		return;
	var MAX_INFLIGHT = 3, MIN_WAIT = 2, MAX_WAIT = 600;
	var recs = [], queue = [], inflight = 0, stateTimer = null;

	function seconds(h, name) {
		var m = /max-age=(\d+)/.exec(h.get("Cache-Control") || "");
		return m ? +m[1] : name;
	}
	// next ask: max-age after the answer was made (Date), at least
	// MIN_WAIT from now
	function plan(r, res) {
		var made = Date.parse(res.headers.get("Date") || "");
		var now = Date.now();
		if (!(made <= now))
			made = now;
		r.fails = 0;
		r.due = Math.max(now + MIN_WAIT * 1000,
		    made + (seconds(res.headers, 60) + 1) * 1000);
	}
	function backoff(r) {
		r.fails++;
		r.due = Date.now() +
		    Math.min(MAX_WAIT, 5 * Math.pow(2, r.fails - 1)) * 1000;
	}
	// a named period's or relative range's window moved with the clock:
	// the zoom's geometry (data-start/-end) moves along; a range of
	// epoch seconds stays
	function shift(r, ms) {
		var d = r.img.dataset, s = Math.round(ms / 1000);
		if (/[?&]start=\d/.test(r.url) || !d.start || !d.end)
			return;
		d.start = +d.start + s;
		d.end = +d.end + s;
	}
	function swap(r, res) {
		var etag = res.headers.get("ETag");
		return res.blob().then(function (blob) {
			var u = URL.createObjectURL(blob), pre = new Image();
			pre.src = u;
			return pre.decode().then(function () {
				var old = r.obj;
				if (old) {
					r.img.addEventListener("load",
					    function () {
						URL.revokeObjectURL(old);
					}, {once: true});
				}
				r.img.src = u;
				r.obj = u;
				r.etag = etag;
				shift(r, Date.now() - r.since);
				r.since = Date.now();
				r.img.dataset.liveSwaps =
				    (+r.img.dataset.liveSwaps || 0) + 1;
				states();
			}, function (e) {
				URL.revokeObjectURL(u);
				throw e;
			});
		});
	}
	function ask(r) {
		var opt;
		inflight++;
		// the first ask learns the ETag of the image shown, from the
		// browser's cache where it can; then If-None-Match by hand, so
		// a 304 comes back whatever the cache holds
		if (r.etag === null || r.etag === "")
			opt = {cache: "force-cache"};
		else
			opt = {cache: "no-store",
			    headers: {"If-None-Match": r.etag}};
		// an answer not shown is read to its end (an empty 304, or a
		// picture from the cache): one left unread counts as aborted
		fetch(r.url, opt).then(function (res) {
			if (res.status === 304) {
				plan(r, res);
				return res.arrayBuffer();
			}
			if (!res.ok)
				throw new Error("HTTP " + res.status);
			plan(r, res);
			if (r.etag === null && r.img.naturalWidth > 0) {
				r.etag = res.headers.get("ETag") || "";
				return res.arrayBuffer();
			}
			if (res.headers.get("ETag") === r.etag)
				return res.arrayBuffer();
			return swap(r, res);
		}).catch(function () {
			backoff(r);
		}).then(function () {
			r.queued = false;
			inflight--;
			pump();
		});
	}
	function pump() {
		while (inflight < MAX_INFLIGHT && queue.length)
			ask(queue.shift());
	}
	function tick() {
		var now = Date.now();
		if (document.hidden)
			return;
		recs.forEach(function (r) {
			if (r.ready && r.seen && !r.queued && r.due <= now) {
				r.queued = true;
				queue.push(r);
			}
		});
		pump();
	}
	// the state badge and the problem marks of a host page (/HOST/) or
	// a service page (/HOST/SERVICE/), once after a burst of new graphs;
	// a figure whose state changed gets its mark anew from its service's
	// fields, as page_graph_figure writes it
	var page = /^\/([^/]+)\/(?:([^/]+)\/)?$/.exec(location.pathname);
	function getJSON(path) {
		return fetch("/api/v1/hosts/" + path, {cache: "no-store"})
		    .then(function (res) {
			return res.ok ? res.json() : null;
		});
	}
	function states() {
		var badge = document.querySelector("h1 span.state");
		if (!page || !badge || stateTimer !== null)
			return;
		stateTimer = setTimeout(function () {
			stateTimer = null;
			getJSON(page[1] + (page[2] ? "/" + page[2] : ""))
			    .then(function (j) {
				if (j)
					paint(j, badge);
			}).catch(function () {});
		}, 1000);
	}
	function known(st) {
		return typeof st === "string" && /^[A-Z]+$/.test(st);
	}
	function recolour(el, st) {
		el.className = el.className.replace(/\bst-[A-Z]+\b/, "st-" + st);
	}
	function figure(f, st, fields) {
		var m = f.querySelector("span.mark"), text = st, sep = ": ";
		recolour(f, st);
		f.dataset.state = st;
		if (st === "OK") {
			if (m)
				m.remove();
			return;
		}
		if (!m) {
			m = document.createElement("span");
			f.insertBefore(m, f.firstChild);
		}
		m.className = "mark mark-" + st;
		fields.forEach(function (x) {
			if (!known(x.state) || x.state === "OK")
				return;
			text += sep + (x.config && x.config.label || x.name) +
			    (x.state !== st ? " (" + x.state + ")" : "");
			sep = ", ";
		});
		m.textContent = text;
	}
	function paint(j, badge) {
		var figs = document.querySelectorAll(".graphs figure[data-state]");
		var by = {};
		if (!known(j.state))
			return;
		recolour(badge, j.state);
		badge.textContent = j.state;
		if (page[2]) { /* a service page: its own figures */
			figs.forEach(function (f) {
				if (f.dataset.state !== j.state)
					figure(f, j.state, j.fields || []);
			});
			return;
		}
		(j.services || []).forEach(function (s) {
			by[s.name] = s.state;
		});
		figs.forEach(function (f) {
			var a = f.querySelector("a[href]");
			var n = a && decodeURIComponent(
			    a.getAttribute("href").replace(/\/$/, ""));
			if (!n || !known(by[n]) || by[n] === f.dataset.state)
				return;
			getJSON(page[1] + "/" + encodeURIComponent(n))
			    .then(function (s) {
				if (s && known(s.state))
					figure(f, s.state, s.fields || []);
			}).catch(function () {});
		});
	}
	// which graphs are in sight (all, where the browser cannot say)
	var sight = window.IntersectionObserver ?
	    new IntersectionObserver(function (es) {
		es.forEach(function (e) {
			e.target.__live.seen = e.isIntersecting;
		});
		tick();
	    }, {rootMargin: "100px"}) : null;
	// a zoomed range that ended ten minutes before the page was made
	// gets no new data (its ETag would change with the service's last
	// stamp all the same)
	function past(url) {
		var m = /[?&]end=(\d+)/.exec(url);
		return m !== null && +m[1] * 1000 < Date.now() - 600000;
	}
	Array.prototype.forEach.call(imgs, function (img) {
		if (past(img.src))
			return;
		var r = {img: img, url: img.src, etag: null, obj: null,
		    due: 0, fails: 0, queued: false, ready: false,
		    seen: !sight, since: Date.now()};
		function ready() {
			r.ready = true;
			tick();
		}
		recs.push(r);
		if (sight) {
			img.__live = r;
			sight.observe(img);
		}
		if (img.complete)
			ready();
		else {
			img.addEventListener("load", ready, {once: true});
			img.addEventListener("error", ready, {once: true});
		}
	});
	document.addEventListener("visibilitychange", tick);
	setInterval(tick, 1000);
})();
