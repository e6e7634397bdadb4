#!/bin/bash
# The README's test command installs every package a test needs: each
# "need CMD PACKAGE" in tests/ names a package that command's apt-get
# line lists, so a fresh machine has every peer and no test is skipped
# for want of one.
. "$top_srcdir/tests/lib/common.sh"

cmd=$(awk '/<!-- command:test -->/ { grab = 1; next }
	grab && /^```sh/ { inblock = 1; next }
	inblock && /^```/ { exit }
	inblock { print }' "$top_srcdir/README.md")
[ -n "$cmd" ] || fail "README.md has no test command"
pkgs=" $(echo "$cmd" | sed -n 's/.*apt-get install -y --no-install-recommends \([^&]*\)&&.*/\1/p') "
[ "$pkgs" != "  " ] || fail "no apt-get install line in the README's test command"
n=0 bad=0
while read -r f pkg; do
	n=$((n + 1))
	case "$pkgs" in
	*" $pkg "*) ;;
	*)
		echo "$f needs $pkg, which the README's test command does not install"
		bad=$((bad + 1))
		;;
	esac
done < <(grep -o '^[[:space:]]*need [^ ]* [a-z0-9.+-]*' "$top_srcdir"/tests/*.sh "$top_srcdir"/tests/lib/*.sh |
	sed 's/^\([^:]*\):[[:space:]]*need [^ ]* /\1 /')
[ "$n" -gt 0 ] || fail "found no need lines in tests/"
[ "$bad" -eq 0 ] || fail "$bad packages missing from the README"
echo "PASS: the README installs all $n packages the tests need"
