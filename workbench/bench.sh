#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: this series against stock 6.12, same config ("bench":
# release + modules), same workloads, one table stock | ours | gain.
#
#   1. build both kernels (configs/bench.config), the zsbench module
#      (bench/zsbench/) against each build, the guest tool
#      (bench/guest/bench-tool.c) and the density corpus (below);
#   2. one boot per variant under -icount shift=0,sleep=off on 1 CPU
#      (guest time = instructions executed: deterministic): density at
#      fill and after discarding half, compaction, op costs, and the
#      free-latency workload twice (1 process: what it costs in total);
#      then one boot per other zspage order of ours for its density;
#      ours' density is measured at each order in its default pool (packed
#      on 64-bit) and in a pool of size classes ("3c": zsmalloc.packed=0,
#      same boot);
#   3. unless QUICK=1, ROUNDS rounds of (stock boot, ours boot) under plain
#      TCG with 2 CPUs, alternated, each: the op costs on all CPUs at once
#      (zsbench threads=nproc, one pool; OPPASSES passes of OPCOUNT objects
#      per CPU), then REPS repetitions of the free-latency workload per
#      process count (ours: deferral off, then on);
#   4. bench/report.py: the table on stdout, results.csv, chart.png;
#   5. density on arm64 with 64K pages (also with QUICK=1): stock and ours
#      built with configs/debug-arm64.config (the kernel of make test's
#      arm64 legs; debug options do not change what zram and zsmalloc
#      store), one boot each under qemu-system-aarch64 -icount on 1 CPU
#      with the density part of the guest job on the same corpus; a table
#      of compr_data_size, mem_used_total, compr/mem_used per kernel and
#      the ratio ours/stock, also in arm64-density.txt.
#
# The corpus ($WB_CACHE/bench/corpus.bin, 128 MiB): 112 MiB of source
# text from the pristine 6.12 tree (a fixed list of suffixes, files in C
# sort order: depends only on the tarball) + the first 16 MiB of stock's
# vmlinux (the kernel's own build product). Both sha256 are printed.
#
# Make variables: QUICK=1 (steps 1, 2, 4 and 5 only), MIB (256, free-latency size), ROUNDS (5),
# REPS (2), NPROCS (1,2: processes at once for the free latency),
# OPCOUNT (8192), OPPASSES (3) (the all-CPU op costs of each TCG boot).
# Results: $WB_CACHE/bench/<date>/ (logs, results.csv, table.txt,
# chart.png); the latest is also copied to bench/results/ in the repo.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
wb_lock

quick=${QUICK:-0}
mib=${MIB:-256} rounds=${ROUNDS:-5} reps=${REPS:-2} nprocs=${NPROCS:-1,2}
opcount=${OPCOUNT:-8192} oppasses=${OPPASSES:-3}
start=$(date +%s)
bdir=$WB_CACHE/bench
run=$bdir/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$run"
"$WB_DIR/deps.sh" gnuplot-nox
"$WB_DIR/base.sh"

# The bench kernels never build our KUnit suite (see bench-last.config).
export WB_EXTRA_FRAGMENTS=$WB_DIR/configs/bench-last.config
for v in stock ours; do
	"$WB_DIR/assemble.sh" "$v"
	"$WB_DIR/config.sh" "$v" bench
	"$WB_DIR/build.sh" "$v" bench
	out=$(wb_build "$v" bench)
	mlog=$WB_LOGS/bench-module-$v.log
	# Module.symvers for the out-of-tree module, then the module itself.
	make -C "$(wb_src "$v")" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$WB_JOBS" modules >"$mlog" 2>&1 ||
		die "make modules failed in $out: see $mlog"
	mdir=$bdir/zsbench-$v
	rm -rf "$mdir"
	cp -r "$WB_REPO/bench/zsbench" "$mdir"
	make -C "$out" M="$mdir" modules >>"$mlog" 2>&1 ||
		die "building bench/zsbench against $v failed: see $mlog"
