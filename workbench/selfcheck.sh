#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The workbench's own tests: they prove the stages catch what they must,
# without building a kernel. Each check prints "ok N - ..." or
# "not ok N - ..."; counts go to $WB_COUNTS as suite "workbench".
#
#  1 assembly lands our files at their in-tree paths and applies series/
#  2 re-assembly after a one-file change rewrites only that file
#  3 a file dropped from the repo is restored from the base tree
#  4 "ours" without mm/zsmalloc.c is an error
#  5 a broken patch appended to a copy of series/series is reported by name
#  6 the real fragments (base + release) survive olddefconfig on 6.12
#  7 a fragment option with an unmet dependency is reported by name
#  8 the splat scanner flags the splat samples in workbench/testdata/
#  9 the splat scanner passes a clean boot log
# 10 the results parser counts a sample results log as expected
# 11 the KUnit parser (kunit.py parse) counts a real KUnit boot log
# 12 make bench's report (bench/report.py) turns a recorded bench sample
#    into the expected table and a CSV with one line per row
# 13 tools/zsim, replaying the recorded corpus traces through
#    mm/zsmalloc_geometry.h, gives the pages make bench measured on the
#    kernel (tools/zsim/expected.txt)
# 14 the mails of series/mail/order unwind our files exactly down to
#    pristine 6.12 (workbench/mails.sh), and after a change inside one
#    step's context that step is reported by name
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ -f $WB_BASE/.wb-unpacked ]] || die "no base tree: run workbench/base.sh first"
mkdir -p "$WB_CACHE/tmp"
tmp=$(mktemp -d "$WB_CACHE/tmp/selfcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 pass=0 fail=0
check() { # description, then the command
	local desc=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"; pass=$((pass + 1))
	else
		echo "not ok $n - $desc"; fail=$((fail + 1))
		sed 's/^/#   /' <<<"$out" | tail -15
	fi
}

# A fake repo: marker files at our in-tree paths, the real series/.
fake=$tmp/repo
mkdir -p "$fake"/{mm,include/linux,lib,tools/testing/selftests/zsmalloc}
echo "/* selfcheck: our zsmalloc.c */" >"$fake/mm/zsmalloc.c"
echo "/* selfcheck: our zsmalloc.h */" >"$fake/include/linux/zsmalloc.h"
echo "/* selfcheck: our test_zsmalloc.c */" >"$fake/lib/test_zsmalloc.c"
echo "#!/bin/sh" >"$fake/tools/testing/selftests/zsmalloc/run_tests.sh"
cp -r "$WB_REPO/series" "$fake/series"
fakeenv=(env WB_REPO="$fake" WB_CACHE="$tmp/cache" WB_BASE="$WB_BASE" WB_LOGS="$tmp/logs")
src=$tmp/cache/src-ours

t_assembly() {
	"${fakeenv[@]}" "$WB_DIR/assemble.sh" ours
	for f in mm/zsmalloc.c include/linux/zsmalloc.h lib/test_zsmalloc.c \
		 tools/testing/selftests/zsmalloc/run_tests.sh; do
		cmp "$fake/$f" "$src/$f" || { echo "$f did not land in $src"; return 1; }
	done
	grep -q '^config ZSMALLOC_KUNIT_TEST$' "$src/lib/Kconfig.debug" || { echo "series 0001 not applied"; return 1; }
	grep -q 'CONFIG_ZSMALLOC_KUNIT_TEST.*test_zsmalloc.o' "$src/lib/Makefile" || { echo "series 0002 not applied"; return 1; }
	! grep -q ZSMALLOC_KUNIT_TEST "$WB_BASE/lib/Kconfig.debug" "$WB_BASE/lib/Makefile" ||
		{ echo "the pristine base tree was modified!"; return 1; }
	cmp -s "$WB_BASE/mm/zsmalloc.c" "$src/mm/zsmalloc.c" && { echo "base zsmalloc.c used"; return 1; }
	return 0
}
t_incremental() {
	local before
	before=$(stat -c %Y.%i "$src/lib/Makefile" "$src/include/linux/zsmalloc.h")
	sleep 1.1
	echo "/* changed */" >>"$fake/mm/zsmalloc.c"
	touch "$fake/include/linux/zsmalloc.h"	# newer, same content
	"${fakeenv[@]}" "$WB_DIR/assemble.sh" ours 2>&1 | tee "$tmp/re.log"
	cmp "$fake/mm/zsmalloc.c" "$src/mm/zsmalloc.c"
	[[ $(stat -c %Y.%i "$src/lib/Makefile" "$src/include/linux/zsmalloc.h") == "$before" ]] ||
		{ echo "unchanged files were rewritten"; return 1; }
	grep -q '1 files changed' "$tmp/re.log"
}
t_restore() {
	rm "$fake/include/linux/zsmalloc.h"
	"${fakeenv[@]}" "$WB_DIR/assemble.sh" ours
	cmp "$WB_BASE/include/linux/zsmalloc.h" "$src/include/linux/zsmalloc.h"
}
t_needs_allocator() {
	mkdir -p "$tmp/empty"
	cp -r "$WB_REPO/series" "$tmp/empty/"
	if env WB_REPO="$tmp/empty" WB_CACHE="$tmp/cache2" WB_BASE="$WB_BASE" \
		"$WB_DIR/assemble.sh" ours >"$tmp/na.log" 2>&1; then
		echo "assembled 'ours' without mm/zsmalloc.c"; return 1
	fi
	cat "$tmp/na.log"
	grep -q 'mm/zsmalloc.c' "$tmp/na.log"
}
t_broken_patch() {
	cp "$WB_REPO/series/series" "$fake/series/series.broken"
	cp "$WB_DIR/testdata/9999-broken.patch" "$fake/series/"
	echo 9999-broken.patch >>"$fake/series/series.broken"
	if "${fakeenv[@]}" WB_SERIES="$fake/series/series.broken" \
		"$WB_DIR/assemble.sh" ours >"$tmp/bp.log" 2>&1; then
		echo "a broken patch applied"; return 1
	fi
	cat "$tmp/bp.log"
	grep -q 'series patch 9999-broken.patch FAILED' "$tmp/bp.log"
}
t_config_ok() {
	"${fakeenv[@]}" WB_SRC_DIR="$WB_BASE" WB_BUILD_DIR="$WB_CACHE/selfcheck-kconfig" \
		"$WB_DIR/config.sh" stock release
}
t_config_dropped() {
	if "${fakeenv[@]}" WB_SRC_DIR="$WB_BASE" WB_BUILD_DIR="$WB_CACHE/selfcheck-kconfig" \
		WB_EXTRA_FRAGMENTS="$WB_DIR/testdata/unmet-dependency.config" \
		"$WB_DIR/config.sh" stock release >"$tmp/cf.log" 2>&1; then
		echo "an option with an unmet dependency was not reported"; return 1
	fi
	cat "$tmp/cf.log"
	grep -q 'CONFIG_KASAN_SW_TAGS=y (from unmet-dependency.config) ended up as CONFIG_KASAN_SW_TAGS=n' "$tmp/cf.log"
}
t_splats_found() {
	local f
	for f in "$WB_DIR"/testdata/splat-*.log; do
		if "$WB_DIR/scan-splats.sh" "$f"; then
			echo "no splat found in $f"; return 1
		fi
	done
}
t_splats_clean() {
	"$WB_DIR/scan-splats.sh" "$WB_DIR"/testdata/clean-*.log
}
t_parse() {
	cp "$WB_DIR/testdata/results-sample.log" "$tmp/r.log"
	WB_COUNTS= "$WB_DIR/parse-results.sh" selftest "$tmp/r.log" >"$tmp/p.out" || true
	cat "$tmp/p.out"
	diff -u "$WB_DIR/testdata/results-sample.expected" <(grep -v '^  ' "$tmp/p.out")
}

t_kunit_parse() {
	WB_COUNTS= "$WB_DIR/parse-results.sh" kunit "$WB_DIR/testdata/clean-boot-kunit-debug.log" "$WB_BASE" >"$tmp/k.out" || true
	cat "$tmp/k.out"
	grep -qx 'kunit: 2 passed, 0 failed, 0 skipped' "$tmp/k.out"
}

t_bench_report() {
	local td=$WB_REPO/bench/testdata
	python3 "$WB_REPO/bench/report.py" --out "$tmp" "$td"/sample-*.log >"$tmp/bench.out"
	diff -u "$td/sample.expected" "$tmp/bench.out" || return 1
	# One CSV line per table row, plus the header.
	[[ $(($(wc -l <"$tmp/results.csv") - 1)) -eq $(sed -n 's/^\([0-9]*\) rows,.*/\1/p' "$tmp/bench.out") ]] ||
		{ echo "results.csv and the table disagree"; return 1; }
}

t_zsim() {
	make -s -C "$WB_REPO/tools/zsim" check
}

t_mails() {
	local r=$tmp/mails-repo
	local menv=(env WB_REPO="$r" WB_CACHE="$tmp/cache" WB_BASE="$WB_BASE" WB_LOGS="$tmp/logs")
	mkdir -p "$r"
	(cd "$WB_REPO" && cp -r --parents "${WB_OWNED_FILES[@]}" "${WB_OWNED_DIRS[@]}" series "$r/")
	"${menv[@]}" "$WB_DIR/assemble.sh" ours >/dev/null
	"${menv[@]}" "$WB_DIR/mails.sh" snapshots "$tmp/snap" || return 1
	# the forward declaration that the deferred-free step adds, renamed
	sed -i 's/^static void defer_flush(struct zs_pool \*pool);$/static void defer_flush(struct zs_pool *p);/' \
		"$r/mm/zsmalloc.c"
	grep -q '^static void defer_flush(struct zs_pool \*p);$' "$r/mm/zsmalloc.c" ||
		{ echo "the sample change found nothing to change"; return 1; }
	"${menv[@]}" "$WB_DIR/assemble.sh" ours >/dev/null
	if "${menv[@]}" "$WB_DIR/mails.sh" snapshots "$tmp/snap2" >"$tmp/mails.log" 2>&1; then
		echo "a step that no longer unwinds went unnoticed"; return 1
	fi
	cat "$tmp/mails.log"
	grep -q 'series/mail/deferred-free.patch does not unwind' "$tmp/mails.log"
}

check "assembly lands our files and applies series/" t_assembly
check "re-assembly rewrites only the changed file" t_incremental
check "a file dropped from the repo is restored from base" t_restore
check "'ours' without mm/zsmalloc.c is an error" t_needs_allocator
check "a broken series patch is reported by name" t_broken_patch
check "base+release fragments survive olddefconfig" t_config_ok
check "a dropped config option is reported by name" t_config_dropped
check "splat scanner flags the splat samples" t_splats_found
check "splat scanner passes a clean boot log" t_splats_clean
check "results parser counts the sample log" t_parse
check "KUnit parser counts a real KUnit boot log" t_kunit_parse
check "bench report turns a recorded sample into the table" t_bench_report
check "zsim gives make bench's pages for the recorded traces" t_zsim
check "the mails unwind to pristine; a stale step is named" t_mails

echo "workbench checks: $pass passed, $fail failed"
[[ -z ${WB_COUNTS:-} ]] || echo "workbench $pass $fail 0" >>"$WB_COUNTS"
[[ $fail -eq 0 ]]
