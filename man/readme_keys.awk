# readme_keys.awk: the README's key tables as mdoc, for drover.conf(5).
#
#   awk -f man/readme_keys.awk README.md
#
# Every Markdown table whose first header cell is "key" becomes a tag list
# under the README heading it sits in (.Ss), one .It per key written in
# the key cell (`KEY ARGS`, several per cell allowed), then the meaning
# and the where/default cells.  drover.conf(5) is made of this and
# man/drover.conf.5.in, so the man page documents exactly the keys the
# README does; tests/test_man_keys.sh checks both against the parser.

# Markdown inline text to roff text.
function inline(t) {
	gsub(/\\\|/, "|", t)
	gsub(/\\/, "\\e", t)
	gsub(/\*\*/, "", t)
	while (match(t, /\[[^]]*\]\([^)]*\)/)) {
		m = substr(t, RSTART, RLENGTH)
		sub(/\]\(.*/, "", m)
		t = substr(t, 1, RSTART - 1) substr(m, 2) substr(t, RSTART + RLENGTH)
	}
	while (match(t, /`[^`]*`/))
		t = substr(t, 1, RSTART - 1) "\\fB" substr(t, RSTART + 1, RLENGTH - 2) "\\fP" substr(t, RSTART + RLENGTH)
	sub(/^[ \t]+/, "", t)
	sub(/[ \t]+$/, "", t)
	return t
}

function line(t) {
	if (t ~ /^[.']/)
		t = "\\&" t
	print t
}

function cells(row, c,    n, i) {
	gsub(/\\\|/, "\001", row)
	sub(/^[ \t]*\|/, "", row)
	sub(/\|[ \t]*$/, "", row)
	n = split(row, c, "|")
	for (i = 1; i <= n; i++) {
		gsub(/\001/, "\\|", c[i])
		sub(/^[ \t]+/, "", c[i])
		sub(/[ \t]+$/, "", c[i])
	}
	return n
}

/^#+ / {
	heading = $0
	sub(/^#+ +/, "", heading)
	gsub(/`/, "", heading)
	gsub(/"/, "", heading)
	next
}

intable && !/^\|/ {
	print ".El"
	intable = 0
}

/^\| *key *\|/ {
	n = cells($0, hdr)
	wcol = dcol = mcol = 0
	for (i = 1; i <= n; i++) {
		if (hdr[i] == "where") wcol = i
		if (hdr[i] == "default") dcol = i
		if (hdr[i] == "meaning") mcol = i
	}
	if (heading != lastheading) {
		print ".Ss \"" heading "\""
		lastheading = heading
	}
	print ".Bl -tag -width Ds"
	intable = 1
	getline # the |---| line
	next
}

intable {
	cells($0, c)
	k = c[1]
	while (match(k, /`[^`]*`/)) {
		spec = substr(k, RSTART + 1, RLENGTH - 2)
		k = substr(k, RSTART + RLENGTH)
		gsub(/\\\|/, "|", spec)
		key = spec
		sub(/[ \t].*/, "", key)
		args = substr(spec, length(key) + 1)
		sub(/^[ \t]+/, "", args)
		gsub(/\\/, "\\e", args)
		gsub(/"/, "\\(dq", args)
		if (args != "")
			print ".It Cm " key " Ar \"" args "\""
		else
			print ".It Cm " key
	}
	if (mcol) {
		m = inline(c[mcol])
		line(toupper(substr(m, 1, 1)) substr(m, 2) ".")
	}
	where = wcol ? inline(c[wcol]) : "host"
	def = dcol ? inline(c[dcol]) : ""
	if (def == "")
		def = "none"
	line("(" where "; default: " def ".)")
	next
}

END {
	if (intable)
		print ".El"
}
