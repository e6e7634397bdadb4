#!/bin/sh
# One command: drover vs munin-update on a simulated 20-host cluster.
# Needs a built tree (make), root, and the packages of the README's test
# command (munin for munin-update).
exec /usr/bin/python3 "$(dirname "$0")/cluster.py" "$@"
