#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# skip_step.sh REASON...: mark the running `make test` step as skipped (not passed), with a reason.
# run_steps.py gives each step a file in CI_STEP_SKIP_FILE; outside `make test` this only prints.
set -euo pipefail

echo "SKIPPED: $*"
if [ -n "${CI_STEP_SKIP_FILE:-}" ]; then
    printf '%s\n' "$*" >"$CI_STEP_SKIP_FILE"
fi
