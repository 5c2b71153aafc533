#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 2: assemble the build source tree for a variant.
#
#   assemble.sh ours   base 6.12 + our whole files + patches in series/series
#   assemble.sh stock  base 6.12 + selftests only + series/series.stock
#                      (pristine allocator, for side-by-side benchmarks)
#
# The result is $WB_CACHE/src-<variant>/. It starts as a hard-link copy of
# the pristine base tree (cheap); every file we change is first built in a
# staging directory and then copied over only when its content differs
# (cmp_copy replaces the link, so the base tree is never written). Files
# changed by a previous assembly but not by this one are restored from the
# base tree. Unchanged files keep their timestamps: a one-file change
# rebuilds in seconds.
#
# Patches must apply exactly (--fuzz=0, like git am).
#
# Environment: WB_SERIES=<file> overrides the series file (used by the
# workbench's own tests).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-}
case $variant in
ours)
	series=${WB_SERIES:-$WB_REPO/series/series}
	[[ -f $WB_REPO/mm/zsmalloc.c ]] ||
		die "variant 'ours' needs $WB_REPO/mm/zsmalloc.c, which does not exist: we never test the base tree's zsmalloc under our name (use variant 'stock' for pristine 6.12)"
	files=("${WB_OWNED_FILES[@]}")
	;;
stock)
	series=${WB_SERIES:-$WB_REPO/series/series.stock}
	files=()
	;;
*)
	die "usage: assemble.sh ours|stock"
	;;
esac
[[ -f $series ]] || die "series file $series not found"
[[ -f $WB_BASE/.wb-unpacked ]] || die "no base tree in $WB_BASE: run workbench/base.sh first"

src=$(wb_src "$variant")
manifest=$src/.wb-manifest

# 1. Fresh hard-link copy of the base tree on first use or new base.
if [[ ! -f $src/.wb-base || $(cat "$src/.wb-base") != $(cat "$WB_BASE/.wb-unpacked") ]]; then
	log "creating $src (hard-link copy of the base tree)"
	mkdir -p "$WB_CACHE"
	rm -rf "$src" "$src.tmp"
	cp -al "$WB_BASE" "$src.tmp"
	rm -f "$src.tmp/.wb-unpacked"
	cp "$WB_BASE/.wb-unpacked" "$src.tmp/.wb-base"
	: >"$src.tmp/.wb-manifest"
	mv "$src.tmp" "$src"
fi

# 2. Stage our whole files and the patched files.
mkdir -p "$WB_CACHE/tmp"
stage=$(mktemp -d "$WB_CACHE/tmp/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
declare -A want=()

for f in "${files[@]}"; do
	if [[ -f $WB_REPO/$f ]]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp "$WB_REPO/$f" "$stage/$f"
		want[$f]=1
	elif [[ $f == mm/zsmalloc.c ]]; then
		die "$WB_REPO/$f missing"
	else
		log "note: $f not in the repo yet; the base tree's copy stays"
	fi
done
for d in "${WB_OWNED_DIRS[@]}"; do
	[[ -d $WB_REPO/$d ]] || continue
	while IFS= read -r -d '' f; do
		f=${f#"$WB_REPO/"}
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$WB_REPO/$f" "$stage/$f"
		want[$f]=1
	done < <(find "$WB_REPO/$d" -type f ! -name '*.o' ! -name '*~' -print0)
done

npatch=0
while read -r p; do
	p=${p%%#*}
	p=${p//[[:space:]]/}
	[[ -n $p ]] || continue
	pf=$(dirname "$series")/$p
	[[ -f $pf ]] || die "patch $p listed in $series does not exist"
	# Paths the patch touches (a/ and b/ sides, /dev/null ignored).
	mapfile -t paths < <(sed -n -E 's#^(---|\+\+\+) [ab]/([^[:space:]]+).*#\2#p' "$pf" | sort -u)
	[[ ${#paths[@]} -gt 0 ]] || die "patch $p (in $series) touches no file: is it in -p1 (a/ b/) format?"
	for f in "${paths[@]}"; do
		if [[ ! -e $stage/$f && -f $WB_BASE/$f ]]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp "$WB_BASE/$f" "$stage/$f"
		fi
		want[$f]=1
	done
	if ! out=$(patch -p1 -d "$stage" --batch --forward --fuzz=0 --no-backup-if-mismatch -r - <"$pf" 2>&1); then
		echo "$out" >&2
		die "series patch $p FAILED to apply (listed in $series): refresh it against 6.12 + the patches before it"
	fi
	npatch=$((npatch + 1))
done <"$series"

# 3. Copy what differs into the build source; restore what we no longer change.
changed=0
for f in "${!want[@]}"; do
	if [[ -f $stage/$f ]]; then
		cmp_copy "$stage/$f" "$src/$f" && { changed=$((changed + 1)); log "updated $f"; }
	elif [[ -e $src/$f ]]; then
		rm -f "$src/$f"; changed=$((changed + 1)); log "removed $f"
	fi
done
while IFS= read -r f; do
	[[ -n $f && -z ${want[$f]:-} ]] || continue
	if [[ -f $WB_BASE/$f ]]; then
		cmp_copy "$WB_BASE/$f" "$src/$f" && { changed=$((changed + 1)); log "restored $f from base"; }
	else
		rm -f "$src/$f"; changed=$((changed + 1)); log "removed $f"
	fi
done <"$manifest"
printf '%s\n' "${!want[@]}" | sort >"$manifest"

log "assembled $variant in $src: Linux $(kernel_version "$src"), ${#want[@]} files from us, $npatch patches, $changed files changed"
