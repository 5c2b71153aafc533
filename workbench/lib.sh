# SPDX-License-Identifier: GPL-2.0
# Common definitions for the workbench scripts. Sourced, never executed.
#
# Everything heavy lives under $WB_CACHE (default ~/.cache/zsmalloc-wb):
#   base/            pristine 6.12 tree, unpacked once from linux-source-6.12
#   src-<variant>/   assembled build source (base + our files + series/)
#   build-<variant>-<config>/  out-of-tree kernel build (O=)
#   ccache/          compiler cache
#   guest/           initramfs staging and guest programs
#   logs/            QEMU console logs

# WB_DIR: the workbench scripts; WB_REPO: where our kernel files and
# series/ are read from (the repo; the workbench's own tests point it at
# a temporary fake repo).
WB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WB_REPO=${WB_REPO:-$(cd "$WB_DIR/.." && pwd)}
WB_CACHE=${WB_CACHE:-$HOME/.cache/zsmalloc-wb}
WB_BASE=${WB_BASE:-$WB_CACHE/base}
WB_LOGS=${WB_LOGS:-$WB_CACHE/logs}
WB_TARBALL=${WB_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
WB_JOBS=${WB_JOBS:-2}
export CCACHE_DIR=${CCACHE_DIR:-$WB_CACHE/ccache}

# Files the project owns as whole files, at their in-tree paths.
WB_OWNED_FILES=(mm/zsmalloc.c mm/zsmalloc_geometry.h include/linux/zsmalloc.h
		lib/test_zsmalloc.c lib/test_zsmalloc.kunitconfig
		Documentation/mm/zsmalloc.rst)
WB_OWNED_DIRS=(tools/testing/selftests/zsmalloc)

die() {
	echo "ERROR: $*" >&2
	exit 1
}

log() {
	echo "[wb] $*" >&2
}

wb_src() { echo "$WB_CACHE/src-$1"; }
wb_build() { echo "$WB_CACHE/build-$1-$2"; }
# wb_arch CONFIG: the kernel ARCH a config builds for, from its name:
# ending in "arm64" (debug-arm64) arm64, in "32" (debug32) i386, anything
# else x86_64.
wb_arch() {
	case $1 in
	*arm64) echo arm64 ;;
	*32) echo i386 ;;
	*) echo x86_64 ;;
	esac
}
# wb_cross CONFIG: the CROSS_COMPILE prefix its ARCH needs ("" on x86).
wb_cross() { [[ $(wb_arch "$1") != arm64 ]] || echo aarch64-linux-gnu-; }
# wb_kargs CONFIG: kbuild's ARCH= and, when cross compiling,
# CROSS_COMPILE= for CONFIG, one per line (mapfile -t args < <(wb_kargs c)).
wb_kargs() {
	echo "ARCH=$(wb_arch "$1")"
	[[ -z $(wb_cross "$1") ]] || echo "CROSS_COMPILE=$(wb_cross "$1")"
}
# wb_image CONFIG: the boot image build.sh makes, relative to the build
# directory (QEMU boots it with -kernel).
wb_image() {
	if [[ $(wb_arch "$1") == arm64 ]]; then
		echo arch/arm64/boot/Image
	else
		echo arch/x86/boot/bzImage
	fi
}

# wb_foreign PKG:ARCH: where deps.sh unpacked a package of another
# architecture (downloaded, not installed: dpkg-deb -x), e.g. the arm64
# busybox of the arm64 guests.
wb_foreign() { echo "$WB_CACHE/foreign/${1/:/_}"; }
# wb_corpus_text BYTES: the first BYTES of make bench's corpus text on
# stdout: source text of the pristine tree (a fixed list of suffixes,
# files in C sort order), so it depends only on the tarball.
wb_corpus_text() {
	(cd "$WB_BASE" && find . -type f \( -name '*.[chS]' -o -name '*.rst' -o -name '*.txt' \
		-o -name 'Kconfig*' -o -name 'Makefile' -o -name '*.dts*' -o -name '*.json' \) |
		LC_ALL=C sort | xargs cat 2>/dev/null || true) | head -c "$1"
}

# wb_bench_initramfs VARIANT CONFIG CORPUS OUT [MODULE]: the "run" image of
# initramfs.sh + a second cpio (the kernel unpacks concatenated archives
# in order) with bench/guest/bench-tool built for CONFIG's architecture,
# CORPUS as /wb/bench-corpus.bin and MODULE (zsbench.ko) if given; the
# guest's bench job (workbench/guest/job-bench.sh) runs on it.
wb_bench_initramfs() {
	local v=$1 config=$2 corpus=$3 out=$4 module=${5:-} base_img extra
	base_img=$("$WB_DIR/initramfs.sh" run "$v" "$config")
	extra=$out.extra
	rm -rf "$extra"
	mkdir -p "$extra/wb/bin"
	"$(wb_cross "$config")gcc" -static -O2 -Wall -Wextra -Werror -o "$extra/wb/bin/bench-tool" \
		"$WB_REPO/bench/guest/bench-tool.c" || die "compiling bench/guest/bench-tool.c failed"
	[[ -z $module ]] || cp "$module" "$extra/wb/"
	ln "$corpus" "$extra/wb/bench-corpus.bin" 2>/dev/null || cp "$corpus" "$extra/wb/bench-corpus.bin"
	(cd "$extra" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.extra.cpio"
	cat "$base_img" "$out.extra.cpio" >"$out.tmp"
	mv -f "$out.tmp" "$out"
	rm -rf "$extra" "$out.extra.cpio"
}

# What the arm64 guests take from Debian's arm64 archive: busybox, and
# mke2fs with the libraries and loader it needs (ext4_on_zram).
WB_ARM64_PACKAGES=(busybox-static:arm64 e2fsprogs:arm64 libext2fs2:arm64
		   libcom-err2:arm64 libblkid1:arm64 libuuid1:arm64 libc6:arm64)

# cmp_copy SRC DST: copy only when the content differs, so unchanged
# files keep their timestamps and make does not rebuild them.
cmp_copy() {
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2.wb-tmp"
		mv -f "$2.wb-tmp" "$2"
		return 0
	fi
	return 1
}

# copy_path FROM TO PATH: FROM/PATH to TO/PATH if FROM has it (a tree's
# state of one path: nothing is copied where FROM has no such file).
copy_path() {
	[[ -f $1/$3 ]] || return 0
	mkdir -p "$2/$(dirname "$3")"
	cp "$1/$3" "$2/$3"
}

# copy_state FROM TO PATHS_FILE: TO, made anew, holds FROM's state of the
# paths listed in PATHS_FILE (one per line)
copy_state() {
	local p
	rm -rf "$2"
	mkdir -p "$2"
	while read -r p; do
		copy_path "$1" "$2" "$p"
	done <"$3"
}

kernel_version() {
	make -s -C "$1" kernelversion 2>/dev/null
}

# wb_lock: one workbench run at a time per cache (test, run, check and
# patches share the assembled tree and build directories). Held until the
# calling script exits.
wb_lock() {
	# a script run by one that holds the lock (check.sh -> patches.sh)
	[[ ${WB_LOCK_HELD:-} != "$WB_CACHE" ]] || return 0
	mkdir -p "$WB_CACHE"
	exec 9>"$WB_CACHE/.lock"
	if ! flock -n 9; then
		log "another workbench run holds $WB_CACHE/.lock; waiting for it"
		flock 9
	fi
	export WB_LOCK_HELD=$WB_CACHE
}
