#!/bin/bash
# The Debian package built from the tree (debian/, debhelper compat 13,
# Debian 12's toolchain), out of a copy so the build tree is untouched:
# lintian has no error or warning; the .deb holds the binary, the units,
# the man pages and the configs (conffiles); it depends on exactly the
# libraries the binary links and recommends rrdcached; its postinst makes
# the drover user and /var/lib/drover before it enables drover.service
# (and starts it only under a running systemd), drover-node.service is
# not enabled; installed and purged with dpkg --root in a scratch root it
# does so for real.  The package's compile is the slow part: parallel=2,
# nocheck.
. "$top_srcdir/tests/lib/common.sh"

need dpkg-buildpackage dpkg-dev
need dh debhelper
need dh_autoreconf dh-autoreconf
need lintian lintian
need objdump binutils

src=$T/build/drover
mkdir -p "$src"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z -co --exclude-standard) |
		(cd "$top_srcdir" && tar --null -T - -cf -) | tar -xf - -C "$src"
else
	# a tarball's tree (distcheck's is read-only)
	cp -a "$top_srcdir/." "$src"
	chmod -R u+w "$src"
	[ -f "$src/Makefile" ] && make -s -C "$src" distclean >/dev/null 2>&1
fi
[ -f "$src/debian/control" ] || fail "no debian/ in the copy"
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -us -uc -b -Pnocheck) >"$T/build.log" 2>&1 ||
	fail "dpkg-buildpackage: $(tail -20 "$T/build.log")"
deb=$(ls "$T"/build/drover_*_*.deb)
[ -f "$deb" ] || fail "no .deb built"

lintian --fail-on error,warning "$T"/build/drover_*.changes >"$T/lintian" 2>&1 ||
	fail "lintian: $(cat "$T/lintian")"
grep -E '^[EW]: ' "$T/lintian" && fail "lintian complains"

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/bin/drover /etc/drover/drover.conf /etc/drover/node.conf \
	/lib/systemd/system/drover.service /lib/systemd/system/drover-node.service \
	/usr/share/man/man8/drover.8.gz /usr/share/man/man5/drover.conf.5.gz \
	/usr/share/man/man1/drover-check.1.gz /usr/share/doc/drover/copyright; do
	grep -qxF "$f" "$T/files" || fail "the .deb lacks $f"
done
dpkg-deb -I "$deb" conffiles >"$T/conffiles"
grep -qx /etc/drover/drover.conf "$T/conffiles" || fail "drover.conf is no conffile"

