#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Density on arm64 with 64K pages, stock 6.12 against this series: the
# same data written to zram on both kernels (the density part of make
# bench's guest job: lzo-rle and zstd, at fill and after every other MiB
# is discarded and zram compacted), compr_data_size / mem_used_total
# compared.
#
#   density-arm64.sh test
#       make test's density-arm64 leg: stock and ours built with
#       configs/debug-arm64.config (the kernel of the other arm64 legs;
#       debug options do not change what zram and zsmalloc store), the
#       first 32 MiB of the corpus text make bench uses (source text of
#       the pristine tree, files in C sort order: it depends only on the
#       tarball), one boot each under qemu-system-aarch64 -icount on 1
#       CPU. Prints the table; one passed row per setting where ours
#       stores the data in no more memory than stock (issue 16: no
#       density loss at any page size), a failed one otherwise.
#   density-arm64.sh table STOCK_LOG OURS_LOG
#       the table alone, from two guest logs (make bench's step 5).
#
# Appends "density-arm64 passed failed 0" to $WB_COUNTS if set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# table STOCK_LOG OURS_LOG: from the mm_stat line of each density snapshot
# (bytes): compr_data_size, mem_used_total, compr/mem_used per kernel and
# ours/stock; then "VERDICT <setting> ok|worse" lines for the caller.
table() {
	awk '{ sub(/\r$/, "") }
	     /^BENCH-INFO variant=/ { sub(/.*variant=/, ""); v = $1 }
	     /^BENCH-BEGIN density/ { tag = $3 " " $5; sub(/comp=/, "", tag); sub(/phase=/, "", tag); t[tag] = 1 }
	     /^mm_stat / && tag { c[tag, v] = $3; m[tag, v] = $4; tag = "" }
	     END {
		f = "%-13s %-6s %16s %15s %15s %10s\n"
		printf f, "setting", "kernel", "compr_data_size", "mem_used_total", "compr/mem_used", "ours/stock"
		n = split("lzo-rle fill,lzo-rle half,zstd fill,zstd half", order, ",")
		for (i = 1; i <= n; i++) {
			k = order[i]
			if (!(k in t)) { verdict[++nv] = k " missing"; continue }
			for (j = 1; j <= 2; j++) {
				w = j == 1 ? "stock" : "ours"
				if (!((k, w) in m) || !m[k, w]) { printf "%-13s %-6s (no figures)\n", k, w; continue }
				r = ""
				if (w == "ours" && ((k, "stock") in m) && m[k, "stock"] && c[k, "stock"]) {
					g = (c[k, w] / m[k, w]) / (c[k, "stock"] / m[k, "stock"])
					r = sprintf("%.4f", g)
					verdict[++nv] = k (g >= 1 ? " ok" : " worse")
				}
				printf f, k, w, c[k, w], m[k, w], sprintf("%.4f", c[k, w] / m[k, w]), r
			}
		}
		for (i = 1; i <= nv; i++)
			print "VERDICT " verdict[i]
	     }' "$1" "$2"
}

# verdicts TABLE: the settings where ours is worse, or has no figures
verdicts() {
	grep '^VERDICT ' "$1" | grep -v ' ok$' | sed 's/^VERDICT /  ours worse than stock, or no figures: /' || true
}

if [[ ${1:-} == table ]]; then
	table "${2:?usage: density-arm64.sh table STOCK_LOG OURS_LOG}" "${3:?}" >"$WB_CACHE/tmp/density-table.$$"
	grep -v '^VERDICT ' "$WB_CACHE/tmp/density-table.$$"
	verdicts "$WB_CACHE/tmp/density-table.$$"
	rm -f "$WB_CACHE/tmp/density-table.$$"
	exit 0
fi
[[ ${1:-} == test ]] || die "usage: density-arm64.sh test | table STOCK_LOG OURS_LOG"

dir=$WB_CACHE/density-arm64
mkdir -p "$dir"
"$WB_DIR/deps.sh" gcc-aarch64-linux-gnu qemu-system-arm "${WB_ARM64_PACKAGES[@]}"
for v in stock ours; do
	"$WB_DIR/assemble.sh" "$v" >/dev/null
	WB_EXTRA_FRAGMENTS='' "$WB_DIR/config.sh" "$v" debug-arm64
	"$WB_DIR/build.sh" "$v" debug-arm64 >/dev/null
done

corpus=$dir/corpus.bin
if [[ ! -s $corpus ]]; then
	wb_corpus_text "$((32 << 20))" >"$corpus.tmp"
	mv "$corpus.tmp" "$corpus"
fi
splats=0
for v in stock ours; do
	wb_bench_initramfs "$v" debug-arm64 "$corpus" "$dir/initramfs-$v.cpio"
	WB_VM_SMP=1 WB_VM_QEMU_ARGS="-icount shift=0,sleep=off" WB_VM_MEM=1536M \
		WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-900} \
		"$WB_DIR/vm.sh" "$(wb_build "$v" debug-arm64)/$(wb_image debug-arm64)" \
		"$dir/initramfs-$v.cpio" bench "density-arm64-$v" "wb.variant=$v" kunit.enable=0 \
		wb.parts=density wb.orders=- wb.clock=icount ||
		log "the density-arm64-$v VM did not finish: see $WB_LOGS/density-arm64-$v-console.log"
	if ! "$WB_DIR/scan-splats.sh" "$WB_LOGS/density-arm64-$v-console.log" >/dev/null; then
		log "kernel splat in the density-arm64-$v boot: see $WB_LOGS/density-arm64-$v-console.log"
		splats=$((splats + 1))
	fi
done

echo "$(($(stat -c %s "$corpus") >> 20)) MiB of source text, 64K pages, -icount on 1 CPU:"
table "$WB_LOGS/density-arm64-stock-results.log" "$WB_LOGS/density-arm64-ours-results.log" >"$dir/table.txt"
grep -v '^VERDICT ' "$dir/table.txt"
pass=$(grep -c '^VERDICT .* ok$' "$dir/table.txt" || true)
fail=$(grep '^VERDICT ' "$dir/table.txt" | grep -vc ' ok$' || true)
verdicts "$dir/table.txt"
fail=$((fail + splats))
echo "density-arm64: $pass passed, $fail failed, 0 skipped"
[[ -z ${WB_COUNTS:-} ]] || echo "density-arm64 $pass $fail 0" >>"$WB_COUNTS"
[[ $fail -eq 0 ]]