done
# Step 5's kernels: make test's arm64 config as it is (no bench fragment:
# ours' build directory stays make test's, its KUnit suite is turned off
# on the command line).
"$WB_DIR/deps.sh" gcc-aarch64-linux-gnu qemu-system-arm "${WB_ARM64_PACKAGES[@]}"
for v in stock ours; do
	WB_EXTRA_FRAGMENTS='' "$WB_DIR/config.sh" "$v" debug-arm64
	"$WB_DIR/build.sh" "$v" debug-arm64
done

# The corpus: rebuilt when missing or when stock's vmlinux changed.
corpus=$bdir/corpus.bin
vmlinux=$(wb_build stock bench)/vmlinux
if [[ ! -s $corpus || $vmlinux -nt $corpus ]]; then
	log "building the 128 MiB corpus in $corpus"
	wb_corpus_text $((112 << 20)) >"$corpus.text"
	[[ $(stat -c %s "$corpus.text") -eq $((112 << 20)) ]] || die "the corpus text came out short: is $WB_BASE complete?"
	head -c $((16 << 20)) "$vmlinux" >"$corpus.bin-part"
	cat "$corpus.text" "$corpus.bin-part" >"$corpus.tmp"
	sha256sum "$corpus.text" | cut -d' ' -f1 >"$corpus.text.sha256"
	rm -f "$corpus.text" "$corpus.bin-part"
	mv "$corpus.tmp" "$corpus"
fi
text_sha=$(cat "$corpus.text.sha256")
corpus_sha=$(sha256sum "$corpus" | cut -d' ' -f1)
{
	echo "BENCH-META corpus_sha256=$corpus_sha corpus_text_sha256=$text_sha corpus_mib=$(($(stat -c %s "$corpus") >> 20))"
	echo "BENCH-META date=$(date -u +%Y-%m-%d) kernel=$(kernel_version "$(wb_src stock)") quick=$quick"
	echo "BENCH-META stock_chain=$(sed -n 's/^CONFIG_ZSMALLOC_CHAIN_SIZE=//p' "$(wb_build stock bench)/.config")"
	# Which allocator "ours" was: the commit, and whether our kernel files
	# had uncommitted changes when the tree was assembled.
	dirty=$(git -C "$WB_REPO" status --porcelain -- "${WB_OWNED_FILES[@]}" series 2>/dev/null | wc -l)
	echo "BENCH-META ours_commit=$(git -C "$WB_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$([[ $dirty == 0 ]] || echo -dirty)"
} >"$run/meta.log"
cat "$run/meta.log"

# The initramfs of each kernel: make test's "run" image, bench-tool, the
# corpus and (x86) zsbench.ko.
for v in stock ours; do
	wb_bench_initramfs "$v" bench "$corpus" "$bdir/initramfs-$v.cpio" "$bdir/zsbench-$v/zsbench.ko"
	wb_bench_initramfs "$v" debug-arm64 "$corpus" "$bdir/initramfs-$v-arm64.cpio"
done

# boot NAME VARIANT [kernel args]: one bench boot, results into $run.
# tsc=reliable: under TCG the clocksource watchdog finds the TSC "unstable"
# and falls back to jiffies (4 ms steps); the TSC follows QEMU's virtual
# clock (instructions under -icount), which is what we want to measure.
# BENCH_CONFIG=debug-arm64 boots the arm64 kernel and initramfs instead,
# with kunit.enable=0 in place of tsc=reliable (ours' KUnit suite is
# built in there).
boot() {
	local name=$1 v=$2 try config=${BENCH_CONFIG:-bench} tag=$2 karg=tsc=reliable
	shift 2
	[[ $(wb_arch "$config") != arm64 ]] || tag=$v-arm64 karg=kunit.enable=0
	# A boot whose clock is jiffies (the TSC failed to calibrate under a
	# loaded host) times in 4 ms steps: boot again, up to three times.
	for try in 1 2 3; do
		WB_VM_MEM=${WB_VM_MEM:-1536M} WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-1800} \
			"$WB_DIR/vm.sh" "$(wb_build "$v" "$config")/$(wb_image "$config")" \
			"$bdir/initramfs-$tag.cpio" bench "$name" "wb.variant=$v" "$karg" "$@" ||
			die "the $name VM did not finish: see $WB_LOGS/$name-console.log and $WB_LOGS/$name-results.log"
		grep -Eq '^BENCH-CLOCK (refined-)?jiffies' "$WB_LOGS/$name-results.log" || break
		log "$name timed with jiffies (try $try of 3)"
		[[ $try -lt 3 ]] || die "$name: three boots in a row timed with jiffies; the host is too loaded to time anything"
	done
	"$WB_DIR/scan-splats.sh" "$WB_LOGS/$name-console.log" ||
		die "kernel splat during the $name boot: see $WB_LOGS/$name-console.log"
	cp "$WB_LOGS/$name-results.log" "$run/$name.log"
	grep -q '^WB-JOB-END bench rc=0' "$run/$name.log" ||
		die "the bench job failed in $name: see $run/$name.log"
}

