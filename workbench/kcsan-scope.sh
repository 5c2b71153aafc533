#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Split the KCSAN reports of a console log into ours and the rest.
#
#   kcsan-scope.sh CONSOLE_LOG OUT_LOG OBJECT...
#
# A report ("BUG: KCSAN: ..." between two lines of '=') is ours when any
# function in its stack traces is defined in one of the OBJECTs (e.g.
# mm/zsmalloc.o, lib/test_zsmalloc.o, drivers/block/zram/zram_drv.o of the
# build that booted).  OUT_LOG is the console log without the other
# reports, for workbench/scan-splats.sh; those are listed on stdout as
# races elsewhere in the kernel (upstream 6.12, e.g. the benign
# tlb_ubc flag race in mm/rmap.c), not counted.  Prints one summary line:
#   KCSAN reports: N in this series, M elsewhere
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ $# -ge 3 ]] || die "usage: kcsan-scope.sh CONSOLE_LOG OUT_LOG OBJECT..."
log=$1 out=$2
shift 2
syms=$(mktemp)
trap 'rm -f "$syms"' EXIT
for o in "$@"; do
	[[ -f $o ]] || die "object $o not found"
	nm --defined-only "$o" | awk '$2 ~ /^[tTwW]$/ { print $3 }'
done | sort -u >"$syms"
[[ -s $syms ]] || die "no function symbols in $*"

awk -v symfile="$syms" '
BEGIN { while ((getline s < symfile) > 0) ours[s] = 1 }
function flush(   i) {
	if (!n)
		return
	if (mine) {
		nours++
		for (i = 1; i <= n; i++)
			print buf[i] > out
	} else {
		nother++
		print "  elsewhere (not counted): " title
	}
	n = 0
}
{
	line = $0
	body = line
	sub(/^\[[ 0-9.]*\] /, "", body)
}
body ~ /^={20,}$/ {
	if (inrep) {
		buf[++n] = line
		inrep = 0
		flush()
		next
	}
	pending = line
	next
}
body ~ /^BUG: KCSAN: / {
	inrep = 1; mine = 0; n = 0; title = body
	if (pending != "")
		buf[++n] = pending
	pending = ""
	buf[++n] = line
	next
}
{
	if (pending != "") {
		print pending > out
		pending = ""
	}
	if (!inrep) {
		print line > out
		next
	}
	buf[++n] = line
	fn = body
	sub(/^ +/, "", fn)
	sub(/\+0x.*/, "", fn)
	if (fn in ours)
		mine = 1
}
END {
	if (inrep)
		flush()
	if (pending != "")
		print pending > out
	printf "KCSAN reports: %d in this series, %d elsewhere\n", nours, nother
}' out="$out" "$log"
