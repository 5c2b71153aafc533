#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make patches`: the series as git format-patch mails against pristine
# Linux 6.12, in out/patches/ (0000-cover-letter.patch first).
#
# The mails and their order are series/mail/order; workbench/mails.sh
# works out the tree after each mail (our whole files unwound step by
# step), and each mail's diff is the difference of two of those trees.
# The result is verified by applying every mail with patch -p1 --fuzz=0
# (as git am would) to the pristine files and comparing with the
# assembled tree; bisect.sh (make check) applies them with git am and
# builds after each.
#
# The cover letter is series/mail/cover.txt with, filled in: the
# headline rows of bench/results/table.txt (make bench), the summary of
# the last whole `make test` run on this machine (if any), checkpatch
# --strict on every mail with the reason for each warning kept
# (series/mail/checkpatch-kept), and the list of mails with their sizes.
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

"$WB_DIR/mails.sh" snapshots "$tmp/snap"
total=$(wc -l <"$tmp/snap/mails")

declare -a subjects=() files=() sizes=()
i=0
while read -r msg _; do
	i=$((i + 1))
	subject=$(head -1 "$msg")
	awk 'NR > 2 && /^---$/ { exit } NR > 2' "$msg" >"$tmp/body"
	"$WB_DIR/mails.sh" diff "$tmp/snap" "$i" >"$tmp/d"
	[[ -s $tmp/d ]] || die "mail $i ($subject) changes nothing"
	slug=$(tr -c 'A-Za-z0-9\n' - <<<"$subject" | tr -s - | cut -c1-52 | sed 's/-$//')
	f=$outdir/$(printf %04d "$i")-$slug.patch
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: $author <$email>"
		echo "Date: $date"
		echo "Subject: [PATCH $i/$total] $subject"
		echo
		cat "$tmp/body"
		echo "---"
		git apply --stat <"$tmp/d"
		echo
		cat "$tmp/d"
		echo "-- "
		echo "$version"
		echo
	} >"$f"
	subjects+=("$subject")
	files+=("$f")
	sizes+=("+$(grep -c '^+\([^+]\|$\)' "$tmp/d" || true)/-$(grep -c '^-\([^-]\|$\)' "$tmp/d" || true)")
done <"$tmp/snap/mails"

# Verify: the mails applied in order to pristine files give the assembled
# tree, each exactly (--fuzz=0).
copy_state "$WB_BASE" "$tmp/verify" "$tmp/snap/paths"
for f in "${files[@]}"; do
	patch -p1 -d "$tmp/verify" --batch --fuzz=0 --no-backup-if-mismatch -s <"$f" >/dev/null ||
		die "$(basename "$f") does not apply to pristine $version + the mails before it"
done
while read -r p; do
	if [[ -f $src/$p ]]; then
		cmp -s "$tmp/verify/$p" "$src/$p" || die "after the series, $p differs from the assembled tree"
	else
		[[ ! -f $tmp/verify/$p ]] || die "after the series, $p exists; the assembled tree has none"
	fi
done <"$tmp/snap/paths"

# checkpatch on every mail; a warning kept needs its reason in
# series/mail/checkpatch-kept ("<mail subject> | <message> | <reason>")
kept=$WB_REPO/series/mail/checkpatch-kept
: >"$tmp/checkpatch"
cp_status=0
for idx in "${!files[@]}"; do
	out=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-signoff --terse --no-summary \
		"${files[$idx]}" 2>&1 | sed 's/^[^:]*:[0-9]*: //' || true)
	rm -f "$src"/.checkpatch-camelcase.* 2>/dev/null || true
	[[ -n $out ]] || continue
	while IFS= read -r w; do
		reason=$(awk -F' [|] ' -v s="${subjects[$idx]}" -v w="$w" \
			'$1 == s && index(w, $2) { print $3; exit }' "$kept" 2>/dev/null || true)
		if [[ $w == ERROR:* || -z $reason ]]; then
			log "checkpatch, $((idx + 1))/$total ${subjects[$idx]}: $w"
			cp_status=1
		fi
		printf ' %d/%d %s\n     %s\n' $((idx + 1)) "$total" "$w" "${reason:-(no reason given)}" >>"$tmp/checkpatch"
	done <<<"$out"
