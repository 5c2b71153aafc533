#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: the whole suite. Ends with one line "N passed, N failed, N skipped".
#
#   1. the workbench's own checks (always)
#   2. if mm/zsmalloc.c is in the repo: debug kernel (KASAN, lockdep,
#      DEBUG_VM, kmemleak), then
#      - boot 1: KUnit (built in, runs at boot), parsed with kunit.py
#      - boot kunit32: the same KUnit suite on an i386 PAE kernel
#        (configs/debug32.config: lockdep, DEBUG_VM, no KASAN on x86_32;
#        no user space, so no kmemleak scan there)
#      - boot kunit-arm64: the same again on arm64 with 64K pages
#        (configs/debug-arm64.config: lockdep, DEBUG_VM; no user space),
#        in qemu-system-aarch64 -M virt
#      - boot selftest-arm64: our kselftests on that arm64 64K-page
#        kernel, from an arm64 busybox initramfs (a subset of the cases:
#        see below)
#      - boots density-arm64-stock/-ours: stock 6.12 built for arm64 too,
#        the same data written to zram on both; ours may not take more
#        memory for it (workbench/density-arm64.sh)
#      - boot kcsan: the KUnit stress and the selftest stress on a KCSAN
#        kernel (configs/kcsan.config); a data race reported in a function
#        of ours (zsmalloc, its KUnit suite, zram) fails the boot, races
#        elsewhere in the kernel are listed (workbench/kcsan-scope.sh)
#      - boot 2 (selftest): kselftests (tools/testing/selftests/zsmalloc)
#        and the kernel's zram selftests
#      - boot 3 (zswap): cgroup test_zswap
#      every console log splat-scanned (a splat is a failed test);
#      and before the boots, cross builds of our objects where the obj
#      word is narrow: 32-bit ARM LPAE, 64-bit UML (workbench/cross.sh).
#
# Make variables / environment:
#   VARIANT       ours (default) or stock: the same suites on pristine 6.12
#                 zsmalloc (no KUnit suite there), to tell our failures from
#                 upstream ones
#   KUNIT_FILTER  kunit.filter_glob, e.g. 'zsmalloc.*' or 'zsmalloc.zs_free*'
#   SUITES        what to run: "cross kunit kunit32 kunit-arm64 selftest-arm64
#                 density-arm64 kcsan selftest zswap" (default; when set,
#                 the workbench checks are skipped)
#   SELFTESTS     suites of the selftest boot: "zsmalloc zram" (default)
#   KSFT_TEST     one kselftest program, e.g. zsmalloc:zsmalloc_test (run_kselftest.sh -t)
#   ZSMALLOC_TESTS  comma-separated zsmalloc_test cases (the program reads it;
#                 also replaces selftest-arm64's subset)
#   KSFT_TIMEOUT  per-program timeout, overriding the suite's settings file
#   WB_VM_TIMEOUT per-boot limit in seconds (default: 900 for the KUnit
#                 and selftest-arm64 boots, 2400 for selftest, 1800 for zswap)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
wb_lock

WB_COUNTS=$(mktemp)
export WB_COUNTS
trap 'rm -f "$WB_COUNTS"' EXIT
failed_stage=

summary() {
	echo
	echo "== summary"
	summary_rows | tee "$WB_COUNTS.rows"
	# A whole run (no SUITES) leaves its summary where make patches finds
	# it for the cover letter's test matrix.
	if [[ -z ${SUITES:-} ]]; then
		mkdir -p "$WB_LOGS"
		{
			echo "make test on $(git -C "$WB_REPO" describe --always --dirty 2>/dev/null || echo '?'), $(date -u +%F)"
			cat "$WB_COUNTS.rows"
		} >"$WB_LOGS/test-summary.txt"
	fi
	rm -f "$WB_COUNTS.rows"
	! awk '{ f += $3 } END { exit f == 0 }' "$WB_COUNTS"
}
summary_rows() {
	awk '{ printf "  %-28s %3d passed, %3d failed, %3d skipped\n", $1, $2, $3, $4 }' "$WB_COUNTS"
	[[ -z $failed_stage ]] || echo "  stopped: $failed_stage"
	awk '{ p += $2; f += $3; s += $4 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$WB_COUNTS"
}
# stage NAME CMD...: a stage that must work for the suites to run.
stage() {
	local name=$1
	shift
	if ! "$@"; then
		echo "$name 0 1 0" >>"$WB_COUNTS"
		failed_stage="$name failed (see above)"
		summary
		exit 1
	fi
}

"$WB_DIR/deps.sh"
"$WB_DIR/base.sh"
# A narrowed run (SUITES=...) skips the workbench's own checks.
if [[ -z ${SUITES:-} ]]; then
	echo "== workbench checks (base tree: Linux $(kernel_version "$WB_BASE"))"
	"$WB_DIR/selfcheck.sh" || true
