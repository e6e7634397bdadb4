#!/bin/bash
# drover.conf(5) documents every key the parser takes, and only those.
# The keys come from the code, not from a list kept by hand: every string
# literal of the daemon's sources (a word: "interval") is tried on
# the real parser by tests/conf_keys, with the sources' key tables whole,
# and the field-level keywords are read from conf.c's drover_keywords
# table.  The man page's keys are its ".It Cm KEY" lines, made from the
# README's key tables: a key added to the code without a row there fails
# here, named; so does a global key whose default the page gives
# otherwise than "drover config" prints it for an empty config.
. "$top_srcdir/tests/lib/common.sh"

man=$top_builddir/man/drover.conf.5
[ -f "$man" ] || fail "$man not built"
helper=$top_builddir/tests/conf_keys
[ -x "$helper" ] || fail "$helper not built"

cat "$top_srcdir"/{collector,alerts,plugins,agent,catalog,rrd,web,lib}/*.c |
	grep -o '"[a-z][a-z0-9_]*"' | tr -d '"' | sort -u >"$T/words"
"$helper" <"$T/words" 2>/dev/null | sort -u >"$T/found"
grep -q '^global interval$' "$T/found" || fail "conf_keys found no interval: $(head "$T/found")"
grep -q '^host ipmi_address$' "$T/found" || fail "conf_keys missed the sources' tables"
grep -q '^contact webhook$' "$T/found" || fail "conf_keys missed the contact keys"

# KEY as the man page writes it
awk '$1 == "contact" { print "contact.NAME." $2; next } { print $2 }' \
	"$T/found" | sort -u >"$T/code"
awk '/drover_keywords\[\] = \{/ { t = 1; next } t && /^\};/ { exit }
	t { gsub(/[",[:space:]]/, ""); if ($0 != "") print }' \
	"$top_srcdir/collector/conf.c" >"$T/fieldkw"
[ -s "$T/fieldkw" ] || fail "no drover_keywords table in collector/conf.c"
awk '$1 == ".It" && $2 == "Cm" { print $3 }' "$man" | sort -u >"$T/man"
[ "$(wc -l <"$T/man")" -gt 50 ] || fail "drover.conf(5) has only $(wc -l <"$T/man") keys"

bad=0
while read -r k; do
	grep -qxF "$k" "$T/man" && continue
	echo "drover.conf(5) lacks \"$k\", which the parser takes: add a row to a key table of README.md"
	bad=$((bad + 1))
done <"$T/code"
# field keywords: as PLUGIN.FIELD.KEY (or PLUGIN.KEY)
while read -r k; do
	grep -qE "^([A-Z]+\.)+$k\$" "$T/man" && continue
	grep -qxF "$k" "$T/man" && continue
	echo "drover.conf(5) lacks the field keyword \"PLUGIN.FIELD.$k\": add a row to a key table of README.md"
	bad=$((bad + 1))
done <"$T/fieldkw"
# and nothing the parser does not take
while read -r k; do
	base=${k##*.}
	case "$k" in
	[A-Z]*.*) grep -qxF "$base" "$T/fieldkw" && continue ;;
	esac
	grep -qxF "$k" "$T/code" && continue
	echo "drover.conf(5) documents \"$k\", which the parser does not take"
	bad=$((bad + 1))
done <"$T/man"
[ "$bad" -eq 0 ] || fail "$bad keys differ between drover.conf(5) and the parser"

# the defaults: each global key that "drover config" prints for an empty
# config (its defaults) has that value in the page's default
: >"$T/empty.conf"
"$DROVER" config -c "$T/empty.conf" 2>/dev/null |
	awk '/^\[/ { exit } /^[a-z]/ { k = $1; $1 = ""; sub(/^ /, ""); print k "\t" $0 }' \
	>"$T/defaults"
[ "$(wc -l <"$T/defaults")" -gt 30 ] || fail "drover config printed few defaults"
awk '/^\.It Cm/ { if (!prev) n = 0; keys[++n] = $3; prev = 1; next }
	{ prev = 0 }
	/^\(.*default: / && n { d = $0; sub(/.*default: /, "", d); sub(/\.\)$/, "", d)
		gsub(/\\f[BP]/, "", d); for (i = 1; i <= n; i++) print keys[i] "\t" d; n = 0 }' \
	"$man" >"$T/mandefaults"
nd=0
while IFS=$'\t' read -r k v; do
	d=$(awk -F'\t' -v k="$k" '$1 == k { print $2; exit }' "$T/mandefaults")
	# the value as a word of the text ("300", not "3000")
	if printf '%s\n' "$d" | grep -qwF -- "$v"; then
		nd=$((nd + 1))
	else
		echo "drover.conf(5) gives $k the default \"$d\"; the parser's is \"$v\""
		bad=$((bad + 1))
	fi
done <"$T/defaults"
[ "$bad" -eq 0 ] || fail "$bad defaults differ between drover.conf(5) and the parser"

# the page renders without a warning from groff (as lintian runs it)
for page in "$man" "$top_srcdir/man/drover.8" "$top_srcdir/man/drover-check.1"; do
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
		2>"$T/warn" >/dev/null || fail "man cannot format $page"
	[ -s "$T/warn" ] && fail "$page: $(cat "$T/warn")"
done
echo "PASS: drover.conf(5) documents the $(wc -l <"$T/code") keys and $(wc -l <"$T/fieldkw") field keywords the parser takes, $nd defaults as the parser has them"
