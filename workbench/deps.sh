#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 0: install the Debian packages the workbench needs, if missing.
#
#   deps.sh [EXTRA-PACKAGE...]   (make bench adds gnuplot-nox for its chart)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(linux-source-6.12 build-essential gcc make flex bison bc libelf-dev
      libssl-dev ccache cpio kmod sparse e2fsprogs dwarves rsync python3
      qemu-system-x86 busybox-static xz-utils patch git perl coreutils
      bash util-linux file "$@")

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

log "installing missing packages: ${missing[*]}"
[[ $(id -u) -eq 0 ]] || die "packages missing (${missing[*]}); run as root or: sudo apt-get install -y ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null ||
	die "apt-get update failed: check the network/apt sources, then rerun"
apt-get install -y -q "${missing[@]}" >/dev/null ||
	die "apt-get install -y ${missing[*]} failed: see the apt output above, fix apt, then rerun"
