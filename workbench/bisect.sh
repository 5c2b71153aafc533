#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series is bisectable: apply the mails of out/patches (make patches)
# with git am, one at a time, to a git tree of pristine 6.12, and build
# the kernel after each one, for x86_64 and i386 with our debug configs
# (the .config of the whole series; olddefconfig drops what a patch does
# not have yet). A mail that touches only tools/ or Documentation/ is
# applied, not built. After the last mail the tree must be byte for byte
# the one make test assembles, and the x86_64 kernel built from it must
# pass the KUnit suite (booted like make test's kunit32 leg: the built-in
# suite alone).
#
#   bisect.sh [--no-kunit]
#
# The git tree and its builds live in $WB_CACHE/bisect/ (first run: a
# copy of the base tree committed once, a minute or two; the builds are
# incremental, about a minute a mail and architecture after the first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kunit=1
[[ ${1:-} != --no-kunit ]] || kunit=0
patches=$WB_REPO/out/patches
ls "$patches"/0*.patch >/dev/null 2>&1 || die "no mails in $patches: run make patches first"
dir=$WB_CACHE/bisect
repo=$dir/linux
src=$(wb_src ours)
version=$(kernel_version "$WB_BASE")

# 1. A git tree of pristine 6.12, committed once
if [[ ! -f $repo/.git/wb-base || $(cat "$repo/.git/wb-base") != $(cat "$WB_BASE/.wb-unpacked") ]]; then
	log "making a git tree of pristine $version in $repo (once)"
	rm -rf "$repo"
	mkdir -p "$dir"
	cp -a "$WB_BASE" "$repo"
	rm -f "$repo/.wb-unpacked"
	git -C "$repo" init -q
	# Debian's tree ignores everything at its top level (.gitignore): -f
	git -C "$repo" add -A -f .
	git -C "$repo" -c user.name=wb -c user.email=wb@localhost commit -q -m "Linux $version"
	git -C "$repo" tag -f pristine >/dev/null
	cp "$WB_BASE/.wb-unpacked" "$repo/.git/wb-base"
fi
git -C "$repo" am --abort >/dev/null 2>&1 || true
git -C "$repo" checkout -q -f pristine
git -C "$repo" clean -fdxq

# 2. The .config of the whole series, for each architecture
configs=(debug debug32)
for c in "${configs[@]}"; do
	"$WB_DIR/config.sh" ours "$c" >/dev/null
	cp "$(wb_build ours "$c")/.config" "$dir/$c.config"
done

# 3. Each mail: git am, then build
n=0
mails=("$patches"/0*.patch)
total=$((${#mails[@]} - 1))	# the cover letter is 0000
for p in "${mails[@]}"; do
	[[ $(basename "$p") != 0000-cover-letter.patch ]] || continue
	n=$((n + 1))
	subject=$(sed -n 's/^Subject: \[PATCH [0-9]*\/[0-9]*\] //p' "$p" | head -1)
	git -C "$repo" -c user.name=wb -c user.email=wb@localhost am -q "$p" ||
		die "git am of $(basename "$p") failed on pristine $version + the mails before it"
	if ! git -C "$repo" diff --name-only HEAD~1 HEAD | grep -qv -E '^(tools|Documentation)/'; then
		printf '  %2d/%d %-66s applied (no kernel file)\n' "$n" "$total" "${subject:0:66}"
		continue
	fi
	res=()
	for c in "${configs[@]}"; do
		out=$dir/build-$c
		mkdir -p "$out"
		cmp -s "$dir/$c.config" "$out/.config" || cp "$dir/$c.config" "$out/.config"
		mapfile -t kargs < <(wb_kargs "$c")
		make -C "$repo" O="$out" "${kargs[@]}" olddefconfig >"$WB_LOGS/bisect-$c-config.log" 2>&1 ||
			die "olddefconfig ($c) failed after mail $n: $WB_LOGS/bisect-$c-config.log"
		start=$(date +%s)
		WB_SRC_DIR=$repo WB_BUILD_DIR=$out "$WB_DIR/build.sh" ours "$c" 2>"$WB_LOGS/bisect-$c-build.err" >/dev/null || {
			cat "$WB_LOGS/bisect-$c-build.err" >&2
			die "mail $n/$total ($subject) does not build for $(wb_arch "$c"): see $WB_LOGS/build-$c.log"
		}
		if grep -E '(mm/zsmalloc|lib/test_zsmalloc|include/linux/zsmalloc|drivers/block/zram|mm/zswap|mm/zpool)[^:]*:[0-9]+:[0-9]+: warning' \
			"$WB_LOGS/build-$c.log"; then
			die "mail $n/$total ($subject): warnings in the series' files ($(wb_arch "$c"))"
		fi
		res+=("$(wb_arch "$c") $(($(date +%s) - start)) s")
	done
	built=${res[0]}
	[[ ${#res[@]} -lt 2 ]] || built="$built, ${res[1]}"
	printf '  %2d/%d %-66s built (%s)\n' "$n" "$total" "${subject:0:66}" "$built"
done

# 4. The tree after the last mail is make test's
"$WB_DIR/assemble.sh" ours >/dev/null
if ! diff -rq --exclude=.git --exclude='.wb-*' --exclude='.checkpatch-camelcase.*' "$repo" "$src" >"$dir/tree.diff"; then
	cat "$dir/tree.diff" >&2
	die "after git am of the series, the tree differs from the one make test assembles (above)"
fi
echo "  the tree after mail $total is the one make test builds"

# 5. Its kernel passes the KUnit suite
if [[ $kunit == 1 ]]; then
	k=$dir/build-debug/$(wb_image debug)
	WB_VM_MEM=1G WB_VM_TIMEOUT=${WB_VM_TIMEOUT:-900} "$WB_DIR/vm.sh" "$k" none kunit bisect-kunit >/dev/null ||
		die "the KUnit boot of the bisect kernel failed: $WB_LOGS/bisect-kunit-console.log"
	"$WB_DIR/parse-results.sh" kunit "$WB_LOGS/bisect-kunit-console.log" "$repo" bisect-kunit ||
		die "KUnit failed on the kernel built from the series"
fi
