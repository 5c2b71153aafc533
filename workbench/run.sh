#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: build the release kernel with our zsmalloc, boot it with zram
# swap on zsmalloc, push more real data than the VM has RAM through swap,
# verify it, and show zram's mm_stat, the zsmalloc class table and what
# compaction does.
#
# Make variables / environment:
#   VARIANT  ours (default) or stock (pristine 6.12 zsmalloc, to compare)
#   MIB      workload size in MiB (default 320: VM RAM is 256M, and at
#            lzo-rle's ~2:1 on this corpus much more does not fit in RAM)
#   WB_VM_MEM, ZRAM_SIZE (1G), COMP (lzo-rle)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
wb_lock

variant=${VARIANT:-ours}
start=$(date +%s)
"$WB_DIR/deps.sh"
"$WB_DIR/base.sh"
"$WB_DIR/assemble.sh" "$variant"
"$WB_DIR/config.sh" "$variant" release
"$WB_DIR/build.sh" "$variant" release
initrd=$("$WB_DIR/initramfs.sh" run "$variant" release)
kernel=$(wb_build "$variant" release)/arch/x86/boot/bzImage

echo "== booting Linux $(kernel_version "$(wb_src "$variant")") ($variant zsmalloc, release config)"
WB_VM_SHOW=1 WB_VM_MEM=${WB_VM_MEM:-256M} WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-900} \
	"$WB_DIR/vm.sh" "$kernel" "$initrd" run run \
	"wb.zram_size=${ZRAM_SIZE:-1G}" "wb.comp=${COMP:-lzo-rle}" "wb.mib=${MIB:-320}" ||
	die "the VM did not finish: see $WB_LOGS/run-console.log"
if ! "$WB_DIR/scan-splats.sh" "$WB_LOGS/run-console.log"; then
	die "kernel splat during make run (see above and $WB_LOGS/run-console.log)"
fi
grep -q '^data check: OK' "$WB_LOGS/run-results.log" ||
	die "data check failed: see $WB_LOGS/run-results.log"
grep -q '^WB-JOB-END run rc=0' "$WB_LOGS/run-results.log" ||
	die "the run job failed: see $WB_LOGS/run-results.log"
echo "== make run: OK in $(($(date +%s) - start)) s (logs: $WB_LOGS/run-*.log)"
