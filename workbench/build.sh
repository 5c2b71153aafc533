#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 4: build the kernel (bzImage; Image for arm64) for <variant>
# <config>, out of tree, with ccache. Run config.sh first. Prints the
# kernel's exact version.
#
#   build.sh ours|stock release|debug|debug32|debug-arm64
#
# Environment: WB_SRC_DIR, WB_BUILD_DIR override source and build
# directories (bisect.sh builds a git am'ed tree with them).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-} config=${2:-}
[[ -n $variant && -n $config ]] || die "usage: build.sh ours|stock release|debug|debug32|debug-arm64"
src=${WB_SRC_DIR:-$(wb_src "$variant")}
out=${WB_BUILD_DIR:-$(wb_build "$variant" "$config")}
[[ -f $out/.config ]] || die "no $out/.config: run workbench/config.sh $variant $config first"

mkdir -p "$WB_LOGS" "$CCACHE_DIR"
blog=$WB_LOGS/$(basename "$out").log
log "building Linux $(kernel_version "$src") ($variant, $config) in $out; log: $blog"
image=$(wb_image "$config")
mapfile -t kargs < <(wb_kargs "$config")
start=$(date +%s)
if ! make -C "$src" O="$out" "${kargs[@]}" CC="ccache $(wb_cross "$config")gcc" -j"$WB_JOBS" \
	"$(basename "$image")" >"$blog" 2>&1; then
	grep -E -m 20 'error|Error' "$blog" >&2 || tail -30 "$blog" >&2
	die "kernel build failed ($variant, $config): see $blog"
fi
grep -E '(^|[^A-Za-z])warning:' "$blog" | grep -v '^make' | sed 's/^/[wb] build warning: /' | head -20 >&2 || true
log "built $out/$image: $(cat "$out/include/config/kernel.release") in $(($(date +%s) - start)) s"
