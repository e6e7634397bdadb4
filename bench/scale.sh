#!/bin/sh
# bench/scale.sh GUESTS [INTERVAL [CYCLES]]: drover on a generated cluster
# of GUESTS guests (bench/fake_cluster), CPU per cycle against the librrd
# floor for the same files.  Needs a built tree (make) and root (fd limit).
exec /usr/bin/python3 "$(dirname "$0")/scale.py" "$@"
