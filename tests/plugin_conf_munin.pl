#!/usr/bin/perl
# plugin_conf_munin.pl DIR PLUGIN...: what munin-node itself makes of the
# plugin-conf.d DIR (Munin::Node::Config, Debian's ignore_file patterns),
# printed in tests/plugin_conf_dump.c's format, so the two can be diffed.
use strict;
use warnings;
use Munin::Node::Config;

my ($dir, @plugins) = @ARGV;
my $c = Munin::Node::Config->instance();
$c->reinitialize({
	sconfdir => $dir,
	ignores => ['[\#~]$', 'DEADJOE$', '\.bak$', '%$',
		'\.dpkg-(tmp|new|old|dist)$', '\.rpm(save|new)$', '\.pod$'],
});
$c->process_plugin_configuration_files();
$c->apply_wildcards(@plugins);
for my $p (@plugins) {
	my $s = $c->{sconf}{$p} || {};
	print "[$p]\n";
	print "user $s->{user}\n" if defined $s->{user};
	print join(' ', 'group', @{$s->{group}}), "\n" if $s->{group};
	print join(' ', 'command', @{$s->{command}}), "\n" if $s->{command};
	print "timeout $s->{timeout}\n" if $s->{timeout};
	print "host_name $s->{host_name}\n" if defined $s->{host_name};
	my $env = $s->{env} || {};
	print "env.$_ $env->{$_}\n" for sort keys %$env;
}
