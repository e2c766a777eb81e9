#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# pytest_step.sh PYTHON PATH [PYTEST-ARGS...]: run pytest on PATH (a folder or a file); a missing PATH
# or one with no tests (pytest's exit code 5) fails the step: a step that ran nothing never passes.
set -euo pipefail

python=${1:?usage: pytest_step.sh PYTHON PATH [PYTEST-ARGS...]}
dir=${2:?usage: pytest_step.sh PYTHON PATH [PYTEST-ARGS...]}
shift 2

if [ ! -e "$dir" ]; then
    echo "pytest_step: $dir does not exist" >&2
    exit 1
fi
status=0
"$python" -m pytest -p no:cacheprovider "$dir" "$@" </dev/null || status=$?
if [ "$status" = 5 ]; then
    echo "pytest_step: pytest collected no tests in $dir" >&2
    exit 1
fi
exit "$status"
