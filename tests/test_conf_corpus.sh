#!/bin/bash
# Real-world munin.conf files (tests/fixtures/munin-conf, origins in its
# ORIGINS): every one that Munin 2.0.73's own parser accepts -- what
# munin-update does at start, Munin::Master::Config->parse_config_from_file
# on the file and on each file of its includedir -- drover config accepts
# too.  Each file runs with dbdir, htmldir, rundir, logdir, includedir and
# state_dir moved into the test's temp dir (includedir: the fixture's
# NAME.d/ when it has one, else an empty directory), so nothing depends on
# /var/lib or /etc/munin.  Prints the counts; fails naming each file Munin
# accepts and drover refuses, with drover's errors, each whose printed
# config (drover config's output) does not read back the same, and each
# where drover's hosts (GROUP;...;HOST) are not the ones Munin's parser
# made.
. "$top_srcdir/tests/lib/common.sh"

need perl perl
# Munin::Master::Config comes with munin-update
need /usr/share/munin/munin-update munin
[ -x "$DROVER" ] || fail "$DROVER not built"
CORPUS="$top_srcdir/tests/fixtures/munin-conf"


cat >"$T/munin_parse.pl" <<'PERL'
# What munin-update's configure() does with its config: the file, then
# every file of includedir but dot files and backups, in order.
use strict;
use warnings;
use Log::Log4perl qw(:easy);
use Munin::Master::Config;

Log::Log4perl->easy_init($OFF);
my $config = Munin::Master::Config->instance()->{config};
$config->parse_config_from_file($ARGV[0]);
if (defined $config->{includedir} && opendir(my $d, $config->{includedir})) {
	for my $f (sort grep { !/^\.|~$/ } readdir($d)) {
		$config->parse_config_from_file("$config->{includedir}/$f");
	}
	closedir($d);
}
print "accepted\n";
# with a second argument: the hosts Munin knows, GROUP;...;HOST, sorted
if (@ARGV > 1) {
	open(my $out, '>', $ARGV[1]) or die "$ARGV[1]: $!";
	print $out "$_\n" for sort map { $_->get_full_path } $config->get_all_hosts;
	close($out);
}
PERL

# munin_accepts FILE [HOSTS]: Munin's parser accepts FILE (and writes
# the hosts it knows to HOSTS)
munin_accepts() {
	[ "$(perl "$T/munin_parse.pl" "$@" 2>"$T/munin.err")" = accepted ]
}

# rewrite NAME FILE: FILE with its directories in $T/run/NAME, as
# $T/run/NAME/munin.conf for Munin and .../drover.conf for drover (the
# same plus drover's state_dir, a key Munin refuses, and local_node no, so
# the hosts are the file's)
rewrite() {
	local name=$1 file=$2 dir=$T/run/$1
	mkdir -p "$dir/db" "$dir/www" "$dir/run" "$dir/log" "$dir/state" \
	    "$dir/inc"
	if [ -d "$CORPUS/$name.d" ]; then
		cp "$CORPUS/$name.d"/* "$dir/inc/"
	fi
	{
		printf 'dbdir %s/db\nhtmldir %s/www\nrundir %s/run\n' \
		    "$dir" "$dir" "$dir"
		printf 'logdir %s/log\nincludedir %s/inc\n' "$dir" "$dir"
		sed -E '/^[[:space:]]*(dbdir|htmldir|rundir|logdir|includedir|state_dir)[[:space:]]/d' \
		    "$file"
	} >"$dir/munin.conf"
	{
		printf 'state_dir %s/state\nlocal_node no\n' "$dir"
		cat "$dir/munin.conf"
	} >"$dir/drover.conf"
	echo "$dir"
}

# The Munin side must be able to say no, or every count below is vacuous.
printf '[h]\n    address 127.0.0.1\n    frobnicate 1\n' >"$T/bad.conf"
munin_accepts "$T/bad.conf" && fail "Munin's parser accepted an unknown keyword"
printf '[h]\n    address 127.0.0.1\n' >"$T/good.conf"
munin_accepts "$T/good.conf" || fail "Munin's parser refused a one-host config: $(cat "$T/munin.err")"

total=0 munin_ok=0 drover_ok=0 bad=0
for file in "$CORPUS"/*.conf; do
	name=$(basename "$file")
	grep -q "^$name " "$CORPUS/ORIGINS" || fail "$name is not in ORIGINS"
	total=$((total + 1))
	dir=$(rewrite "$name" "$file")
	if ! munin_accepts "$dir/munin.conf" "$dir/munin.hosts"; then
		# the corpus is of files Munin accepts: one it refuses is
		# a broken fixture (or a broken rewrite), not a data point
		echo "FAIL: $name: Munin's parser refuses it: $(head -2 "$T/munin.err")"
		bad=$((bad + 1))
		continue
	fi
	munin_ok=$((munin_ok + 1))
	if "$DROVER" config -c "$dir/drover.conf" >"$dir/printed.conf" 2>"$T/drover.err"; then
		drover_ok=$((drover_ok + 1))
		# what drover config prints is a config it reads back the same
		if ! "$DROVER" config -c "$dir/printed.conf" >"$dir/printed2.conf" 2>"$T/drover2.err" ||
		    ! cmp -s "$dir/printed.conf" "$dir/printed2.conf"; then
			echo "FAIL: $name: drover config's own output does not read back the same:"
			sed 's/^/    /' "$T/drover2.err"
			diff "$dir/printed.conf" "$dir/printed2.conf" | head -5
			bad=$((bad + 1))
		fi
		# and it knows the hosts Munin knows, in the same groups
		sed -n 's/^\[\(.*[^;]\)\]$/\1/p' "$dir/printed.conf" | sort >"$dir/drover.hosts"
		if ! cmp -s "$dir/munin.hosts" "$dir/drover.hosts"; then
			echo "FAIL: $name: drover's hosts are not Munin's (< Munin, > drover):"
			diff "$dir/munin.hosts" "$dir/drover.hosts" | head -8
			bad=$((bad + 1))
		fi
		continue
	fi
	echo "FAIL: $name: Munin accepts it, drover refuses it:"
	sed 's/^/    /' "$T/drover.err"
	bad=$((bad + 1))
done
note "corpus: $total files; accepted by Munin 2.0.73: $munin_ok; by drover: $drover_ok"
[ "$total" -ge 28 ] || fail "the corpus has $total files, fewer than 28"
[ "$bad" -eq 0 ] || fail "$bad of $total files"
echo "PASS: drover accepts every munin.conf of the corpus that Munin accepts"
