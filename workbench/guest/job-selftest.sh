#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Selftests in a booted VM. Each suite's output is framed by
#   WB-SUITE-BEGIN <name>   ...   WB-SUITE-END <name> rc=<exit code>
# for workbench/parse-results.sh on the host.
# Kernel command line: wb.suites=zsmalloc,zram,test_zswap (which to run),
# wb.ksft_test=zsmalloc:<test> (one kselftest program), wb.ksft_timeout=<s>
# (overrides the suite's settings file).
. /wb/lib.sh
# Tell the zsmalloc selftests they are in the disposable test VM.
export ZSMALLOC_SELFTEST_VM=1
# wb.zsmalloc_tests=a,b: run only these zsmalloc_test cases.
[ -z "$(arg wb.zsmalloc_tests)" ] || export ZSMALLOC_TESTS="$(arg wb.zsmalloc_tests)"
# wb.hold_mib=N: N MiB held in a ramfs (unevictable, never swapped) while
# the suites run, so that tests which size themselves by MemAvailable
# see a small VM in a VM booted bigger. The arm64 64K-page kernel groups
# pages by mobility only with 2.5 GiB or more (its pageblocks are 512
# MiB): below that no pageblock is movable and compaction migrates
# nothing, so its boot has 4 GiB with 3 GiB held.
hold=$(arg wb.hold_mib)
if [ -n "$hold" ]; then
	mkdir -p /wb-hold && mount -t ramfs ramfs /wb-hold &&
		dd if=/dev/zero of=/wb-hold/hold bs=1M count="$hold" 2>/dev/null &&
		echo "# $hold MiB held in a ramfs; MemTotal $(sed -n 's/MemTotal: *//p' /proc/meminfo)," \
		     "MemAvailable $(sed -n 's/MemAvailable: *//p' /proc/meminfo)" ||
		echo "WB-NOTE holding $hold MiB in a ramfs failed"
fi
suites=$(arg wb.suites | tr , ' ')
[ -n "$suites" ] || suites="zsmalloc zram test_zswap"

# Our kselftests (tools/testing/selftests/zsmalloc), installed by the
# kselftest framework, or a plain directory with run_tests.sh.
run_zsmalloc() {
	if [ -x /wb/kselftest/run_kselftest.sh ] && grep -q '^zsmalloc:' /wb/kselftest/kselftest-list.txt 2>/dev/null; then
		sel="-c zsmalloc"
		[ -z "$(arg wb.ksft_test)" ] || sel="-t $(arg wb.ksft_test)"
		# Per-test timeout: the suite's own settings file, unless
		# wb.ksft_timeout overrides it.
		[ -z "$(arg wb.ksft_timeout)" ] || sel="$sel -o $(arg wb.ksft_timeout)"
		cd /wb/kselftest && ./run_kselftest.sh $sel
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

# zswap_counters WHEN: zswap's debugfs counters on one line, so that a
# failing test_zswap case shows why zswap refused or dropped pages.
zswap_counters() {
	d=/sys/kernel/debug/zswap
	[ -d $d ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	line=
	for f in $d/*; do
		[ -f "$f" ] && line="$line ${f##*/}=$(cat $f)"
	done
	echo "# zswap counters $1:$line"
}

# cgroup test_zswap: zswap (zpool "zsmalloc") in front of a zram swap
# device, cgroup v2 with the memory controller.
run_test_zswap() {
	# A fresh zram device of our own, whatever the suites before left.
	n=$(cat /sys/class/zram-control/hot_add) || return 1
	z=zram$n
	if ! { echo 1G >/sys/block/$z/disksize && mkswap /dev/$z >/dev/null &&
	       swapon /dev/$z && echo Y >/sys/module/zswap/parameters/enabled; }; then
		echo "not ok 1 setting up swap on $z and enabling zswap failed"
		return 1
	fi
	echo "# swap on /dev/$z (1G)"
	echo "# zswap: enabled=$(cat /sys/module/zswap/parameters/enabled)" \
	     "zpool=$(cat /sys/module/zswap/parameters/zpool)" \
	     "compressor=$(cat /sys/module/zswap/parameters/compressor)"
	# A guest-side limit, so that a hung test still leaves a readable log
	# and an orderly end of the VM (wb.zswap_timeout, seconds).
	t=$(arg wb.zswap_timeout)
	rc=0
	zswap_counters before
	timeout -s KILL "${t:-1200}" test_zswap || rc=$?
	[ $rc -ne 137 ] || echo "# test_zswap killed after ${t:-1200}s (wb.zswap_timeout): the test running then did not finish"
	zswap_counters after
	echo N >/sys/module/zswap/parameters/enabled
	swapoff /dev/$z
	echo 1 >/sys/block/$z/reset
	echo $n >/sys/class/zram-control/hot_remove
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