done

# The cover letter
{
	echo "Headline rows of make bench (bench/results/table.txt): metric, unit,"
	echo "stock 6.12, this series, gain (> 1: this series is better)."
	sed -n '1s/ (text part.*//p' "$WB_REPO/bench/results/table.txt" | fold -s -w 72 | sed 's/^/  /; s/ *$//'
	awk '
	/^== / { sec = $0; want = (sec ~ /order 3$/ || sec ~ /^== compaction/ ||
			sec ~ /icount, 1 CPU\), size mix/ || sec ~ /^== free latency \(TCG\)/); shown = 0; next }
	want && /^(compr\/mem_used|mem_used_total|mem_used after|pages freed|malloc\+map|map\(RO\)|free |munmap, ours deferral on|settle, ours deferral on)/ {
		if (!shown) { print ""; print sec; shown = 1 }
		print
	}' "$WB_REPO/bench/results/table.txt" | sed -E 's/ {3,}/\t/g' |
		awk -F'\t' '
		# columns aligned within each section (the table'"'"'s are wider)
		function flush(  i, j, line) {
			for (i = 1; i <= n; i++) {
				line = sprintf("  %-" w[1] "s", row[i, 1])
				for (j = 2; j <= nf[i]; j++)
					line = line sprintf(j == 2 ? "  %-" w[j] "s" : "  %" w[j] "s", row[i, j])
				print line
			}
			n = 0
			split("", w)
		}
		/^== / || /^$/ { flush(); print; next }
		{ n++; nf[n] = NF; for (j = 1; j <= NF; j++) { row[n, j] = $j; if (length($j) > w[j]) w[j] = length($j) } }
		END { flush() }' 
	echo
	echo "Worse than stock in that run: $(grep -c '^  WORSE' "$WB_REPO/bench/results/table.txt") of"
	echo "$(sed -n 's/^\([0-9]*\) rows.*/\1/p' "$WB_REPO/bench/results/table.txt") rows, each explained in the project's README (orders 2 and 4,"
	echo "waste shares that closed classes trade for fewer free slots, op costs"
	echo "timed on 2 TCG CPUs)."
} >"$tmp/bench"
if [[ -f $WB_LOGS/test-summary.txt ]]; then
	sed 's/^/  /' "$WB_LOGS/test-summary.txt" >"$tmp/tests"
else
	echo "  (no whole make test run on this machine yet: its summary goes here)" >"$tmp/tests"
fi
[[ -s $tmp/checkpatch ]] || echo " no errors, no warnings" >"$tmp/checkpatch"
{
	echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
	echo "From: $author <$email>"
	echo "Date: $date"
	echo "Subject: [PATCH 0/$total] $(head -1 "$WB_REPO/series/mail/cover.txt")"
	echo
	tail -n +3 "$WB_REPO/series/mail/cover.txt" | while IFS= read -r line; do
		case $line in
		@BENCH@) cat "$tmp/bench" ;;
		@TESTS@) cat "$tmp/tests" ;;
		@CHECKPATCH@) cat "$tmp/checkpatch" ;;
		*) echo "${line//@VERSION@/$version}" ;;
		esac
	done
	echo
	echo "The series (lines added/removed):"
	for idx in "${!subjects[@]}"; do
		printf '  %2d/%d %s (%s)\n' $((idx + 1)) "$total" "${subjects[$idx]}" "${sizes[$idx]}"
	done
	echo
	"$WB_DIR/mails.sh" diff "$tmp/snap" "$total" 0 | git apply --stat
	echo
	echo "Based on Linux $version (Debian's linux-source-6.12)."
	echo "-- "
	echo "$version"
} >"$outdir/0000-cover-letter.patch"

log "wrote $((total + 1)) mails to $outdir (verified against pristine $version)"
for idx in "${!subjects[@]}"; do
	printf '  %2d %-72s %s\n' $((idx + 1)) "${subjects[$idx]}" "${sizes[$idx]}"
done
[[ $cp_status -eq 0 ]] || die "checkpatch: errors, or warnings with no reason in series/mail/checkpatch-kept (above)"
