#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make patches`: the series as git format-patch mails against pristine
# Linux 6.12, in out/patches/ (0000-cover-letter.patch first).
#
# Order: the series/series patches above its "#@ allocator" line, our whole
# files (allocator + header, documentation, selftests, KUnit suite), then
# the rest of series/series in order. The result is verified by
# applying every patch with patch -p1 --fuzz=0 to the pristine files and
# comparing with the assembled tree (git am applies the same diffs).
# Author and date come from git config / the repo's last commit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
wb_lock

"$WB_DIR/base.sh"
"$WB_DIR/assemble.sh" ours >/dev/null
src=$(wb_src ours)
outdir=$WB_REPO/out/patches
rm -rf "$outdir"
mkdir -p "$outdir" "$WB_CACHE/tmp"
tmp=$(mktemp -d "$WB_CACHE/tmp/patches.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

author=$(git -C "$WB_REPO" config user.name 2>/dev/null || echo "zsmalloc series")
email=$(git -C "$WB_REPO" config user.email 2>/dev/null || echo "zsmalloc@localhost")
date=$(git -C "$WB_REPO" log -1 --format=%aD 2>/dev/null || date -R)
version=$(kernel_version "$WB_BASE")

declare -a subjects=() files=()
nr=0
# emit SUBJECT BODYFILE DIFFFILE
emit() {
	nr=$((nr + 1))
	subjects+=("$1")
	local slug
	slug=$(tr -c 'A-Za-z0-9\n' - <<<"$1" | tr -s - | cut -c1-52 | sed 's/-$//')
	local f=$outdir/$(printf %04d $nr)-$slug.patch
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: $author <$email>"
		echo "Date: $date"
		echo "Subject: [PATCH $nr/@TOTAL@] $1"
		echo
		cat "$2"
		echo "---"
		git apply --stat <"$3" || true
		echo
		cat "$3"
		echo "-- "
		echo "$version"
		echo
	} >"$f"
	files+=("$f")
}

# diff_files PATH...: git-style diff of base -> assembled for PATHs.
diff_files() {
	rm -rf "$tmp/diff"
	mkdir -p "$tmp/diff/a" "$tmp/diff/b"
	local p
	for p in "$@"; do
		if [[ -f $WB_BASE/$p ]]; then mkdir -p "$tmp/diff/a/$(dirname "$p")"; cp "$WB_BASE/$p" "$tmp/diff/a/$p"; fi
		if [[ -f $src/$p ]]; then mkdir -p "$tmp/diff/b/$(dirname "$p")"; cp "$src/$p" "$tmp/diff/b/$p"; fi
	done
	(cd "$tmp/diff" && git diff --no-index --no-prefix a b | sed "s#^diff --git b/#diff --git a/#" >"$tmp/d" || true)
	# a/x and b/x are already the a/ b/ prefixes git am expects.
	[[ -s $tmp/d ]]
}

add_owned() { # SUBJECT BODY PATH...
	local subject=$1 body=$2
	shift 2
	local have=()
	for p in "$@"; do [[ -e $WB_REPO/$p ]] && have+=("$p"); done
	[[ ${#have[@]} -gt 0 ]] || return 0
	local paths=()
	for p in "${have[@]}"; do
		if [[ -d $WB_REPO/$p ]]; then
			while IFS= read -r f; do paths+=("${f#"$WB_REPO/"}"); done < <(find "$WB_REPO/$p" -type f | sort)
		else
			paths+=("$p")
		fi
	done
	diff_files "${paths[@]}" || return 0
	echo "$body" >"$tmp/body"
	emit "$subject" "$tmp/body" "$tmp/d"
}

# emit_series FIRST|REST: the series/ patches above the "#@ allocator" line
# of series/series (what the allocator builds on), or those below it.
emit_series() {
	local part=first p pf subject
	while read -r p; do
		if [[ $p == "#@ allocator"* ]]; then part=rest; continue; fi
		p=${p%%#*}; p=${p//[[:space:]]/}
		[[ -n $p && $part == "$1" ]] || continue
		pf=$WB_REPO/series/$p
		subject=$(head -1 "$pf")
		awk 'NR > 2 && /^---$/ { exit } NR > 2' "$pf" >"$tmp/body"
		awk 'f; /^---$/ && !f { f = 1 }' "$pf" >"$tmp/d"
		emit "$subject" "$tmp/body" "$tmp/d"
	done <"$WB_REPO/series/series"
}

emit_series first
add_owned "mm/zsmalloc: replace the allocator" \
	"Replace zsmalloc with the rewrite described in Documentation/mm/zsmalloc.rst:
runtime-sized size classes, compaction, migration and per-CPU deferred free." \
	mm/zsmalloc.c mm/zsmalloc_geometry.h include/linux/zsmalloc.h
add_owned "Documentation/mm: rewrite the zsmalloc documentation" \
	"Describe the new design, its trade-offs and how to read the statistics." \
	Documentation/mm/zsmalloc.rst
add_owned "selftests/zsmalloc: add allocator selftests" \
	"Tests that run in a booted kernel against zram and zswap, in TAP." \
	tools/testing/selftests/zsmalloc
add_owned "lib: add KUnit tests for zsmalloc" \
	"The suite in lib/test_zsmalloc.c; the Kconfig symbol and Makefile rule follow." \
	lib/test_zsmalloc.c

emit_series rest

total=$nr
sed -i "s/@TOTAL@/$total/" "${files[@]}"
{
	echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
	echo "From: $author <$email>"
	echo "Date: $date"
	echo "Subject: [PATCH 0/$total] mm/zsmalloc: a rewritten zsmalloc for Linux $version"
	echo
	echo "This series replaces zsmalloc (mm/zsmalloc.c) in Linux $version. zram and"
	echo "zswap work unmodified on top of it. See the patches for details."
	echo
	for i in "${!subjects[@]}"; do printf '  %d/%d %s\n' $((i + 1)) "$total" "${subjects[$i]}"; done
	echo
	echo "Tested with the workbench in the project repository (make test)."
	echo
	echo "-- "
	echo "$version"
} >"$outdir/0000-cover-letter.patch"

# Verify: the diffs applied in order to pristine files give the assembled tree.
mkdir -p "$tmp/verify"
for f in "${files[@]}"; do
	for p in $(sed -n -E 's#^(---|\+\+\+) [ab]/([^[:space:]]+).*#\2#p' "$f" | sort -u); do
		if [[ ! -e $tmp/verify/$p && -f $WB_BASE/$p ]]; then
			mkdir -p "$tmp/verify/$(dirname "$p")"; cp "$WB_BASE/$p" "$tmp/verify/$p"
		fi
	done
	patch -p1 -d "$tmp/verify" --batch --fuzz=0 --no-backup-if-mismatch -s <"$f" ||
		die "$(basename "$f") does not apply to pristine $version + the patches before it"
done
(cd "$tmp/verify" && find . -type f) | while read -r p; do
	cmp -s "$tmp/verify/$p" "$src/$p" || die "after applying the series, $p differs from the assembled tree"
done
log "wrote $((total + 1)) patches to $outdir (verified against pristine $version)"
ls "$outdir"
