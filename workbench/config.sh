#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 3: make the kernel .config for <variant> <config> and verify it.
#
#   config.sh ours|stock release|debug|debug32|debug-arm64
#
# tinyconfig, then configs/base.config, configs/<config>.config and
# configs/<variant>.config (if present) appended in that order, then
# olddefconfig. Every option the fragments ask for (the last assignment of
# a symbol, when several fragments set it) is then checked in the result;
# the first one that did not survive (unmet dependency, typo, symbol
# missing because a series patch is not applied) fails the stage.
# A config whose name ends in 32 is built for ARCH=i386, one ending in
# arm64 for ARCH=arm64 with the aarch64-linux-gnu- cross compiler
# (wb_arch, wb_kargs in lib.sh).
# The new .config replaces the build's one only when it differs.
#
# Environment (used by the workbench's own tests):
#   WB_SRC_DIR, WB_BUILD_DIR   override source and build directories
#   WB_EXTRA_FRAGMENTS         more fragment files, appended last
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-} config=${2:-}
[[ -n $variant && -f $WB_DIR/configs/$config.config ]] ||
	die "usage: config.sh ours|stock release|debug|debug32|debug-arm64 (fragments in $WB_DIR/configs/)"
src=${WB_SRC_DIR:-$(wb_src "$variant")}
out=${WB_BUILD_DIR:-$(wb_build "$variant" "$config")}
[[ -f $src/Makefile ]] || die "no source tree in $src: run workbench/assemble.sh $variant first"

frags=("$WB_DIR/configs/base.config" "$WB_DIR/configs/$config.config")
[[ -f $WB_DIR/configs/$variant.config ]] && frags+=("$WB_DIR/configs/$variant.config")
# shellcheck disable=SC2206
frags+=(${WB_EXTRA_FRAGMENTS:-})

mkdir -p "$out" "$WB_LOGS"
klog=$WB_LOGS/kconfig-$(basename "$out").log
new=.config.wb-new
mapfile -t kargs < <(wb_kargs "$config")
kmake() {
	make -C "$src" O="$out" "${kargs[@]}" KCONFIG_CONFIG=$new "$@" >>"$klog" 2>&1 ||
		{ tail -20 "$klog" >&2; die "make $* failed in $out (full log: $klog)"; }
}
: >"$klog"
kmake tinyconfig
cat "${frags[@]}" >>"$out/$new"
kmake olddefconfig

# Verify: CONFIG_X=y|m|value must be present verbatim; CONFIG_X=n and
# "# CONFIG_X is not set" must not be set to anything.
result=$out/$new
declare -A want=()
syms=()
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
		sym=${BASH_REMATCH[1]} val=n
	else
		continue
	fi
	[[ -v want[$sym] ]] || syms+=("$sym")
	want[$sym]=$val
done < <(cat "${frags[@]}")
for sym in "${syms[@]}"; do
	val=${want[$sym]}
	got=$(grep -E "^$sym=" "$result" | tail -1 | cut -d= -f2- || true)
	[[ -n $got ]] || got=n
	if [[ $got != "$val" ]]; then
		where=$(grep -l -E "^(# )?$sym[= ]" "${frags[@]}" | tail -1)
		die "config option $sym=$val (from $(basename "$where")) ended up as $sym=$got after olddefconfig: check its dependencies (make O=$out menuconfig, search $sym) and fix the fragment"
	fi
done

if cmp_copy "$result" "$out/.config"; then
	log "config $variant-$config: .config updated"
else
	log "config $variant-$config: .config unchanged"
fi
