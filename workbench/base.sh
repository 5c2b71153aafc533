#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 1: unpack the pristine Linux 6.12 base tree once into $WB_BASE.
# The base tree is never modified afterwards; assemble.sh copies it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ -f $WB_TARBALL ]] ||
	die "$WB_TARBALL missing: run 'make deps' (apt-get install -y linux-source-6.12)"

stamp=$WB_BASE/.wb-unpacked
want=$(stat -c '%s %Y' "$WB_TARBALL")
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
	exit 0
fi

log "unpacking $WB_TARBALL into $WB_BASE (once, ~1 min)"
rm -rf "$WB_BASE" "$WB_BASE.tmp"
mkdir -p "$WB_BASE.tmp"
tar -xJf "$WB_TARBALL" -C "$WB_BASE.tmp" --strip-components=1 ||
	die "could not unpack $WB_TARBALL (disk full? corrupt package? try: apt-get install --reinstall linux-source-6.12)"
mv "$WB_BASE.tmp" "$WB_BASE"
echo "$want" >"$stamp"
log "base tree: Linux $(kernel_version "$WB_BASE")"
