#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: static checks on our files, and the series as its
# reviewers receive it (mails, bisect build).
#   1. scripts/checkpatch.pl --strict on each of our whole files (-f) and
#      on each series/ patch
#   2. W=1 build of our objects (mm/zsmalloc.o, lib/test_zsmalloc.o)
#   3. sparse (C=2) on the same objects
# 2 and 3 run for x86_64 and for i386 (32-bit has its own locking), in the
# ours-debug and ours-debug32 build directories (configured if needed).
#   4. W=1 build of mm/zsmalloc.o without ZSMALLOC_STAT and KUnit
#   5. workbench/cross.sh: W=1 builds of the same objects for 32-bit ARM
#      with LPAE and for 64-bit UML, where the obj has few index bits or
#      no class id (cross compiler installed on first use).
#   6. checkpatch on tools/zsim's C (make test's workbench row checks its
#      figures).
#   7. make patches (every mail applies exactly; checkpatch --strict on
#      each, warnings kept only with a reason in series/mail/checkpatch-kept)
#   8. scripts/kernel-doc -Wall: nothing on our files, nothing new on the
#      kernel files series/ patches
#   9. scripts/get_maintainer.pl names zsmalloc's maintainers and linux-mm
#      for every mail that touches zsmalloc's files
#  10. workbench/bisect.sh: git am of the mails onto pristine 6.12, a
#      build after each (x86_64, i386), the tree after the last equal to
#      make test's, and the KUnit suite on the kernel built from it
#  11. htmldocs of Documentation/mm and admin-guide/blockdev (Debian's
#      python3-sphinx) on that tree: no warning from zsmalloc.rst or
#      zram.rst
# Warnings are shown; the exit status is non-zero if checkpatch reports an
# ERROR, a W=1/sparse warning appears in our files, or a step from 4 on
# fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
wb_lock

"$WB_DIR/deps.sh"
"$WB_DIR/base.sh"
"$WB_DIR/assemble.sh" ours
src=$(wb_src ours)
status=0

echo "== checkpatch --strict"
mine=()
for f in "${WB_OWNED_FILES[@]}"; do [[ -f $WB_REPO/$f ]] && mine+=("$f"); done
for d in "${WB_OWNED_DIRS[@]}"; do
	[[ -d $WB_REPO/$d ]] || continue
	while IFS= read -r f; do mine+=("${f#"$WB_REPO/"}"); done < <(find "$WB_REPO/$d" -type f -name '*.[ch]' | sort)
done
for f in "${mine[@]}"; do
	out_cp=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-summary --terse -f "$f" 2>&1 || true)
	if [[ -n $out_cp ]]; then echo "$out_cp"; fi
	grep -q ': ERROR:' <<<"$out_cp" && status=1
done
for p in $(grep -v '^#' "$WB_REPO/series/series" | grep .); do
	out_cp=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-signoff --no-summary --terse "$WB_REPO/series/$p" 2>&1 || true)
	[[ -z $out_cp ]] || echo "$out_cp"
	grep -q ': ERROR:' <<<"$out_cp" && status=1
done

objs=()
[[ -f $src/mm/zsmalloc.c ]] && objs+=(mm/zsmalloc.o)
[[ -f $WB_REPO/lib/test_zsmalloc.c ]] && objs+=(lib/test_zsmalloc.o)
mkdir -p "$WB_LOGS"
# Both word sizes: 32-bit has its own locking (the relocate rwlock).
for config in debug debug32; do
	arch=$(wb_arch "$config")
	out=$(wb_build ours "$config")
	[[ -f $out/.config ]] || "$WB_DIR/config.sh" ours "$config"
	echo "== W=1 and sparse (C=2), $arch: ${objs[*]}"
	clog=$WB_LOGS/check-$arch.log
	if ! make -C "$src" O="$out" ARCH="$arch" CC="ccache gcc" -j"$WB_JOBS" W=1 C=2 "${objs[@]}" >"$clog" 2>&1; then
		tail -30 "$clog"
		die "W=1/sparse build of ${objs[*]} ($arch) failed: see $clog"
	fi
	if grep -E '(mm/zsmalloc(_geometry)?|lib/test_zsmalloc|include/linux/zsmalloc)\.[ch]:[0-9]+' "$clog"; then
		status=1
	else
		echo "  no W=1 or sparse warnings in our files"
	fi
