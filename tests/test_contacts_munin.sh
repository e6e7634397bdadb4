#!/bin/bash
# Munin contact commands: for the same service and values, drover's
# contacts module and munin-limits 2.0.73 itself must hand each contact
# command byte-identical stdin -- the built-in "nagios" (send_nsca lines),
# "old-nagios" and default (mail) texts, a custom text template and a
# command using ${var:...} -- across a run of state changes: CRITICAL,
# unchanged (only always_send contacts hear), WARNING, recovery, two
# problems at once.  munin-limits runs on a hand-made datafile and state
# file (what munin-update would leave), as root with --force-run-as-root.
. "$top_srcdir/tests/lib/common.sh"

LIMITS=/usr/share/munin/munin-limits
need "$LIMITS" munin
need /usr/share/munin/munin-datafile2storable munin
need perl perl
need pgrep procps
SEND="$top_builddir/tests/contact_send"
[ -x "$SEND" ] || fail "$SEND not built"

mkdir -p "$T/m" "$T/d" "$T/db"
# one config; each side's commands write to its own directory
for side in m d; do
	cat >"$T/$side.conf" <<CONF
dbdir $T/db
logdir $T
rundir $T
contact.nagios.command cat >> $T/$side/nagios
contact.old-nagios.command cat >> $T/$side/old
contact.mail.command | cat >> $T/$side/mail
contact.custom.command cat >> $T/$side/custom.\${var:host}
contact.custom.text \${var:group}/\${var:host}/\${var:plugin} \${var:worst}\\t\${loop<;>:wfields \${var:label}=\${var:value} [\${var:wrange}]}\${if:!cfields  no criticals} per \${graph_period}\${var:graph_period}
contact.custom.always_send critical
[lab;kvm1]
    address 127.0.0.1
CONF
done
cat >"$T/datafile" <<'DATA'
version 2.0.73
lab;kvm1:ipmi_volts.graph_title Voltages
lab;kvm1:ipmi_volts.graph_order v12 v5 v33
lab;kvm1:ipmi_volts.graph_period minute
lab;kvm1:ipmi_volts.v12.label 12V rail
lab;kvm1:ipmi_volts.v12.warning 11.5:
lab;kvm1:ipmi_volts.v12.critical 11:
lab;kvm1:ipmi_volts.v5.label 5V rail
lab;kvm1:ipmi_volts.v5.warning 4.75:5.25
lab;kvm1:ipmi_volts.v5.extinfo BMC says: PSU 2 degraded
lab;kvm1:ipmi_volts.v33.label 3.3V rail
DATA
/usr/share/munin/munin-datafile2storable "$T/datafile" >"$T/db/datafile.storable" ||
	fail "munin-datafile2storable"

limits_done() {
	! pgrep -f "cat >> $T/m/" >/dev/null
}

# step [-u] FIELD=VALUE[:r]...: one munin-limits run and one drover
# notification with the same values, then every output must match
step() {
	local vals=() a
	for a in "$@"; do
		[ "$a" = -u ] && continue
		vals+=("${a%:r}")
	done
	perl "$top_srcdir/tests/lib/munin_state.pl" "$T/m.conf" lab kvm1 ipmi_volts "${vals[@]}" ||
		fail "munin_state.pl"
	"$LIMITS" --config "$T/m.conf" --force-run-as-root >"$T/limits.out" 2>&1 ||
		fail "munin-limits: $(cat "$T/limits.out")"
	# munin-limits may exit before the commands it piped into finish
	# writing: wait until none of this side's commands is left
	wait_until 60 limits_done || fail "munin-limits' contact commands still running"
	"$SEND" "$T/d.conf" "$T/datafile" "$@" >"$T/send.out" 2>&1 ||
		fail "contact_send $*: $(cat "$T/send.out")"
	for f in nagios old mail custom.kvm1; do
		[ -e "$T/m/$f" ] || [ ! -e "$T/d/$f" ] || fail "$*: drover wrote $f, Munin did not"
		[ -e "$T/m/$f" ] || continue
		cmp -s "$T/m/$f" "$T/d/$f" ||
			fail "$*: $f differs: $(diff -u "$T/m/$f" "$T/d/$f" | cat -A)"
	done
	note "$* -> $(cat "$T/send.out")"
}

step v12=10.9 v5=5.01 v33=3.3
step -u v12=10.9 v5=5.01 v33=3.3
step v12=11.3 v5=5.01 v33=3.3
step v12=12:r v5=5.01 v33=3.3
step v12=10.9 v5=6 v33=3.3
step v12=12:r v5=6 v33=3.3
step v12=12 v5=5:r v33=3.3

[ "$(wc -l <"$T/m/nagios")" = 7 ] || fail "nagios lines: $(cat "$T/m/nagios")"
grep -q $'^kvm1\tVoltages\t2\tCRITICALs: 12V rail is 10.90 (outside range \\[11:\\]).WARNINGs: 5V rail is 6.00 (outside range \\[4.75:5.25\\]): BMC says: PSU 2 degraded.$' "$T/d/nagios" ||
	fail "no send_nsca line for two problems: $(cat -A "$T/d/nagios")"
grep -q "found \"|\" at the beginning" "$T/send.out" ||
	fail "old '|' syntax not reported"
echo PASS
