# SPDX-License-Identifier: GPL-2.0
# The zsmalloc series workbench. Each target runs one script in workbench/.
# Kernel trees, builds and logs live in ~/.cache/zsmalloc-wb (WB_CACHE).
#
#   make run      release kernel + zram swap on zsmalloc under real memory pressure
#   make test     the whole suite on a debug kernel; last line "N passed, N failed"
#   make bench    this series vs stock 6.12 side by side: table, CSV, chart
#   make check    checkpatch --strict, W=1 and sparse on our files
#   make patches  git format-patch series against pristine 6.12 (out/patches)
#   make clean    remove the cache (builds, trees, logs)
#
# Variables: KUNIT_FILTER='zsmalloc.*'  SUITES='kunit selftest'
#            SELFTESTS='zsmalloc zram test_zswap'  KSFT_TEST=zsmalloc:<program>
#            ZSMALLOC_TESTS=<case>,<case>  KSFT_TIMEOUT=<s>
#            MIB=<workload MiB for run>  VARIANT=ours|stock (run only)
#            bench: QUICK=1 (density + op costs only)  MIB=<free-latency MiB>
#                   ROUNDS=<stock/ours boot pairs>  REPS=<runs per boot>
#                   NPROCS=1,2 (processes freeing at once)

export KUNIT_FILTER SUITES SELFTESTS KSFT_TEST ZSMALLOC_TESTS KSFT_TIMEOUT MIB VARIANT
export QUICK ROUNDS REPS NPROCS

.PHONY: run test bench check patches clean deps
run:
	@bash workbench/run.sh
test:
	@bash workbench/test.sh
bench:
	@bash workbench/bench.sh
check:
	@bash workbench/check.sh
patches:
	@bash workbench/patches.sh
clean:
	@bash workbench/clean.sh
deps:
	@bash workbench/deps.sh
