#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make clean`: remove the workbench cache: build dirs, assembled trees,
# guest images, logs and the pristine base tree. CLEAN=builds keeps the
# base tree and the compiler cache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case $WB_CACHE in
"" | / | "$HOME") die "refusing to clean WB_CACHE=$WB_CACHE" ;;
esac
[[ -d $WB_CACHE ]] || exit 0
if [[ ${CLEAN:-all} == builds ]]; then
	rm -rf "$WB_CACHE"/build-* "$WB_CACHE"/src-* "$WB_CACHE"/guest "$WB_CACHE"/logs "$WB_CACHE"/tmp
else
	rm -rf "$WB_CACHE"
fi
rm -rf "$WB_REPO/out"
log "cleaned $WB_CACHE"
