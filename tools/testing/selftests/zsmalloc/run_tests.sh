#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the zsmalloc selftests and print TAP: one plan, one line per test.
# Tests can be selected by name as arguments or with ZSMALLOC_TESTS=a,b
# (./zsmalloc_test -l lists them).  Outside the test VM every test SKIPs;
# in it (ZSMALLOC_SELFTEST_VM=1) nothing may skip.
dir=$(dirname "$0")
bin=$dir/zsmalloc_test
[ -x "$bin" ] || bin=${OUTPUT:-$dir}/zsmalloc_test

if [ ! -x "$bin" ]; then
	echo "TAP version 13"
	if [ "$ZSMALLOC_SELFTEST_VM" = 1 ]; then
		echo "1..1"
		echo "not ok 1 zsmalloc_test #  not built (make -C $dir)"
		exit 1
	fi
	echo "1..0 # SKIP zsmalloc_test is not built (make -C $dir)"
	exit 4
fi
exec "$bin" "$@"
