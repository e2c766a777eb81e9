#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ansible_test_units.sh X.Y: `ansible-test units` in the current collection copy, failing when
# there is no unit test to run.
set -euo pipefail

python=${1:?usage: ansible_test_units.sh X.Y}

if [ -z "$(find tests/unit -name 'test_*.py' 2>/dev/null | head -n 1)" ]; then
    echo "ansible_test_units: no tests/unit/**/test_*.py" >&2
    exit 1
fi
exec ansible-test units --venv --python "$python" </dev/null
