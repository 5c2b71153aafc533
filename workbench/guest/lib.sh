# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest job scripts (busybox sh). Sourced.
export PATH=/wb/bin:/bin:/sbin:/usr/bin:/usr/sbin

# arg NAME: value of NAME=... on the kernel command line (last one wins).
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
# kmsg TEXT: mark a phase in the kernel log (console log on the host).
kmsg() { echo "wb: $*" >/dev/kmsg; }
suite_begin() { echo "WB-SUITE-BEGIN $1"; kmsg "suite $1 begin"; }
suite_end() { echo "WB-SUITE-END $1 rc=$2"; kmsg "suite $1 end rc=$2"; }