# Depends: adduser and the packages of the libraries the binary links
mkdir "$T/x"
dpkg-deb -x "$deb" "$T/x"
objdump -p "$T/x/usr/bin/drover" | awk '$1 == "NEEDED" { print $2 }' >"$T/needed"
[ -s "$T/needed" ] || fail "no NEEDED libraries in the binary"
while read -r lib; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|x32|64/ { print $NF; exit }')
	[ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
	# dpkg knows a file by the path its package ships (/lib or /usr/lib)
	real=$(readlink -f "$path")
	for f in "$path" "$real" "${path#/usr}" "${real#/usr}" "/usr$path" "/usr$real"; do
		dpkg -S "$f" 2>/dev/null | head -1 | cut -d: -f1 | grep . && break
	done
done <"$T/needed" | sort -u >"$T/libpkgs"
dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | sort -u >"$T/depends"
(echo adduser; cat "$T/libpkgs") | sort -u >"$T/want"
cmp -s "$T/want" "$T/depends" ||
	fail "Depends is not the linked libraries: $(diff "$T/want" "$T/depends")"
dpkg-deb -f "$deb" Recommends | grep -qw rrdcached || fail "does not recommend rrdcached"

# the maintainer scripts
dpkg-deb -e "$deb" "$T/ctl"
p=$T/ctl/postinst
grep -q 'adduser .*--system' "$p" || fail "postinst makes no system user"
grep -q -- '--home /var/lib/drover' "$p" || fail "the user's home is not /var/lib/drover"
grep -q 'install -d -o drover -g drover -m 0750 /var/lib/drover' "$p" ||
	fail "postinst does not make /var/lib/drover"
[ "$(grep -n adduser "$p" | head -1 | cut -d: -f1)" -lt \
	"$(grep -n "deb-systemd-helper enable 'drover.service'" "$p" | cut -d: -f1)" ] ||
	fail "postinst enables drover.service before it makes the user"
grep -q "deb-systemd-helper enable 'drover.service'" "$p" || fail "drover.service not enabled"
grep -B8 "deb-systemd-invoke \$_dh_action 'drover.service'" "$p" |
	grep -q '\[ -d /run/systemd/system \]' ||
	fail "drover.service started without a running systemd (in a chroot)"
grep -q "deb-systemd-invoke .*drover-node" "$p" && fail "postinst starts drover-node.service"
awk "/deb-systemd-helper debian-installed 'drover-node.service'/,/^fi/" "$p" |
	grep -q "was-enabled" || fail "drover-node.service enabled on a fresh install"
grep -q 'rm -rf /var/lib/drover' "$T/ctl/postrm" || fail "purge leaves /var/lib/drover"

# the units, as installed
u=$T/x/lib/systemd/system/drover.service
grep -qx 'ExecStart=/usr/bin/drover run -s -c /etc/drover/drover.conf' "$u" ||
	fail "drover.service: $(grep ExecStart "$u")"
for k in User=drover Group=drover StateDirectory=drover RuntimeDirectory=drover \
	NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	CapabilityBoundingSet= 'SystemCallFilter=@system-service'; do
	grep -qxF "$k" "$u" || fail "drover.service lacks $k"
done
grep -qx 'ExecStart=/usr/bin/drover node -s -c /etc/drover/node.conf' \
	"$T/x/lib/systemd/system/drover-node.service" || fail "drover-node.service's ExecStart"

# dpkg --root: installed into a scratch root whose maintainer scripts
# run for real (tests/lib/dpkg_root.sh: this machine's /usr under an
# overlay, copies of its account files), with no systemd running: the
# user and /var/lib/drover are made, drover.service is enabled and not
# started, drover-node.service is not enabled; a purge removes the state
# directory and the configs, and keeps the user.
need unshare util-linux
need adduser adduser
need deb-systemd-helper init-system-helpers
r=$T/root
droot() { unshare -m --propagation private sh "$top_srcdir/tests/lib/dpkg_root.sh" "$r" "$@"; }
droot -i "$deb" >"$T/dpkg-i" 2>&1 || fail "dpkg --root -i: $(cat "$T/dpkg-i")"
dpkg-query --root="$r" -W -f='${Status}\n' drover | grep -qx 'install ok installed' ||
	fail "not installed in the scratch root: $(cat "$T/dpkg-i")"
dpkg-query --root="$r" -W -f='${Conffiles}\n' drover | grep -q '/etc/drover/drover.conf' ||
	fail "dpkg registered no conffile"
cmp -s "$r/etc/drover/drover.conf" "$top_srcdir/conf/drover.conf" ||
	fail "the installed /etc/drover/drover.conf is not conf/drover.conf"
pw=$(grep '^drover:' "$r/etc/passwd") || fail "postinst made no drover user"
echo "$pw" | grep -q ':/var/lib/drover:/usr/sbin/nologin$' || fail "the drover user: $pw"
uid=$(echo "$pw" | cut -d: -f3)
[ "$uid" -lt 1000 ] || fail "drover is no system user (uid $uid)"
grep -q '^drover:' "$r/etc/group" || fail "postinst made no drover group"
grep -q '^drover:' /etc/passwd && note "this machine has a drover user of its own"
[ "$(stat -c '%u %a' "$r/var/lib/drover")" = "$uid 750" ] ||
	fail "/var/lib/drover: $(stat -c '%U %a' "$r/var/lib/drover")"
[ -L "$r/etc/systemd/system/multi-user.target.wants/drover.service" ] ||
	fail "drover.service not enabled"
ls "$r"/etc/systemd/system/*/drover-node.service >/dev/null 2>&1 &&
	fail "drover-node.service enabled"
"$r.usr/bin/drover" -n -c "$r/etc/drover/drover.conf" 2>/dev/null ||
	fail "the installed drover rejects the installed drover.conf"
droot --purge drover >"$T/dpkg-p" 2>&1 || fail "dpkg --root --purge: $(cat "$T/dpkg-p")"
[ -e "$r/var/lib/drover" ] && fail "purge left /var/lib/drover"
[ -e "$r/etc/drover/drover.conf" ] && fail "purge left /etc/drover/drover.conf"
[ -e "$r/etc/systemd/system/multi-user.target.wants/drover.service" ] &&
	fail "purge left drover.service enabled"
echo "PASS: $(basename "$deb") builds, is lintian clean and holds what a daemon needs"
