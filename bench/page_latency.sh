#!/bin/bash
# One command: how long from a BMC's 12 V reading crossing a threshold to
# the page arriving at a webhook receiver (the goal: at most one IPMI
# interval + 5 s).  Runs the 2 AM scenario of the test suite (ipmi_sim,
# ipmi_interval 2 s, notify_group_window 1 s) N times (default 3).
# Needs a built tree, root and the test command's packages.
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-3}
for i in $(seq "$n"); do
	top_srcdir=$top top_builddir=$top DROVER=$top/drover \
		bash "$top/tests/test_2am.sh" 2>&1 | grep -o 'WARNING page [0-9.]* s after.*'
done
echo "# goal: <= ipmi_interval (2 s) + 5 s = 7 s"
