#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`, cross builds: our objects (mm/zsmalloc.o,
# lib/test_zsmalloc.o) built with W=1 where the obj word is narrow, which
# the x86 kernels never are:
#   arm-lpae  32-bit ARM with LPAE: 40-bit physical addresses leave the
#             obj 4 bits of slot index (gcc-arm-linux-gnueabihf)
#   um        64-bit UML: no MAX_PHYSMEM_BITS, so the PFN takes 52 bits
#             and the obj has no room for a class id (host gcc)
#
#   cross.sh [TARGET...]   (default: all)
#
# Each target is configured once in $WB_CACHE/build-ours-<target>
# (a defconfig plus configs/cross-<target>.config, every option of which
# is verified), then only our objects are rebuilt. Exit status non-zero
# on a failed build or a W=1 warning in our files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(arm-lpae um)
src=$(wb_src ours)
[[ -f $src/mm/zsmalloc.c ]] || die "no assembled tree in $src: run workbench/assemble.sh ours"
status=0

for t in "${targets[@]}"; do
	case $t in
	arm-lpae)
		"$WB_DIR/deps.sh" gcc-arm-linux-gnueabihf
		cross=arm-linux-gnueabihf-
		args=(ARCH=arm "CROSS_COMPILE=$cross")
		defconfig=multi_v7_defconfig
		;;
	um)
		cross=
		args=(ARCH=um SUBARCH=x86_64)
		defconfig=defconfig
		;;
	*)
		die "unknown cross target $t (arm-lpae, um)"
		;;
	esac
	frag=$WB_DIR/configs/cross-$t.config
	out=$(wb_build ours "$t")
	klog=$WB_LOGS/cross-$t.log
	mkdir -p "$out" "$WB_LOGS"
	: >"$klog"
	echo "== cross build, $t: mm/zsmalloc.o lib/test_zsmalloc.o (W=1)"
	if [[ ! -f $out/.config || $frag -nt $out/.config ]]; then
		make -C "$src" O="$out" "${args[@]}" "$defconfig" >>"$klog" 2>&1 &&
			cat "$frag" >>"$out/.config" &&
			make -C "$src" O="$out" "${args[@]}" olddefconfig >>"$klog" 2>&1 ||
			{ tail -20 "$klog"; die "configuring $t failed: see $klog"; }
		while IFS= read -r line; do
			[[ $line =~ ^CONFIG_ ]] || continue
			grep -qx "$line" "$out/.config" ||
				die "$t: $line did not survive olddefconfig (see $frag, $klog)"
		done <"$frag"
	fi
	if ! make -C "$src" O="$out" "${args[@]}" CC="ccache ${cross}gcc" \
		-j"$WB_JOBS" W=1 mm/zsmalloc.o lib/test_zsmalloc.o >>"$klog" 2>&1; then
		tail -30 "$klog"
		echo "  $t: the build failed (full log: $klog)"
		status=1
		continue
	fi
	if grep -E '(mm/zsmalloc|lib/test_zsmalloc|include/linux/zsmalloc)\.[ch]:[0-9]+' "$klog"; then
		status=1
	else
		echo "  $t: built, no W=1 warnings in our files"
	fi
done
exit $status
