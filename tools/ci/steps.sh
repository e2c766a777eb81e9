#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The steps of `make test` / `make test-quick`, which make schedules (see the Makefile).
# steps.sh run RESULTS STEP [NEED...]: unless a NEED (an earlier step) failed, run `make -j1 STEP` with
#   a build directory of its own (steps side by side never share a collection copy); write
#   "RESULT SECONDS NOTE" to RESULTS/STEP. Exits 0: make goes on with every step, the summary counts.
# steps.sh summary RESULTS STEP...: a table of the steps, then the last line "N passed, N failed";
#   exits 1 when a step failed or left no result.
set -euo pipefail

mode=$1 results=$2
shift 2
rule=$(printf '=%.0s' {1..78})
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

if [ "$mode" = run ]; then
    step=$1 started=$EPOCHREALTIME status=0 note=
    shift
    printf '\n%s\n== %s   (make %s)\n%s\n' "$rule" "$step" "$step" "$rule"
    for need in "$@"; do
        grep -qs '^passed ' "$results/$need" || note="${note:-not run:} $need failed"
    done
    if [ -n "$note" ]; then
        status=1
    else
        # One job, no jobserver; plain logs: no colour escapes from ansible-lint (rich), pytest or ansible.
        MAKEFLAGS=$(sed -E 's/(^| )-j[0-9]*|--jobserver-(auth|fds)=[^ ]*//g' <<<"${MAKEFLAGS:-}") NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 "${MAKE:-make}" -j1 -S --no-print-directory \
            "BUILD=$(dirname "$results")/steps/$step" "$step" </dev/null 2>&1 || status=$?
        [ "$status" = 0 ] || note="exit status $status"
    fi
    result=$([ "$status" = 0 ] && echo passed || echo failed)
    echo "$result $(since "$started") $note" >"$results/$step"
    read -r _ seconds _ <"$results/$step"
    echo "== [$(find "$results" -type f ! -name '.*' | wc -l)/${STEPS_TOTAL:-?}] $step: ${result^^} in $seconds s${note:+ ($note)}"
    exit 0
fi

width=12 passed=0 failed=0 sum=0
for step in "$@"; do [ "${#step}" -le "$width" ] || width=${#step}; done
row() { printf "%-${width}s  %-7s  %8s  %s\n" "$@" | sed 's/ *$//'; }
printf '\n%s\n== summary\n%s\n' "$rule" "$rule"
row step result seconds note
for step in "$@"; do
    read -r result seconds note <"$results/$step" 2>/dev/null || { result=failed seconds=0 note='no result: did not run'; }
    row "$step" "$result" "$seconds" "$note"
    sum=$(awk -v a="$sum" -v b="$seconds" 'BEGIN { printf "%.1f", a + b }')
    if [ "$result" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
row 'steps (sum)' '' "$sum" ''
row 'total (wall)' '' "$(since "$(cat "$results/.started")")" ''
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
