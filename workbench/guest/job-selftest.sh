#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Selftests in a booted VM. Each suite's output is framed by
#   WB-SUITE-BEGIN <name>   ...   WB-SUITE-END <name> rc=<exit code>
# for workbench/parse-results.sh on the host.
# Kernel command line: wb.suites=zsmalloc,zram,test_zswap (which to run),
# wb.ksft_test=zsmalloc:<test> (one kselftest), wb.ksft_timeout=<seconds>.
. /wb/lib.sh
suites=$(arg wb.suites | tr , ' ')
[ -n "$suites" ] || suites="zsmalloc zram test_zswap"

# Our kselftests (tools/testing/selftests/zsmalloc), installed by the
# kselftest framework, or a plain directory with run_tests.sh.
run_zsmalloc() {
	if [ -x /wb/kselftest/run_kselftest.sh ] && grep -q '^zsmalloc:' /wb/kselftest/kselftest-list.txt 2>/dev/null; then
		sel="-c zsmalloc"
		[ -z "$(arg wb.ksft_test)" ] || sel="-t $(arg wb.ksft_test)"
		cd /wb/kselftest && ./run_kselftest.sh -o "$(arg wb.ksft_timeout)" $sel
	elif [ -x /wb/zsmalloc/run_tests.sh ]; then
		cd /wb/zsmalloc && ./run_tests.sh
	else
		echo "1..0 # SKIP tools/testing/selftests/zsmalloc has neither a kselftest Makefile nor run_tests.sh"
	fi
}

# The kernel's own zram selftests, unmodified (zram.sh needs bash).
run_zram() {
	cd /wb/zram && bash ./zram.sh
}

# cgroup test_zswap: zswap (zpool "zsmalloc") in front of a zram swap
# device, cgroup v2 with the memory controller.
run_test_zswap() {
	if ! { echo 1G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
	       swapon /dev/zram0 && echo Y >/sys/module/zswap/parameters/enabled; }; then
		echo "not ok 1 setting up swap on zram0 and enabling zswap failed"
		return 1
	fi
	echo "# zswap: enabled=$(cat /sys/module/zswap/parameters/enabled)" \
	     "zpool=$(cat /sys/module/zswap/parameters/zpool)" \
	     "compressor=$(cat /sys/module/zswap/parameters/compressor)"
	rc=0
	test_zswap || rc=$?
	echo N >/sys/module/zswap/parameters/enabled
	swapoff /dev/zram0
	echo 1 >/sys/block/zram0/reset
	return $rc
}

for s in $suites; do
	case $s in
	zsmalloc | zram | test_zswap) ;;
	*) echo "unknown selftest suite '$s'"; continue ;;
	esac
	suite_begin $s
	rc=0
	(run_$s) || rc=$?
	suite_end $s $rc
done
