#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make run`: zram swap on zsmalloc under a real memory-pressure workload.
# Parameters from the kernel command line: wb.zram_size, wb.comp, wb.mib.
# "job-run.sh peak" is what wb-pressure runs while its data is in swap.
. /wb/lib.sh
size=$(arg wb.zram_size); comp=$(arg wb.comp); mib=$(arg wb.mib)
z=/sys/block/zram0

mm_stat() {
	awk 'BEGIN { f = "  %14s %15s %14s %9s %12s %10s %15s %10s %16s\n"
		printf f, "orig_data_size", "compr_data_size", "mem_used_total", "mem_limit",
			"mem_used_max", "same_pages", "pages_compacted", "huge_pages", "huge_pages_since" }
	{ printf f, $1, $2, $3, $4, $5, $6, $7, $8, $9
	  if ($2 > 0 && $3 > 0)
		printf "  orig/compr %.3f, orig/mem_used_total %.3f, compr/mem_used_total %.3f\n", $1 / $2, $1 / $3, $2 / $3 }' $z/mm_stat
}

# Class table rows that hold objects (column obj_allocated > 0), header, Total.
classes() {
	awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "obj_allocated") c = i; print; next }
	     !c || $1 == "Total" || $c > 0' /sys/kernel/debug/zsmalloc/zram0/classes 2>/dev/null ||
		echo "  (not available: needs CONFIG_ZSMALLOC_STAT and debugfs)"
}

if [ "${1:-}" = peak ]; then
	echo "== at peak, all data written: zram0 mm_stat (bytes; pages for the last four)"
	mm_stat
	echo "== zsmalloc classes (/sys/kernel/debug/zsmalloc/zram0/classes), rows in use"
	classes
	echo "== compaction: echo 1 > $z/compact"
	echo " before:"; mm_stat
	echo 1 >$z/compact
	echo " after:"; mm_stat
	exit 0
fi

echo "== zram0: $comp, disksize $size, swap"
echo "$comp" >$z/comp_algorithm || { echo "cannot set compressor $comp"; exit 1; }
echo "$size" >$z/disksize || exit 1
mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 || exit 1
echo "   comp_algorithm: $(cat $z/comp_algorithm)"
free -m

echo "== workload: $mib MiB of real data (corpus $(($(wc -c </wb/corpus.bin) / 1048576)) MiB) through $(($(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024)) MiB of RAM"
rc=0
wb-pressure /wb/corpus.bin "$mib" "/wb/job-run.sh peak" || rc=$?

echo "== after the workload exited: zram0 mm_stat"
mm_stat
swapoff /dev/zram0 || true
exit $rc
