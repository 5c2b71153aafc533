#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: static checks on the files we own.
#   1. scripts/checkpatch.pl --strict on each of our whole files (-f) and
#      on each series/ patch
#   2. W=1 build of our objects (mm/zsmalloc.o, lib/test_zsmalloc.o)
#   3. sparse (C=2) on the same objects
# 2 and 3 run for x86_64 and for i386 (32-bit has its own locking), in the
# ours-debug and ours-debug32 build directories (configured if needed).
#   4. workbench/cross.sh: W=1 builds of the same objects for 32-bit ARM
#      with LPAE and for 64-bit UML, where the obj has few index bits or
#      no class id (cross compiler installed on first use).
#   5. checkpatch on tools/zsim's C (make test's workbench row checks its
#      figures).
# Warnings are shown; the exit status is non-zero if checkpatch reports an
# ERROR or a W=1/sparse warning appears in our files.
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
# Where the obj word is narrow (32-bit LPAE, 64-bit UML): builds only.
"$WB_DIR/cross.sh" || status=1
echo "== tools/zsim"
for f in "$WB_REPO"/tools/zsim/*.c; do
	out_cp=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-summary --terse -f "$f" 2>&1 |
		grep -v 'CamelCase: <ZSTD_' || true)
	[[ -z $out_cp ]] || echo "$out_cp"
	grep -q ': ERROR:' <<<"$out_cp" && status=1
done
[[ $status -eq 0 ]] && echo "check: OK" || echo "check: problems found (above)"
exit $status
