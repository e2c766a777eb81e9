#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ansible_test_integration.sh X.Y: `ansible-test integration` in the current collection copy,
# against a local Cloudflare API started for this run (see with_local_api.sh); fails when
# tests/integration/targets has no target.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${1:?usage: ansible_test_integration.sh X.Y}

if [ -z "$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)" ]; then
    echo "ansible_test_integration: tests/integration/targets has no target" >&2
    exit 1
fi
exec "$here/with_local_api.sh" --integration-config "$PWD/tests/integration/integration_config.yml" -- \
    ansible-test integration --venv --python "$python"
