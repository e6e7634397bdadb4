#!/bin/bash
# "drover -n": the config test of nginx, sshd and ntpd.  -n -c FILE
# exits 0 on a usable config and 1 (errors naming file and line) on a bad
# one, as "drover config" does; -nv prints the normalised config that
# "drover config" prints; an unknown option is a usage error (2).
. "$top_srcdir/tests/lib/common.sh"

good=$top_srcdir/conf/drover.conf
"$DROVER" -n -c "$good" >"$T/out" 2>"$T/err" || fail "-n rejected $good: $(cat "$T/err")"
[ -s "$T/out" ] && fail "-n printed on stdout: $(cat "$T/out")"
grep -q "configuration OK" "$T/err" || fail "-n said nothing: $(cat "$T/err")"
"$DROVER" -c "$good" -n 2>/dev/null || fail "-c FILE -n rejected"

"$DROVER" -nv -c "$good" >"$T/nv" || fail "-nv rejected $good"
"$DROVER" config -c "$good" >"$T/config" || fail "config rejected $good"
cmp -s "$T/nv" "$T/config" || fail "-nv and config differ: $(diff "$T/nv" "$T/config")"
"$DROVER" -n -v -c "$good" | cmp -s - "$T/config" || fail "-n -v differs from -nv"

printf 'interval 60\nmax_concurrency lots\n' >"$T/bad.conf"
"$DROVER" -n -c "$T/bad.conf" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail "-n on a bad config exited $rc, not 1"
grep -q "bad.conf:2: max_concurrency" "$T/err" || fail "no file:line in: $(cat "$T/err")"
"$DROVER" config -c "$T/bad.conf" >/dev/null 2>&1
[ $? -eq 1 ] || fail "config on a bad config did not exit 1"
"$DROVER" -n -c "$T/missing.conf" 2>/dev/null
[ $? -eq 1 ] || fail "-n on a missing file did not exit 1"
"$DROVER" -x -c "$good" 2>/dev/null
[ $? -eq 2 ] || fail "an unknown option did not exit 2"
"$DROVER" -n -c "$good" extra 2>/dev/null
[ $? -eq 2 ] || fail "-n with an operand did not exit 2"
echo "PASS: -n and -nv check the config as drover config does"
