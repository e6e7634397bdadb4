#!/bin/sh
# dpkg_root.sh ROOT DPKG-ARGS...: "dpkg --root=ROOT DPKG-ARGS" with the
# maintainer scripts run for real, chrooted into ROOT, a merged-/usr
# Debian root made of this machine's /usr under an overlay whose upper
# layer is ROOT.usr (so what dpkg writes or removes there never reaches
# the real /usr) and copies of its account and PAM files in ROOT/etc.
# Run it in a private mount namespace (unshare -m --propagation
# private): the mounts go when it exits; ROOT and ROOT.usr keep the
# state from one call to the next.  Used by tests/test_deb.sh.
set -e
R=$1
shift
mkdir -p "$R/usr" "$R.usr" "$R.work" "$R/etc" "$R/dev" "$R/run" "$R/tmp" \
	"$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
for d in bin sbin lib lib64; do
	[ -e "$R/$d" ] || [ -L "$R/$d" ] || ln -s "usr/$d" "$R/$d"
done
mount -t overlay overlay \
	-o "lowerdir=/usr,upperdir=$R.usr,workdir=$R.work" "$R/usr"
for f in passwd group shadow gshadow nsswitch.conf adduser.conf \
	deluser.conf login.defs ld.so.cache pam.conf; do
	if [ -f "/etc/$f" ] && [ ! -f "$R/etc/$f" ]; then
		cp -p "/etc/$f" "$R/etc/"
	fi
done
for d in pam.d security perl; do
	if [ -d "/etc/$d" ] && [ ! -d "$R/etc/$d" ]; then
		cp -a "/etc/$d" "$R/etc/"
	fi
done
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available" "$R/dev/null"
mount --bind /dev/null "$R/dev/null"
dpkg --root="$R" --force-depends --log=/dev/null "$@"
