#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Count test results from a VM run.
#
#   parse-results.sh kunit CONSOLE_LOG SRC_TREE [NAME]
#       KUnit KTAP in the console log, parsed by SRC_TREE's own
#       tools/testing/kunit/kunit.py parse; failed = failed + crashed + errors.
#       NAME (default kunit) names the summary row.
#   parse-results.sh selftest RESULTS_LOG [PREFIX [SUFFIX]]
#       Every WB-SUITE-BEGIN/END section of the guest's results log:
#       - zram: one result per zram0N.sh ("zram0N : [PASS]" and no "FAIL"
#         line in its output counts as passed);
#       - any other suite: TAP. With the kselftest runner a program's own
#         cases appear nested ("# ok 1 ..."): those are counted, plus one
#         failure if the program itself is "not ok" without a failed case.
#         "ok ... # SKIP" is skipped; "1..0 # SKIP" alone counts one skip.
#       Tests a plan line (1..N) announced but that never reported count
#       as failures (a crash or kill mid-program).
#       A failure listed in workbench/known-failures (suite:test) is
#       counted as skipped and printed as a known failure.
#       A suite that exits non-zero with no failed case counts one failure;
#       one that never reaches WB-SUITE-END (VM died) counts one failure.
#       PREFIX names the rows PREFIX-<suite> (a suite run on another kernel),
#       SUFFIX <suite>-SUFFIX (PREFIX "" for SUFFIX alone: zsmalloc-arm64).
#
# Prints a line per suite and appends "name passed failed skipped" lines
# to $WB_COUNTS if set. Exit 1 if anything failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

record() { # name passed failed skipped
	echo "$1: $2 passed, $3 failed, $4 skipped"
	[[ -z ${WB_COUNTS:-} ]] || echo "$1 $2 $3 $4" >>"$WB_COUNTS"
	[[ $3 -eq 0 ]]
}

case ${1:-} in
kunit)
	log=$(realpath "$2") src=$3 row=${4:-kunit}
	set +e
	out=$(PYTHONDONTWRITEBYTECODE=1 python3 "$src/tools/testing/kunit/kunit.py" parse "$log" 2>&1)
	set -e
	out=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")
	echo "$out" | sed 's/^/  /'
	line=$(grep -o 'Testing complete\..*' <<<"$out" | tail -1 || true)
	if [[ -z $line ]] || grep -q 'Could not find any KTAP output' <<<"$out"; then
		echo "  kunit: no KTAP output found in $log (did the suite build? kunit.filter_glob too narrow?)"
		record "$row" 0 1 0
		exit
	fi
	n() { grep -oE "$1: [0-9]+" <<<"$line" | grep -oE '[0-9]+' || echo 0; }
	p=$(n passed) f=$(n failed) c=$(n crashed) s=$(n skipped) e=$(n errors)
	[[ $((p + f + c + s + e)) -gt 0 ]] || { echo "  kunit: no test cases ran"; e=1; }
	record "$row" "$p" $((f + c + e)) "$s"
	;;
