#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 5: build the guest initramfs (uncompressed newc cpio).
#
#   initramfs.sh test|run ours|stock CONFIG   (release, debug, debug-arm64, ...)
#
# Contents, both kinds:
#   /bin/busybox (+ applet links), /bin/bash (+ its libraries, for the zram
#   selftests), /sbin/mke2fs from e2fsprogs as mkfs.ext4 (zram01.sh),
#   coreutils' /usr/bin/timeout (the kselftest runner needs --foreground),
#   /init, /wb/lib.sh, /wb/job-*.sh           (workbench/guest/)
#   /wb/bin/wb-pressure                       (static, workbench/guest/)
# For an arm64 CONFIG (wb_arch) everything is built with the
# aarch64-linux-gnu- cross compiler, static, and busybox is Debian's
# busybox-static:arm64 (deps.sh unpacks it); mke2fs is Debian's
# e2fsprogs:arm64 with the libraries it needs (readelf's NEEDED, from
# the arm64 packages in WB_ARM64_PACKAGES, unpacked the same way) and the
# arm64 dynamic loader. The host's bash and coreutils cannot run there,
# so the arm64 image has neither: the zram selftests (bash) do not run on
# arm64, and without /usr/bin/timeout the kselftest runner runs its
# programs without its own timeout (vm.sh's bounds the boot).
# "test" adds:
#   /wb/bin/test_zswap     static, from tools/testing/selftests/cgroup
#   /wb/zram/              tools/testing/selftests/zram, unmodified
#   /wb/kselftest/         tools/testing/selftests/zsmalloc installed by the
#                          kselftest framework (make ... TARGETS=zsmalloc
#                          install), run with run_kselftest.sh; or, with no
#                          Makefile there, the directory as is in /wb/zsmalloc
#                          (run_tests.sh)
# "run" adds:
#   /wb/corpus.bin         WB_CORPUS_MIB (24) MiB of kernel source text from
#                          the assembled tree + 8 MiB of the built vmlinux
# Prints the path of the cpio on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:-} variant=${2:-} config=${3:-}
[[ $kind == test || $kind == run ]] && [[ -n $variant && -n $config ]] ||
	die "usage: initramfs.sh test|run ours|stock release|debug|debug-arm64"
arch=$(wb_arch "$config")
# The compiler for the guest's programs and kbuild's ARCH=/CROSS_COMPILE=.
cc=$(wb_cross "$config")gcc
mapfile -t kargs < <(wb_kargs "$config")
src=$(wb_src "$variant")
out=$(wb_build "$variant" "$config")
g=$WB_CACHE/guest
root=$g/root-$kind-$variant-$config
cpio=$g/initramfs-$kind-$variant-$config.cpio
glog=$WB_LOGS/initramfs-$kind-$variant-$config.log
mkdir -p "$g" "$WB_LOGS"
: >"$glog"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,wb/bin}

