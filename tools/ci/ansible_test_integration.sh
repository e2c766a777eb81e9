#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ansible_test_integration.sh X.Y [--server-config JSON] [TARGET...]: `ansible-test integration`
# (every target, or the TARGETs) in the current collection copy, against a local Cloudflare API
# started for this run (see with_local_api.sh; --server-config starts it with that config); fails
# when tests/integration/targets has no target, or on a contract violation (with_local_api.sh --contract).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${1:?usage: ansible_test_integration.sh X.Y [--server-config JSON] [TARGET...]}
shift
server=()
if [ "${1:-}" = --server-config ]; then
    server=(--server-config "${2:?--server-config needs a file}")
    shift 2
fi

if [ -z "$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)" ]; then
    echo "ansible_test_integration: tests/integration/targets has no target" >&2
    exit 1
fi
exec "$here/with_local_api.sh" --contract --integration-config "$PWD/tests/integration/integration_config.yml" "${server[@]}" -- \
    ansible-test integration --venv --python "$python" "$@"
