#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series as mails: which mail carries which change, and the tree after
# each mail. Read by patches.sh (make patches) and bisect.sh (make check).
#
# series/mail/order lists the mails in the order they are sent, one line
# each; a line lists the parts of the mail (see that file). Our own files
# are whole files in the repository, so the state of one of them after an
# early mail is not stored: it is unwound from the final file. Walking the
# mails from the last to the first, each part is undone on a copy of the
# assembled tree:
#   - a patch part (series/X.patch, or a step series/mail/X.patch of our
#     own files) is reverse-applied with patch -R --fuzz=0;
#   - a files: part puts its paths back to what pristine 6.12 has (or
#     removes them).
# The tree before each mail is kept (a snapshot of the paths the series
# touches); after the first mail is undone it must equal pristine 6.12.
# A mail's diff is then the difference of two consecutive snapshots.
#
#   mails.sh snapshots DIR   write DIR/0 (pristine) .. DIR/N (the last
#                            mail) and DIR/mails (N lines: message file,
#                            then the parts); fails if a step does not
#                            unwind exactly
#   mails.sh extract DIR     the same, but a step that does not unwind
#                            exactly is applied with fuzz and its rejects
#                            kept (DIR/<n>/**/*.rej): after changing one
#                            of our files, fix the snapshots by hand, then
#   mails.sh refresh DIR     rewrite the diff of every step in series/mail
#                            from the snapshots around its mail
#   mails.sh diff DIR N [M]  the diff of mail N (snapshot N-1, or M, to N)
#
# Needs the assembled tree (assemble.sh ours) and the base tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

order=$WB_REPO/series/mail/order
src=$(wb_src ours)

# part_file PART: the patch or message file behind a part, or "" for files:.
part_file() {
	case $1 in
	files:*) ;;
	*.txt) echo "$WB_REPO/series/mail/$1" ;;
	*.patch)
		if [[ -f $WB_REPO/series/$1 ]]; then
			echo "$WB_REPO/series/$1"
		else
			echo "$WB_REPO/series/mail/$1"
		fi
		;;
	*) die "series/mail/order: cannot read part '$1'" ;;
	esac
}

# patch_diff FILE: the diff of a patch file (after its "---" line)
patch_diff() { awk 'f; /^---$/ && !f { f = 1 }' "$1"; }

# diff_paths: the paths a diff on stdin touches
diff_paths() {
	sed -n -E 's#^(---|\+\+\+) [ab]/([^[:space:]]+).*#\2#p' | sort -u
}

# files_paths PART: the paths of a files: part, directories expanded to
# the files the assembled tree has there.
files_paths() {
	local p
	tr ',' '\n' <<<"${1#files:}" | while read -r p; do
		[[ -n $p ]] || continue
		if [[ -d $src/$p ]]; then
			(cd "$src" && find "$p" -type f | sort)
		else
			echo "$p"
		fi
	done
}