done
# The optional parts off: no debugfs statistics and no KUnit (what a
# production config may well have), mm/zsmalloc.o with W=1.
echo "== W=1, x86_64 without ZSMALLOC_STAT and KUnit: mm/zsmalloc.o"
out=$WB_CACHE/build-ours-minimal
printf '# CONFIG_ZSMALLOC_STAT is not set\n# CONFIG_KUNIT is not set\n# CONFIG_ZSMALLOC_KUNIT_TEST is not set\n' >"$WB_CACHE/minimal.config"
WB_BUILD_DIR=$out WB_EXTRA_FRAGMENTS=$WB_CACHE/minimal.config "$WB_DIR/config.sh" ours release
clog=$WB_LOGS/check-minimal.log
make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$WB_JOBS" W=1 mm/zsmalloc.o >"$clog" 2>&1 ||
	{ tail -30 "$clog"; die "W=1 build of mm/zsmalloc.o without STAT and KUnit failed: see $clog"; }
if grep -E '(mm/zsmalloc(_geometry)?|include/linux/zsmalloc)\.[ch]:[0-9]+' "$clog"; then
	status=1
else
	echo "  no W=1 warnings in our files"
fi
# Where the obj word is narrow (32-bit LPAE, 64-bit UML): builds only.
"$WB_DIR/cross.sh" || status=1
echo "== tools/zsim"
for f in "$WB_REPO"/tools/zsim/*.c; do
	out_cp=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-summary --terse -f "$f" 2>&1 |
		grep -v 'CamelCase: <ZSTD_' || true)
	[[ -z $out_cp ]] || echo "$out_cp"
	grep -q ': ERROR:' <<<"$out_cp" && status=1
done

# The series as mails (make patches: applies exactly, checkpatch on each
# mail), then what the kernel's reviewers run on it.
echo "== make patches"
"$WB_DIR/patches.sh" || status=1

echo "== kernel-doc"
for f in "${WB_OWNED_FILES[@]}"; do
	[[ $f == *.[ch] && -f $src/$f ]] || continue
	out_kd=$(cd "$src" && perl scripts/kernel-doc -none -Wall "$f" 2>&1 || true)
	[[ -z $out_kd ]] || { echo "$out_kd"; status=1; }
done
# the kernel files the series patches: no warning pristine 6.12 has not
for f in $(sed -n 's#^+++ b/\([^[:space:]]*\.[ch]\)$#\1#p' "$WB_REPO"/series/0*.patch | sort -u); do
	n_ours=$(cd "$src" && perl scripts/kernel-doc -none -Wall "$f" 2>&1 | wc -l)
	n_base=$(cd "$WB_BASE" && perl scripts/kernel-doc -none -Wall "$f" 2>&1 | wc -l)
	if [[ $n_ours -gt $n_base ]]; then
		(cd "$src" && perl scripts/kernel-doc -none -Wall "$f")
		echo "  $f: $n_ours kernel-doc warnings, pristine has $n_base"
		status=1
	fi
done
echo "  our files: none; the files series/ patches: none pristine 6.12 has not"

echo "== get_maintainer.pl"
for p in "$WB_REPO"/out/patches/0*.patch; do
	[[ $(basename "$p") != 0000-cover-letter.patch ]] || continue
	grep -q -E '^\+\+\+ b/(mm/zsmalloc|include/linux/zsmalloc|lib/test_zsmalloc|tools/testing/selftests/zsmalloc|Documentation/mm/zsmalloc)' "$p" || continue
	to=$(cd "$src" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --norolestats "$p" 2>&1)
	for m in minchan@kernel.org senozhatsky@chromium.org linux-mm@kvack.org; do
		grep -q "$m" <<<"$to" || { echo "  $(basename "$p"): get_maintainer.pl does not name $m"; status=1; }
	done
done
echo "  every mail touching zsmalloc's files goes to its maintainers and linux-mm"

echo "== bisect: git am each mail onto pristine 6.12, build, KUnit at the end"
bisect_ok=1
"$WB_DIR/bisect.sh" || { status=1; bisect_ok=0; }

# htmldocs writes generated pages into its source tree (the netlink
# specs): it runs in bisect.sh's git tree, which is the series applied
# to pristine 6.12 and is cleaned at its next run.
echo "== htmldocs (Documentation/mm, admin-guide/blockdev)"
if [[ $bisect_ok == 1 ]]; then
	"$WB_DIR/deps.sh" python3-sphinx
	dlog=$WB_LOGS/check-htmldocs.log
	make -C "$WB_CACHE/bisect/linux" O="$WB_CACHE/build-htmldocs" \
		SPHINXDIRS="mm admin-guide/blockdev" htmldocs >"$dlog" 2>&1 ||
		{ tail -20 "$dlog"; echo "  htmldocs failed: see $dlog"; status=1; }
	if grep -E 'Documentation/(mm/zsmalloc|admin-guide/blockdev/zram)\.rst' "$dlog"; then
		status=1
	else
		echo "  no warning from zsmalloc.rst or zram.rst"
	fi
else
	echo "  not run: the bisect failed, its tree is not the series"
fi

[[ $status -eq 0 ]] && echo "check: OK" || echo "check: problems found (above)"
exit $status
