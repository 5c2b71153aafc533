#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 0: install the Debian packages the workbench needs, if missing.
#
#   deps.sh [EXTRA-PACKAGE...]   (make bench adds gnuplot-nox for its chart)
#
# An EXTRA-PACKAGE of another architecture, PKG:ARCH (busybox-static:arm64
# for the arm64 guests), is not installed: the architecture is added to
# dpkg once (apt needs it to fetch the package lists), the .deb is
# downloaded and unpacked with dpkg-deb -x into $WB_CACHE/foreign/PKG_ARCH
# (wb_foreign in lib.sh), which is all the initramfs needs of it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(linux-source-6.12 build-essential gcc make flex bison bc libelf-dev
      libssl-dev ccache cpio kmod sparse e2fsprogs dwarves rsync python3
      qemu-system-x86 busybox-static xz-utils patch git perl coreutils
      bash util-linux file "$@")

missing=() foreign=()
for p in "${pkgs[@]}"; do
	if [[ $p == *:* ]]; then
		[[ -f $(wb_foreign "$p")/.wb-unpacked ]] || foreign+=("$p")
		continue
	fi
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 && ${#foreign[@]} -eq 0 ]] && exit 0

export DEBIAN_FRONTEND=noninteractive
if [[ ${#missing[@]} -gt 0 ]]; then
	log "installing missing packages: ${missing[*]}"
	[[ $(id -u) -eq 0 ]] || die "packages missing (${missing[*]}); run as root or: sudo apt-get install -y ${missing[*]}"
	apt-get update -q >/dev/null ||
		die "apt-get update failed: check the network/apt sources, then rerun"
	apt-get install -y -q "${missing[@]}" >/dev/null ||
		die "apt-get install -y ${missing[*]} failed: see the apt output above, fix apt, then rerun"
fi
for p in "${foreign[@]}"; do
	arch=${p#*:} dir=$(wb_foreign "$p")
	log "downloading $p (unpacked into $dir, not installed)"
	if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
		[[ $(id -u) -eq 0 ]] || die "$p needs dpkg --add-architecture $arch (as root), then apt-get update"
		dpkg --add-architecture "$arch"
		apt-get update -q >/dev/null ||
			die "apt-get update failed: check the network/apt sources, then rerun"
	fi
	rm -rf "$dir" && mkdir -p "$dir/deb"
	# apt-get download writes to the current directory; "_apt" cannot
	# write into the cache, so it warns and downloads as root.
	(cd "$dir/deb" && apt-get download -q "$p" >/dev/null 2>&1) ||
		(apt-get update -q >/dev/null && cd "$dir/deb" && apt-get download -q "$p" >/dev/null 2>&1) ||
		die "apt-get download $p failed: check the network/apt sources, then rerun"
	dpkg-deb -x "$dir"/deb/*.deb "$dir" || die "dpkg-deb -x of $p failed"
	touch "$dir/.wb-unpacked"
done