# read_mails: MAILS[i] = "part part ..." for i = 1..N, in order
declare -a MAILS=("")
read_mails() {
	[[ -f $order ]] || die "no $order"
	local line words
	while IFS= read -r line; do
		read -ra words <<<"${line%%#*}"
		[[ ${#words[@]} -gt 0 ]] || continue
		MAILS+=("${words[*]}")
	done <"$order"
	[[ ${#MAILS[@]} -gt 1 ]] || die "$order lists no mail"
}

# all_paths: every path any part touches
all_paths() {
	local i part
	for ((i = 1; i < ${#MAILS[@]}; i++)); do
		for part in ${MAILS[$i]}; do
			case $part in
			files:*) files_paths "$part" ;;
			*.patch) patch_diff "$(part_file "$part")" | diff_paths ;;
			esac
		done
	done | sort -u
}

# snapshots DIR FUZZ: see the header; FUZZ=1 keeps going on rejects
snapshots() {
	local dir=$1 fuzz=$2 i j part f n bad=0
	read_mails
	n=$((${#MAILS[@]} - 1))
	rm -rf "$dir"
	mkdir -p "$dir"
	all_paths >"$dir/paths"
	copy_state "$src" "$dir/work" "$dir/paths"
	: >"$dir/mails"
	for ((i = 1; i <= n; i++)); do
		# the message comes from the first part that is a file
		f=
		for part in ${MAILS[$i]}; do
			[[ $part == files:* ]] || { f=$(part_file "$part"); break; }
		done
		[[ -n $f && -f $f ]] || die "mail $i (${MAILS[$i]}): no message file"
		echo "$f ${MAILS[$i]}" >>"$dir/mails"
	done
	for ((i = n; i >= 1; i--)); do
		cp -r "$dir/work" "$dir/$i"
		local parts
		read -ra parts <<<"${MAILS[$i]}"
		for ((j = ${#parts[@]} - 1; j >= 0; j--)); do
			part=${parts[$j]}
			case $part in
			*.txt) ;;
			files:*)
				while read -r f; do
					rm -f "$dir/work/$f"
					copy_path "$WB_BASE" "$dir/work" "$f"
				done < <(files_paths "$part")
				;;
			*.patch)
				f=$(part_file "$part")
				if patch_diff "$f" | patch -R -p1 -d "$dir/work" --batch \
					--fuzz=0 --dry-run -s >/dev/null 2>&1; then
					patch_diff "$f" | patch -R -p1 -d "$dir/work" --batch \
						--fuzz=0 --no-backup-if-mismatch -s
				elif [[ $fuzz == 1 ]]; then
					log "mail $i: ${f#"$WB_REPO/"} unwinds only with fuzz; rejects (*.rej) in $dir/$((i - 1))"
					patch_diff "$f" | patch -R -p1 -d "$dir/work" --batch \
						--no-backup-if-mismatch -s >/dev/null 2>&1 || bad=1
				else
					die "${f#"$WB_REPO/"} does not unwind from our files as they are (each step must be exact): run workbench/mails.sh extract <dir>, fix the snapshots by hand, then mails.sh refresh <dir>"
				fi
				;;
			esac
		done
	done
	cp -r "$dir/work" "$dir/0"
	rm -rf "$dir/work"
	# Undoing every mail must give pristine 6.12 back
	while read -r f; do
		if [[ -f $WB_BASE/$f ]]; then
			cmp -s "$WB_BASE/$f" "$dir/0/$f" || { log "unwound $f differs from pristine"; bad=1; }
		elif [[ -f $dir/0/$f ]]; then
			log "unwound tree still has $f, which pristine has not"
			bad=1
		fi
	done <"$dir/paths"
	if [[ $bad -ne 0 && $fuzz != 1 ]]; then
		die "the mails do not add up to pristine 6.12 + our tree (above)"
	fi
	return 0
}

# tree_diff OLD NEW PATH...: git-style diff (a/ b/) of PATHs from OLD to
# NEW, made in a scratch repository so that -B works: a file rewritten
# (the allocator) reads as the old text out and the new in.
tree_diff() {
	local old=$1 new=$2 tmp p
	shift 2
	tmp=$(mktemp -d)
	git -C "$tmp" init -q
	for p in "$@"; do
		copy_path "$old" "$tmp" "$p"
	done
	git -C "$tmp" add -A
	git -C "$tmp" -c user.name=wb -c user.email=wb@localhost commit -q --allow-empty -m old
	for p in "$@"; do
		rm -f "$tmp/$p"
		copy_path "$new" "$tmp" "$p"
	done
	git -C "$tmp" add -A
	git -C "$tmp" -c diff.noprefix=false -c core.quotepath=off diff --cached -B
	rm -rf "$tmp"
}

# mail_diff DIR I [FROM]: the diff of mail I, snapshot I-1 (or FROM) -> I
mail_diff() {
	local paths
	mapfile -t paths <"$1/paths"
	tree_diff "$1/${3:-$(($2 - 1))}" "$1/$2" "${paths[@]}"
}

# refresh DIR: rewrite each step's diff from the snapshots around it
refresh() {
	local dir=$1 i part f paths
	read_mails
	for ((i = 1; i < ${#MAILS[@]}; i++)); do
		for part in ${MAILS[$i]}; do
			[[ $part == *.patch ]] || continue
			f=$(part_file "$part")
			[[ $f == "$WB_REPO/series/mail/"* ]] || continue
			mapfile -t paths < <(patch_diff "$f" | diff_paths)
			{
				awk '/^---$/ { print; exit } { print }' "$f"
				tree_diff "$dir/$((i - 1))" "$dir/$i" "${paths[@]}"
			} >"$dir/refresh.tmp"
			if ! cmp -s "$dir/refresh.tmp" "$f"; then
				mv "$dir/refresh.tmp" "$f"
				log "refreshed ${f#"$WB_REPO/"}"
			fi
			rm -f "$dir/refresh.tmp"
		done
	done
}

case ${1:-} in
snapshots) snapshots "${2:?usage: mails.sh snapshots DIR}" 0 ;;
extract) snapshots "${2:?usage: mails.sh extract DIR}" 1 ;;
refresh) refresh "${2:?usage: mails.sh refresh DIR}" ;;
diff) mail_diff "${2:?}" "${3:?}" "${4:-}" ;;
*) die "usage: mails.sh snapshots|extract|refresh DIR | diff DIR N [FROM]" ;;
esac
