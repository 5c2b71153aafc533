#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 6: boot a kernel + initramfs in QEMU (TCG, no KVM) and run one job.
#
#   vm.sh BZIMAGE|IMAGE INITRAMFS JOB NAME [kernel args...]
#
# JOB is passed as wb.job=JOB (kunit|selftest|run|bench). Two serial ports:
#   ttyS0 -> $WB_LOGS/NAME-console.log  kernel log (splat-scanned)
#   ttyS1 -> $WB_LOGS/NAME-results.log  what the guest jobs print
# (arm64: ttyAMA0 and a virtio console, hvc0, below).
# Environment: WB_VM_MEM (1G), WB_VM_SMP (2), WB_VM_TIMEOUT (seconds, 900),
# WB_VM_SHOW=1 streams the results log to stderr while the VM runs.
# WB_VM_QEMU_ARGS: more QEMU options (make bench: -icount shift=0,sleep=off).
# INITRAMFS "none" boots the kernel alone for built-in KUnit suites: they
# run before user space, then kunit_shutdown=reboot ends the VM (used
# where the guest's 64-bit busybox cannot run, the i386 kernel).
# An arm64 Image (its header's magic "ARM\x64") boots in
# qemu-system-aarch64 -M virt with -cpu $WB_VM_CPU (default max),
# console ttyAMA0; that machine has one UART, so the results log comes
# from a virtio console on virtio-mmio instead (the guest's /dev/hvc0;
# workbench/guest/init writes to whichever of ttyS1 and hvc0 exists).
# Exit: 0 when the guest finished its job (WB-JOB-END seen, or the
# kernel-only boot rebooted after KUnit), 124 on timeout, 1 if the guest
# died first (panic, oops, crash).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ $# -ge 4 ]] || die "usage: vm.sh BZIMAGE|IMAGE INITRAMFS JOB NAME [kernel args...]"
kernel=$1 initrd=$2 job=$3 name=$4
shift 4
[[ -f $kernel ]] || die "kernel $kernel not found: build it first (workbench/build.sh)"
[[ $initrd == none || -f $initrd ]] || die "initramfs $initrd not found (workbench/initramfs.sh)"
if [[ $(head -c 60 "$kernel" | tail -c 4 | tr -d '\0') == ARMd ]]; then
	qemu=qemu-system-aarch64 pkg=qemu-system-arm tty=ttyAMA0
	machine=(-machine virt -cpu "${WB_VM_CPU:-max}")
else
	qemu=qemu-system-x86_64 pkg=qemu-system-x86 tty=ttyS0
	machine=(-machine pc)
fi
command -v "$qemu" >/dev/null || die "$qemu missing: apt-get install -y $pkg"

mkdir -p "$WB_LOGS"
console=$WB_LOGS/$name-console.log
results=$WB_LOGS/$name-results.log
: >"$console"
: >"$results"
timeout_s=${WB_VM_TIMEOUT:-900}

bios=()
serial=(-serial "file:$console")
if [[ $tty == ttyS0 ]]; then
	# qboot starts a Linux kernel in a fraction of SeaBIOS's time under TCG.
	for f in /usr/share/qemu/qboot.rom /usr/share/seabios/qboot.rom; do
		[[ -f $f ]] && { bios=(-bios "$f"); break; }
	done
	serial+=(-serial "file:$results")
else
	# shellcheck disable=SC2054 # QEMU's option syntax, one word
	serial+=(-chardev "file,id=wbresults,path=$results"
		 -device virtio-serial-device -device virtconsole,chardev=wbresults)
fi

cmdline="console=$tty panic=-1 mitigations=off"
initrd_args=(-initrd "$initrd")
if [[ $initrd == none ]]; then
	initrd_args=()
	cmdline+=" kunit_shutdown=reboot"
else
	cmdline+=" rdinit=/init"
fi
# TCG is slow; do not let RCU call a busy emulated CPU stalled too early.
cmdline+=" rcupdate.rcu_cpu_stall_timeout=120"
cmdline+=" wb.job=$job $*"

log "booting $job VM (TCG, ${WB_VM_SMP:-2} CPUs, ${WB_VM_MEM:-1G}, timeout ${timeout_s}s)"
log "  console log: $console"
log "  results log: $results"
start=$(date +%s)
set +e
timeout -k 10 "$timeout_s" "$qemu" \
	"${machine[@]}" -accel tcg -smp "${WB_VM_SMP:-2}" -m "${WB_VM_MEM:-1G}" \
	"${bios[@]}" -nographic -nodefaults -no-reboot \
	"${serial[@]}" \
	-kernel "$kernel" "${initrd_args[@]}" -append "$cmdline" ${WB_VM_QEMU_ARGS:-} \
	</dev/null >"$WB_LOGS/$name-qemu.log" 2>&1 &
qpid=$!
if [[ ${WB_VM_SHOW:-0} == 1 ]]; then
	tail -n +1 -f --pid=$qpid "$results" >&2 &
fi
wait $qpid
rc=$?
set -e
sleep 0.2
secs=$(($(date +%s) - start))
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
	echo "VM TIMEOUT: the $job VM did not finish within ${timeout_s}s (hung boot or test?): see $console and $results" >&2
	exit 124
fi
if [[ $rc -ne 0 ]]; then
	cat "$WB_LOGS/$name-qemu.log" >&2
	die "$qemu failed (rc=$rc): see $WB_LOGS/$name-qemu.log"
fi
if [[ $initrd == none ]]; then
	finished=$(grep -c 'reboot: Restarting system' "$console" || true)
else
	finished=$(grep -c "^WB-JOB-END $job" "$results" || true)
fi
if [[ $finished == 0 ]]; then
	echo "VM DIED: the $job guest ended without finishing its job after ${secs}s (panic? oops?): last console lines:" >&2
	tail -15 "$console" >&2
	exit 1
fi
log "$job VM finished in ${secs}s"