fi

variant=${VARIANT:-ours}
if [[ $variant == ours && ! -f $WB_REPO/mm/zsmalloc.c ]]; then
	echo
	echo "allocator suites: not present yet (mm/zsmalloc.c missing)"
	summary
	exit
fi

echo
echo "== debug kernel"
stage assemble "$WB_DIR/assemble.sh" "$variant"
stage config "$WB_DIR/config.sh" "$variant" debug
stage build "$WB_DIR/build.sh" "$variant" debug
if ! initrd=$("$WB_DIR/initramfs.sh" test "$variant" debug); then
	echo "initramfs 0 1 0" >>"$WB_COUNTS"
	failed_stage="initramfs failed (see above)"
	summary
	exit 1
fi
src=$(wb_src "$variant")
kernel=$(wb_build "$variant" debug)/arch/x86/boot/bzImage
status=0

# splat_check NAME LOG: a boot's console log must be clean.
splat_check() {
	if "$WB_DIR/scan-splats.sh" "$2"; then
		echo "splats-$1 1 0 0" >>"$WB_COUNTS"
		echo "  no splats in $2"
	else
		echo "splats-$1 0 1 0" >>"$WB_COUNTS"
	fi
}

# kmemleak_check NAME RESULTS: the boot's closing kmemleak scans must have
# run and found nothing (the console's report also fails splat_check).
kmemleak_check() {
	local line
	line=$(grep -o '^WB-KMEMLEAK scanned: [0-9]* ' "$2" || true)
	if [[ $line == "WB-KMEMLEAK scanned: 0 " ]]; then
		echo "kmemleak-$1 1 0 0" >>"$WB_COUNTS"
		echo "  kmemleak scanned at the end of the boot: no leaks"
	elif [[ -n $line ]]; then
		echo "kmemleak-$1 0 1 0" >>"$WB_COUNTS"
		echo "  kmemleak found ${line#WB-KMEMLEAK scanned: }unreferenced objects" \
		     "(the first reports, with backtraces, are in $2)"
	else
		echo "kmemleak-$1 0 1 0" >>"$WB_COUNTS"
		echo "  kmemleak did not scan at the end of the boot:" \
		     "$(grep -o '^WB-KMEMLEAK .*' "$2" || echo 'no WB-KMEMLEAK line')"
		grep -E 'kmemleak: (Memory pool empty|Cannot allocate|Kernel memory leak detector disabled)' \
			"${2%-results.log}-console.log" | sed 's/^/    /' || true
	fi
}

# arm64_kernel: the arm64 64K-page debug kernel (configs/debug-arm64.config),
# configured and built once for kunit-arm64 and selftest-arm64; sets
# $arm64_image.
arm64_image=
arm64_kernel() {
	[[ -z $arm64_image ]] || return 0
	# The cross compiler, QEMU and the guest's busybox, on first use.
	stage deps-arm64 "$WB_DIR/deps.sh" gcc-aarch64-linux-gnu qemu-system-arm "${WB_ARM64_PACKAGES[@]}"
	stage config-arm64 "$WB_DIR/config.sh" "$variant" debug-arm64
	stage build-arm64 "$WB_DIR/build.sh" "$variant" debug-arm64
	arm64_image=$(wb_build "$variant" debug-arm64)/$(wb_image debug-arm64)
}