# copy_elf FILE DEST: copy an executable and the shared libraries it needs.
copy_elf() {
	mkdir -p "$(dirname "$root/$2")"
	cp -L "$1" "$root/$2"
	ldd "$1" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | while read -r lib; do
		[[ -e $root$lib ]] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# copy_arm64_elf FILE DEST: an arm64 executable or library from the
# unpacked packages, and (once each) the libraries it needs, into /lib.
copy_arm64_elf() {
	local lib d f p
	mkdir -p "$(dirname "$root/$2")" "$root/lib"
	cp -L "$1" "$root/$2"
	for lib in $(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[[ ! -e $root/lib/$lib ]] || continue
		f=
		for p in "${WB_ARM64_PACKAGES[@]}"; do
			d=$(wb_foreign "$p")
			for f in "$d/lib/aarch64-linux-gnu/$lib" "$d/usr/lib/aarch64-linux-gnu/$lib" ""; do
				[[ -z $f || -e $f ]] && break
			done
			[[ -z $f ]] || break
		done
		[[ -n $f ]] || die "$lib (needed by $1) is in none of: ${WB_ARM64_PACKAGES[*]}"
		copy_arm64_elf "$f" "/lib/$lib"
	done
}

busybox=/bin/busybox
[[ -x $busybox ]] || die "$busybox missing: apt-get install -y busybox-static"
if [[ $arch == arm64 ]]; then
	guest_busybox=$(wb_foreign busybox-static:arm64)/bin/busybox
	[[ -x $guest_busybox ]] || die "$guest_busybox missing: workbench/deps.sh busybox-static:arm64"
else
	guest_busybox=$busybox
fi
cp "$guest_busybox" "$root/bin/busybox"
# The applet list comes from the host's busybox (an arm64 one cannot run
# here): Debian builds busybox-static of every architecture from one
# config, and deps.sh installs the same version of both.
for a in $("$busybox" --list-full); do
	[[ -e $root/$a ]] || ln -s /bin/busybox "$root/$a"
done
if [[ $arch != arm64 ]]; then
	rm -f "$root/bin/bash" "$root/usr/bin/bash"
	copy_elf "$(command -v bash)" /bin/bash
	rm -f "$root/sbin/mke2fs"
	copy_elf "$(command -v mke2fs || echo /sbin/mke2fs)" /sbin/mke2fs
	for t in ext2 ext3 ext4; do ln -sf mke2fs "$root/sbin/mkfs.$t"; done
	[[ -f /etc/mke2fs.conf ]] && cp /etc/mke2fs.conf "$root/etc/"
	# The kselftest runner calls "timeout --foreground", which busybox lacks.
	rm -f "$root/usr/bin/timeout"
	copy_elf /usr/bin/timeout /usr/bin/timeout
else
	e2fs=$(wb_foreign e2fsprogs:arm64)
	[[ -x $e2fs/sbin/mke2fs ]] || die "$e2fs/sbin/mke2fs missing: workbench/deps.sh ${WB_ARM64_PACKAGES[*]}"
	rm -f "$root/sbin/mke2fs"
	copy_arm64_elf "$e2fs/sbin/mke2fs" /sbin/mke2fs
	for t in ext2 ext3 ext4; do ln -sf mke2fs "$root/sbin/mkfs.$t"; done
	cp "$e2fs/etc/mke2fs.conf" "$root/etc/"
	# the interpreter the executables name (readelf -l)
	cp -L "$(wb_foreign libc6:arm64)/lib/ld-linux-aarch64.so.1" "$root/lib/"
	# Busybox's timeout, where the runner does not look for it (it
	# would call it with --foreground); the guest jobs find it in PATH.
	rm -f "$root/usr/bin/timeout"
	ln -sf /bin/busybox "$root/bin/timeout"
fi
ln -s /proc/mounts "$root/etc/mtab"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

install -m 755 "$WB_DIR/guest/init" "$root/init"
install -m 644 "$WB_DIR/guest/lib.sh" "$root/wb/lib.sh"
install -m 755 "$WB_DIR"/guest/job-*.sh "$root/wb/"
"$cc" -static -O2 -Wall -Wextra -Werror -o "$root/wb/bin/wb-pressure" "$WB_DIR/guest/wb-pressure.c" ||
	die "compiling workbench/guest/wb-pressure.c failed"

if [[ $kind == test ]]; then
	# Kernel UAPI headers for the selftests (into the build dir, not the tree).
	make -C "$src" O="$out" "${kargs[@]}" headers >>"$glog" 2>&1 ||
		die "make headers failed in $out: see $glog"
	ksft=$src/tools/testing/selftests
	# test_zswap is built by its own Makefile, with the flags kselftest
	# gives it (no -O): at -O2 gcc deletes allocate_bytes()' stores into
	# memory it frees right after, and test_zswap_usage and
	# test_no_invasive_cgroup_shrink then never push anything to swap.
	rm -rf "$out/kselftest/cgroup" && mkdir -p "$out/kselftest/cgroup"
	make -C "$ksft/cgroup" "${kargs[@]}" OUTPUT="$out/kselftest/cgroup" \
		KHDR_INCLUDES="-isystem $out/usr/include" USERLDFLAGS=-static \
		"$out/kselftest/cgroup/test_zswap" >>"$glog" 2>&1 ||
		die "building test_zswap from $ksft/cgroup failed: see $glog"
	cp "$out/kselftest/cgroup/test_zswap" "$root/wb/bin/test_zswap"
	mkdir -p "$root/wb/zram"
	cp "$ksft"/zram/*.sh "$root/wb/zram/"
	if [[ -f $ksft/zsmalloc/Makefile ]]; then
		rm -rf "$out/kselftest/zsmalloc"
		make -C "$ksft" "${kargs[@]}" TARGETS=zsmalloc O="$out" USERLDFLAGS=-static \
			INSTALL_PATH="$root/wb/kselftest" install >>"$glog" 2>&1 ||
			die "building tools/testing/selftests/zsmalloc failed: see $glog"
		# Anything that still links dynamically gets its libraries.
		while IFS= read -r -d '' f; do
			file "$f" 2>/dev/null | grep -q 'dynamically linked' || continue
			[[ $arch != arm64 ]] || die "$f links dynamically: the arm64 guest has no libraries"
			copy_elf "$f" "${f#"$root"}"
		done < <(find "$root/wb/kselftest" -type f -perm -u+x -print0)
	elif [[ -d $ksft/zsmalloc ]]; then
		cp -a "$ksft/zsmalloc" "$root/wb/zsmalloc"
	fi
else
	corpus=$g/corpus-$variant-$config.bin
	if [[ ! -s $corpus || $out/vmlinux -nt $corpus ]]; then
		# (head closes the pipe early: ignore the writers' SIGPIPE)
		(cd "$src" && find mm kernel fs/ext4 lib drivers/block include/linux \
			-name '*.[ch]' -type f | LC_ALL=C sort | xargs cat 2>/dev/null || true) |
			head -c $((${WB_CORPUS_MIB:-24} << 20)) >"$corpus.tmp"
		head -c $((8 << 20)) "$out/vmlinux" >>"$corpus.tmp"
		mv "$corpus.tmp" "$corpus"
	fi
	cp "$corpus" "$root/wb/corpus.bin"
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$cpio.tmp"
mv "$cpio.tmp" "$cpio"
log "initramfs $kind: $cpio ($(($(stat -c %s "$cpio") >> 20)) MiB)"
echo "$cpio"