selftest)
	log=$2 prefix=${3:+$3-} suffix=${4:+-$4}
	counts=$(mktemp)
	trap 'rm -f "$counts"' EXIT
	known=$(grep -v '^#' "$WB_DIR/known-failures" 2>/dev/null | awk 'NF { printf "%s|", $1 }' || true)
	tr -d '\r' <"$log" | awk -v known="$known" '
	BEGIN { n = split(known, k, "|"); for (i = 1; i <= n; i++) if (k[i] != "") K[k[i]] = 1 }
	function tname(l,    t) { t = l; sub(/^(not )?ok [0-9]+ */, "", t); sub(/ *#.*$/, "", t); return t }
	# bad(line, name, nested): a failure, unless listed in known-failures
	function bad(l, name, nested) {
		if ((suite ":" name) in K) {
			notes = notes "\n    known failure, counted as skipped: " l
			if (nested) nested_s++; else skip++
		} else {
			failed = failed "\n    " l
			if (nested) nested_f++; else fail++
		}
	}
	function finish(name, rc,    p, f, s) {
		p = pass; f = fail; s = skip
		if (name == "zram" && zres == 0) { f++; failed = failed "\n    (no zram0N result line)" }
		if (name != "zram" && pass + fail + skip == 0 && plan_skip) s++
		if (plan > p + f + s) { failed = failed "\n    (" plan - p - f - s " of " plan " planned tests did not report)"; f += plan - p - f - s }
		if (rc == 4 && p + f + s == 0) s++
		else if (rc != 0 && f == 0 && !xfailed) { f++; failed = failed "\n    (exit code " rc ")" }
		if (rc == -1) failed = failed "\n    (suite did not finish: VM died or timed out)"
		printf "%s %d %d %d%s%s\n", name, p, f, s, failed, notes
	}
	/^WB-SUITE-BEGIN / { suite = $2; pass = fail = skip = 0; nested_p = nested_f = nested_s = 0
		zres = 0; zfail = 0; plan_skip = 0; xfailed = 0; plan = nplan = 0; failed = notes = ""; open = 1; next }
	/^WB-SUITE-END / { finish(suite, substr($3, 4) + 0); open = 0; next }
	!open { next }
	suite == "zram" {
		if ($0 ~ /FAIL/ && $0 !~ /: \[FAIL\]/) zfail = 1
		if (match($0, /^zram0[0-9]+ : \[(PASS|FAIL)\]/)) {
			zres++
			if ($0 ~ /\[PASS\]/ && !zfail) pass++
			else { s0 = skip; bad($0, $1, 0); if (skip > s0) xfailed = 1 }
			zfail = 0
		}
		next
	}
	/^1\.\.0 .*# *SKIP/ || /^# 1\.\.0 .*# *SKIP/ { plan_skip = 1 }
	{
		line = $0; depth = 0
		while (sub(/^# /, "", line)) depth++
		if (line ~ /^1\.\.[0-9]+/) { v = substr(line, 4) + 0; if (depth == 0) plan = v; else if (depth == 1) nplan = v; next }
		if (line !~ /^(not )?ok [0-9]+/) next
		isskip = (line ~ /# *[Ss][Kk][Ii][Pp]/)
		isfail = (line ~ /^not ok/) && !isskip
		if (depth > 0) {
			if (isskip) nested_s++
			else if (isfail) { s0 = nested_s; bad(line, tname(line), 1); if (nested_s > s0) xfailed = 1 }
			else nested_p++
			next
		}
		if (nplan > nested_p + nested_f + nested_s) {
			failed = failed "\n    (" nplan - nested_p - nested_f - nested_s " of " nplan " planned cases of: " line " did not report)"
			nested_f += nplan - nested_p - nested_f - nested_s
		}
		if (nested_p + nested_f + nested_s > 0) {
			plan += nested_p + nested_f + nested_s - 1
			pass += nested_p; fail += nested_f; skip += nested_s
			if (isfail && nested_f == 0 && !xfailed) { fail++; failed = failed "\n    " line }
		} else if (isskip) skip++
		else if (isfail) { s0 = skip; bad(line, tname(line), 0); if (skip > s0) xfailed = 1 }
		else pass++
		nested_p = nested_f = nested_s = nplan = 0
	}
	END { if (open) finish(suite, -1) }
	' >"$counts"
	status=0
	while IFS= read -r l; do
		if [[ $l == "    known failure"* ]]; then echo "  ${l#    }"; continue; fi
		if [[ $l == "    "* ]]; then echo "  failed:$l"; continue; fi
		read -r name p f s <<<"$l"
		record "$prefix$name$suffix" "$p" "$f" "$s" || status=1
	done <"$counts"
	[[ -s $counts ]] || { echo "  no suite ran: see $log"; record "${prefix}selftests$suffix" 0 1 0 || status=1; }
	exit $status
	;;
*)
	die "usage: parse-results.sh kunit CONSOLE_LOG SRC | selftest RESULTS_LOG"
	;;
esac