for s in ${SUITES:-cross kunit kunit32 kunit-arm64 selftest-arm64 density-arm64 kcsan selftest zswap}; do
	case $s in
	kunit | kunit32 | kunit-arm64)
		# kunit: the 64-bit debug kernel with the guest's initramfs
		# (kmemleak scan at the end); kunit32, kunit-arm64: the i386
		# or the arm64 64K-page kernel alone (built-in suite, then
		# reboot; no user space, no kmemleak).
		if [[ $s != kunit ]]; then
			# Our KUnit suite does not exist on stock.
			[[ $variant == ours ]] || continue
			i=none
			if [[ $s == kunit32 ]]; then
				echo
				echo "== KUnit (32-bit debug kernel, boot '$s')"
				stage config32 "$WB_DIR/config.sh" "$variant" debug32
				stage build32 "$WB_DIR/build.sh" "$variant" debug32
				k=$(wb_build "$variant" debug32)/$(wb_image debug32)
			else
				echo
				echo "== KUnit (arm64 64K-page debug kernel, boot '$s')"
				arm64_kernel
				k=$arm64_image
			fi
		else
			echo
			echo "== KUnit (debug kernel, boot 1)"
			k=$kernel i=$initrd
		fi
		args=()
		[[ -z ${KUNIT_FILTER:-} ]] || args+=("kunit.filter_glob=$KUNIT_FILTER")
		if WB_VM_MEM=${WB_VM_MEM:-1G} WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-900} \
			"$WB_DIR/vm.sh" "$k" "$i" kunit "$s" "${args[@]}"; then
			:
		else
			echo "$s-boot 0 1 0" >>"$WB_COUNTS"
		fi
		"$WB_DIR/parse-results.sh" kunit "$WB_LOGS/$s-console.log" "$src" "$s" || true
		splat_check "$s-boot" "$WB_LOGS/$s-console.log"
		[[ $i == none ]] || kmemleak_check "$s-boot" "$WB_LOGS/$s-results.log"
		;;
	density-arm64)
		# Stock 6.12 and ours on arm64 with 64K pages, the same data in
		# zram on both: ours may not take more memory for it in any
		# setting (density-arm64.sh; stock's arm64 kernel is built
		# here, about 5 minutes cold).
		[[ $variant == ours ]] || continue
		echo
		echo "== density on arm64, 64K pages: stock 6.12 and ours (boots 'density-arm64-stock', 'density-arm64-ours')"
		"$WB_DIR/density-arm64.sh" test || true
		;;
	selftest | zswap)
		# Boot 2: our kselftests and the zram selftests. Boot 3: test_zswap,
		# on its own because it fills the VM's memory and is by far the
		# slowest under TCG + KASAN.
		if [[ $s == selftest ]]; then
			sel=${SELFTESTS:-zsmalloc zram}
			t=${WB_VM_TIMEOUT:-2400}
		else
			sel=test_zswap
			t=${WB_VM_TIMEOUT:-1800}
		fi
		echo
		echo "== $sel (debug kernel, boot '$s')"
		args=(kunit.enable=0 "wb.suites=$(tr ' ' , <<<"$sel")" "wb.zswap_timeout=$((t - 300))")
		[[ -z ${KSFT_TIMEOUT:-} ]] || args+=("wb.ksft_timeout=$KSFT_TIMEOUT")
		[[ -z ${KSFT_TEST:-} ]] || args+=("wb.ksft_test=$KSFT_TEST")
		[[ -z ${ZSMALLOC_TESTS:-} ]] || args+=("wb.zsmalloc_tests=$ZSMALLOC_TESTS")
		if WB_VM_MEM=${WB_VM_MEM:-1G} WB_VM_TIMEOUT=$t \
			"$WB_DIR/vm.sh" "$kernel" "$initrd" selftest "$s" "${args[@]}"; then
			:
		else
			echo "$s-boot 0 1 0" >>"$WB_COUNTS"
		fi
		"$WB_DIR/parse-results.sh" selftest "$WB_LOGS/$s-results.log" || true
		sed -n 's/^WB-NOTE /  note: /p' "$WB_LOGS/$s-results.log"
		splat_check "$s-boot" "$WB_LOGS/$s-console.log"
		kmemleak_check "$s-boot" "$WB_LOGS/$s-results.log"
		;;
	selftest-arm64)
		# Our kselftests on the arm64 64K-page kernel (lockdep, DEBUG_VM,
		# DEBUG_PREEMPT; no KASAN, no kmemleak), from an arm64 busybox
		# initramfs; about 30 s of TCG. The cases whose subject 64K pages
		# change:
		#   zram_swap_pressure          the round trip through zram swap
		#                               with 64K pages (objects up to 64K)
		#   zram_compact                fragmentation and compaction with
		#                               64K zspage pages
		#   zswap_cgroup                zswap storing 64K pages
		#   debugfs_classes_consistent  the class table (256-byte steps)
		#                               adds up to zram's mem_used_total
		#   zspage_order_param          pools of order 0..4: zspages of
		#                               64K .. 1 MiB
		#   zram_zspage_order_attr      per-device order and the huge
		#                               threshold of each device's pool
		#   fault_injection             failed allocations of 64K pages
		#                               and of handles
		#   stress_all_at_once          swap under pressure while
		#                               compaction migrates zspage pages
		#                               (counted; required on 4K pages
		#                               only: see test_stress.c)
		#   deferred_free_settles       deferred frees of 64K pages'
		#                               objects settle (slot caches of
		#                               64K slots pin up to 45 % of the
		#                               pool: the bound is structural)
		#   ext4_on_zram                ext4 (4K blocks) on a zram device
		#                               of 64K pages, mke2fs from Debian's
		#                               e2fsprogs:arm64
		# The kernel groups pages by mobility only with 2.5 GiB or more
		# (its pageblocks are 512 MiB); with less no pageblock is movable
		# and compaction migrates nothing (the stress's pages_migrated
		# stays 0). So the VM has 4 GiB and the guest holds 3 GiB in a
		# ramfs (wb.hold_mib), which leaves the tests the 1 GiB VM they
		# are sized for; and a 512 MiB pageblock would boost the
		# watermarks by 512 MiB at the first fallback (OOM in that 1 GiB):
		# watermark_boost_factor=0.
		# Not here: the zram selftests (bash, which the arm64 image
		# lacks).
		echo
		echo "== zsmalloc kselftests (arm64 64K-page debug kernel, boot '$s')"
		arm64_kernel
		if ! i=$("$WB_DIR/initramfs.sh" test "$variant" debug-arm64); then
			echo "initramfs-arm64 0 1 0" >>"$WB_COUNTS"
			continue
		fi
		cases=${ZSMALLOC_TESTS:-zram_swap_pressure,zram_compact,zswap_cgroup,debugfs_classes_consistent,zspage_order_param,zram_zspage_order_attr,fault_injection,stress_all_at_once,deferred_free_settles,ext4_on_zram,packed_pool_consistent}
		args=(kunit.enable=0 wb.suites=zsmalloc "wb.zsmalloc_tests=$cases"
		      wb.hold_mib=3072 sysctl.vm.watermark_boost_factor=0)
		[[ -z ${KSFT_TIMEOUT:-} ]] || args+=("wb.ksft_timeout=$KSFT_TIMEOUT")
		if WB_VM_MEM=4G WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-900} \
			"$WB_DIR/vm.sh" "$arm64_image" "$i" selftest "$s" "${args[@]}"; then
			:
		else
			echo "$s-boot 0 1 0" >>"$WB_COUNTS"
		fi
		"$WB_DIR/parse-results.sh" selftest "$WB_LOGS/$s-results.log" "" arm64 || true
		sed -n 's/^WB-NOTE /  note: /p' "$WB_LOGS/$s-results.log"
		splat_check "$s-boot" "$WB_LOGS/$s-console.log"
		# This kernel has no kmemleak (its cost under TCG); a config
		# that gains it gets the scan's row.
		! grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$(wb_build "$variant" debug-arm64)/.config" ||
			kmemleak_check "$s-boot" "$WB_LOGS/$s-results.log"
		;;
	kcsan)
		# The KUnit stress (at boot) and the selftest stress (then) on
		# the KCSAN kernel, with the debug kernel's user space.
		[[ $variant == ours ]] || continue
		echo
		echo "== KUnit and selftest stress (KCSAN kernel, boot 'kcsan')"
		stage config-kcsan "$WB_DIR/config.sh" "$variant" kcsan
		stage build-kcsan "$WB_DIR/build.sh" "$variant" kcsan
		kb=$(wb_build "$variant" kcsan)
		k=$kb/arch/x86/boot/bzImage
		args=(kunit.filter_glob=zsmalloc.stress_*
		      wb.suites=zsmalloc wb.zsmalloc_tests=stress_all_at_once)
		if WB_VM_MEM=${WB_VM_MEM:-1G} WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-1200} \
			"$WB_DIR/vm.sh" "$k" "$initrd" selftest kcsan "${args[@]}"; then
			:
		else
			echo "kcsan-boot 0 1 0" >>"$WB_COUNTS"
		fi
		"$WB_DIR/parse-results.sh" kunit "$WB_LOGS/kcsan-console.log" "$src" kcsan-kunit || true
		"$WB_DIR/parse-results.sh" selftest "$WB_LOGS/kcsan-results.log" kcsan || true
		# Races in the rest of the kernel are listed, not counted.
		"$WB_DIR/kcsan-scope.sh" "$WB_LOGS/kcsan-console.log" "$WB_LOGS/kcsan-scoped.log" \
			"$kb/mm/zsmalloc.o" "$kb/lib/test_zsmalloc.o" "$kb/drivers/block/zram/zram_drv.o" ||
			echo "kcsan-scope 0 1 0" >>"$WB_COUNTS"
		splat_check kcsan-boot "$WB_LOGS/kcsan-scoped.log"
		;;
	cross)
		# Builds where the obj word is narrow (workbench/cross.sh):
		# one row per target.
		[[ $variant == ours ]] || continue
		echo
		echo "== cross builds (32-bit ARM LPAE, 64-bit UML)"
		for t in arm-lpae um; do
			if "$WB_DIR/cross.sh" "$t"; then
				echo "cross-$t 1 0 0" >>"$WB_COUNTS"
			else
				echo "cross-$t 0 1 0" >>"$WB_COUNTS"
			fi
		done
		;;
	*)
		die "unknown suite '$s' in SUITES (cross, kunit, kunit32, kunit-arm64, selftest-arm64, kcsan, selftest, zswap)"
		;;
	esac
done
summary
