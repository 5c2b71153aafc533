#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Splat scanner: fail if a kernel console log shows any sign of a kernel
# bug. Prints each hit with a few lines of context.
#
#   scan-splats.sh CONSOLE_LOG...
#
# Exit 0: clean. Exit 1: at least one splat (lines shown). Exit 2: usage.
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: scan-splats.sh CONSOLE_LOG..." >&2; exit 2; }

# One extended regex per kind of report.
patterns=(
	'BUG:'				# BUG: KASAN..., BUG: sleeping function..., BUG: unable to handle...
	'WARNING:'			# WARN_ON, lockdep "WARNING: possible circular..."
	'KASAN'				# any KASAN report
	'UBSAN:'
	'possible circular locking'
	'inconsistent lock state'
	'possible recursive locking'
	'suspicious RCU usage'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'kernel BUG at'
	'list_(add|del) corruption'
	'kmemleak: [0-9]+ new suspected memory leaks'
	'rcu: INFO: .* detected stalls'
	'INFO: task .* blocked for more than'
	'(soft|hard) lockup'
)
re=$(printf '%s|' "${patterns[@]}")
re=${re%|}

status=0
for f in "$@"; do
	[[ -f $f ]] || { echo "scan-splats: $f: no such log" >&2; exit 2; }
	# Strip carriage returns from serial logs before matching.
	if hits=$(tr -d '\r' <"$f" | grep -n -E "$re"); then
		status=1
		echo "SPLAT in $f ($(wc -l <<<"$hits") matching lines):"
		tr -d '\r' <"$f" | grep -n -E -A4 -m 8 "$re" | head -60 | sed 's/^/  /'
	fi
done
exit $status
