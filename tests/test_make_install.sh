#!/bin/bash
# "make install DESTDIR=..." installs the daemon as a Debian daemon wants
# it: the binary, the example configs under SYSCONFDIR/drover (never over
# an existing one), the two systemd units with this build's paths and the
# hardening of conf/, and the three man pages; "make uninstall" takes it
# all away again but an edited config.
. "$top_srcdir/tests/lib/common.sh"

root=$T/root
# a make of its own: under "make -j2 check" the parent's MAKEFLAGS (its
# jobserver, -w) would reach it and print "Entering directory" lines into
# what var() reads
cleanmake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make "$@"; }
mk() { cleanmake -s -C "$top_builddir" "$@" DESTDIR="$root" >>"$T/make.log" 2>&1 ||
	fail "make $*: $(tail -5 "$T/make.log")"; }
var() { cleanmake -s --no-print-directory -C "$top_builddir" -f Makefile -f - print <<<"print: ; @echo \$($1)"; }
bindir=$(var bindir) sysconfdir=$(var sysconfdir) mandir=$(var mandir)
unitdir=$(var systemdsystemunitdir)
[ -n "$bindir" ] && [ -n "$unitdir" ] || fail "no bindir or unit dir from the Makefile"

mk install
for f in "$bindir/drover" "$sysconfdir/drover/drover.conf" \
	"$sysconfdir/drover/node.conf" "$unitdir/drover.service" \
	"$unitdir/drover-node.service" "$mandir/man8/drover.8" \
	"$mandir/man5/drover.conf.5" "$mandir/man1/drover-check.1"; do
	[ -f "$root$f" ] || fail "make install did not install $f"
done
"$root$bindir/drover" -n -c "$root$sysconfdir/drover/drover.conf" 2>/dev/null ||
	fail "the installed example config does not pass drover -n"
cmp -s "$root$sysconfdir/drover/drover.conf" "$top_srcdir/conf/drover.conf" ||
	fail "the installed drover.conf is not conf/drover.conf"

u=$root$unitdir/drover.service
grep -qx "ExecStart=$bindir/drover run -s -c $sysconfdir/drover/drover.conf" "$u" ||
	fail "drover.service runs $(grep ExecStart= "$u")"
for k in User=drover RuntimeDirectory=drover StateDirectory=drover \
	NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= \
	PrivateDevices=yes 'SystemCallFilter=@system-service'; do
	grep -qxF "$k" "$u" || fail "drover.service lacks $k"
done
grep -qx "ExecStart=$bindir/drover node -s -c $sysconfdir/drover/node.conf" \
	"$root$unitdir/drover-node.service" || fail "drover-node.service's ExecStart"
[ "$bindir" != /usr/local/bin ] && grep -v '^#' "$u" | grep -q '/usr/local/bin' &&
	fail "drover.service still runs from /usr/local/bin"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no "$u" >"$T/verify" 2>&1 ||
		note "systemd-analyze verify: $(cat "$T/verify")"
fi

# a second install keeps an edited config
echo "interval 30" >>"$root$sysconfdir/drover/drover.conf"
mk install
grep -qx "interval 30" "$root$sysconfdir/drover/drover.conf" ||
	fail "make install overwrote an edited drover.conf"
mk uninstall
[ -f "$root$sysconfdir/drover/drover.conf" ] || fail "uninstall removed an edited config"
rm "$root$sysconfdir/drover/drover.conf"
mk uninstall
left=$(find "$root" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "PASS: make install and uninstall with DESTDIR"
