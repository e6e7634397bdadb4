# munin_state.pl CONF GROUP HOST PLUGIN FIELD=VALUE...: writes the state
# file munin-update leaves for munin-limits (current value of each field,
# stamped now), using Munin's own code to name the RRD keys.
use strict;
use warnings;
use Storable;
use Munin::Master::Utils;

my ($conf, $group, $host, $plugin) = splice @ARGV, 0, 4;
munin_readconfig_base($conf);
my $config = munin_readconfig_part('datafile', 0);
my $svc = munin_get_node($config, [$group, $host, $plugin])
    or die "no service $group;$host:$plugin\n";
my $state = {};
for my $kv (@ARGV) {
	my ($f, $v) = split /=/, $kv, 2;
	my $file = munin_get_rrd_filename(munin_get_node($svc, [$f]))
	    or die "no field $f\n";
	$state->{value}{"$file:42"}{current} = [time, $v];
}
Storable::nstore($state, "$config->{dbdir}/state-$group-$host.storable");