# zram keeps the huge threshold (zs_huge_class_size() of the first pool
# it creates) in a global for the whole boot, so every zspage order of
# ours gets a boot of its own, the default order (3) in the main one.
for v in stock ours; do
	log "== $v: density, compaction, op costs, free latency (-icount, 1 CPU)"
	WB_VM_SMP=1 WB_VM_QEMU_ARGS="-icount shift=0,sleep=off" \
		boot "bench-$v-icount" "$v" wb.parts=density,compact,opcost,freelat wb.orders=3,3c \
		wb.clock=icount "wb.mib=$mib" wb.reps=2 wb.nprocs=1
done
for o in 2 4; do
	log "== ours: density at zspage order $o (-icount, 1 CPU)"
	WB_VM_SMP=1 WB_VM_QEMU_ARGS="-icount shift=0,sleep=off" \
		boot "bench-ours-icount-o$o" ours wb.parts=density "wb.orders=$o,${o}c" wb.clock=icount
done
# Step 5: one boot per kernel on arm64, default zspage order (stock: its
# chain), density only; both orders are "-" in the logs.
for v in stock ours; do
	log "== arm64, 64K pages, $v: density (-icount, 1 CPU)"
	BENCH_CONFIG=debug-arm64 WB_VM_SMP=1 WB_VM_QEMU_ARGS="-icount shift=0,sleep=off" \
		boot "arm64-density-$v" "$v" wb.parts=density wb.orders=- wb.clock=icount
done
if [[ $quick != 1 ]]; then
	for r in $(seq 1 "$rounds"); do
		for v in stock ours; do
			log "== round $r/$rounds, $v: op costs on all CPUs, free latency (TCG, 2 CPUs)"
			boot "bench-$v-freelat-$r" "$v" wb.parts=opcost,freelat wb.clock=tcg \
				wb.opthreads=all "wb.opparams=count=$opcount,passes=$oppasses" \
				"wb.mib=$mib" "wb.reps=$reps" "wb.nprocs=$nprocs"
		done
	done
fi

python3 "$WB_REPO/bench/report.py" --out "$run" "$run"/meta.log "$run"/bench-*.log | tee "$run/table.txt"
# Step 5's table (density-arm64.sh, which make test's density-arm64 leg
# runs on a smaller corpus).
{
	echo
	echo "== density on arm64, 64K pages (debug-arm64 kernels, -icount, 1 CPU)," \
	     "the corpus above ($(($(stat -c %s "$corpus") >> 20)) MiB)"
	"$WB_DIR/density-arm64.sh" table "$run/arm64-density-stock.log" "$run/arm64-density-ours.log"
} | tee "$run/arm64-density.txt"
ln -sfn "$run" "$bdir/latest"
# bench/results/ (what the README shows) only takes complete runs.
if [[ $quick == 1 ]]; then
	echo "== make bench QUICK=1: done in $(($(date +%s) - start)) s; results in $run"
	exit 0
fi
mkdir -p "$WB_REPO/bench/results"
cp "$run/table.txt" "$run/results.csv" "$WB_REPO/bench/results/"
if [[ -f $run/chart.png ]]; then
	cp "$run/chart.png" "$WB_REPO/bench/results/"
fi
echo "== make bench: done in $(($(date +%s) - start)) s; results in $run (copied to bench/results/)"
