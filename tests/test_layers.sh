#!/bin/bash
# The rooms' one dependency direction (docs/architecture.md): a file may
# include headers of its own room and of rooms below it, never above; lib/
# includes nothing of drover.  Every include of drover's names its room.
. "$top_srcdir/tests/lib/common.sh"

ROOMS="lib plugins agent rrd catalog alerts web collector" # bottom up
rank() {
	local r i=0
	for r in $ROOMS; do
		i=$((i + 1))
		[ "$r" = "$1" ] && { echo $i; return; }
	done
	echo 0
}
cd "$top_srcdir" || fail "no source tree"
bad=0 n=0
for room in $ROOMS; do
	me=$(rank "$room")
	for f in "$room"/*.[ch]; do
		[ -e "$f" ] || continue
		while IFS= read -r inc; do
			n=$((n + 1))
			case "$inc" in
			config.h) continue ;;
			*/*) ;;
			*)
				echo "$f: #include \"$inc\" does not name its room"
				bad=$((bad + 1))
				continue
				;;
			esac
			to=${inc%%/*}
			[ -f "$inc" ] || {
				echo "$f: #include \"$inc\": no such file"
				bad=$((bad + 1))
				continue
			}
			if [ "$(rank "$to")" -gt "$me" ]; then
				echo "$f: #include \"$inc\" reaches up from $room/ to $to/"
				bad=$((bad + 1))
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
[ "$n" -gt 100 ] || fail "read only $n includes: is the tree there?"
[ "$bad" -eq 0 ] || fail "$bad includes break the rooms' order"
echo "PASS: $n includes, none reaching up a room"
