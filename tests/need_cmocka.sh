#!/bin/bash
# Stands in for the whole suite when configure found no cmocka.
echo "FAIL: cmocka not found: install the Debian package libcmocka-dev (the README's test command does), then run ./configure again"
exit 1
