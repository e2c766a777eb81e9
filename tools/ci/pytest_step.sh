#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# pytest_step.sh PYTHON DIR [PYTEST-ARGS...]: run pytest on DIR; a missing DIR or a DIR with no
# tests (pytest's exit code 5) makes the step "skipped" rather than passed or failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${1:?usage: pytest_step.sh PYTHON DIR [PYTEST-ARGS...]}
dir=${2:?usage: pytest_step.sh PYTHON DIR [PYTEST-ARGS...]}
shift 2

if [ ! -d "$dir" ]; then
    exec "$here/skip_step.sh" "$dir does not exist"
fi
status=0
"$python" -m pytest -p no:cacheprovider "$dir" "$@" </dev/null || status=$?
if [ "$status" = 5 ]; then
    exec "$here/skip_step.sh" "pytest collected no tests in $dir"
fi
exit "$status"
