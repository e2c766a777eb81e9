#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# with_local_api.sh [--integration-config FILE] [--server-config JSON] [--contract] -- COMMAND [ARGS...]
# Start the local Cloudflare API (tools/local_cloudflare) on a free loopback port, wait until it
# serves (it writes its port file then), run COMMAND with the connection details in the environment, and
# ALWAYS stop the server afterwards. Exits with COMMAND's exit code.
# With --integration-config, also write FILE (ansible-test's tests/integration/integration_config.yml,
# which ansible-test hands to every role target as vars_files) with the same details.
# With --server-config, the server starts with that JSON config file (what POST /__control/reset
# returns to), for example another read variant ({"variants": {...}}).
# With --contract, every request and answer the server journaled is checked against Cloudflare's OpenAPI
# description once COMMAND succeeded (tools/ci/contract.py); a violation fails the run.
# The server runs on LOCAL_API_PYTHON (default: .venv/bin/python of this checkout).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
config=
contract=
server_config=()
while [ $# -gt 0 ]; do
    case "$1" in
        --integration-config) config=${2:?--integration-config needs a file}; shift 2 ;;
        --server-config) server_config=(--config "${2:?--server-config needs a file}"); shift 2 ;;
        --contract) contract=1; shift ;;
        --) shift; break ;;
        *) echo "with_local_api: unknown option $1" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: with_local_api.sh [--integration-config FILE] [--server-config JSON] [--contract] -- COMMAND [ARGS...]" >&2; exit 2; }

python=${LOCAL_API_PYTHON:-$repo/.venv/bin/python}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/local-cloudflare.XXXXXX")
server_pid=
stop_server() {
    local status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        timeout 5 tail --pid="$server_pid" -f /dev/null || kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        echo "local Cloudflare API (pid $server_pid) stopped"
    fi
    if [ "$status" != 0 ] && [ -s "$workdir/server.log" ]; then
        echo "---- last lines of the local Cloudflare API log ($workdir/server.log)"
        tail -n 40 "$workdir/server.log"
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PYTHONPATH="$repo/tools${PYTHONPATH:+:$PYTHONPATH}" "$python" -m local_cloudflare --port 0 --port-file "$workdir/port" "${server_config[@]}" \
    </dev/null >"$workdir/server.log" 2>&1 &
server_pid=$!

# The server writes its port to the file once it serves.
for _ in $(seq 300); do
    kill -0 "$server_pid" 2>/dev/null || { echo "with_local_api: the local Cloudflare API exited before it was ready" >&2; exit 1; }
    ! port=$(grep -sx '[0-9][0-9]*' "$workdir/port") || break
    sleep 0.1
done
[ -n "$port" ] || { echo "with_local_api: the local Cloudflare API did not start within 30 s" >&2; exit 1; }
echo "local Cloudflare API (pid $server_pid) listening on http://127.0.0.1:$port"

export CLOUDFLARE_API_BASE_URL="http://127.0.0.1:$port/client/v4"
export CLOUDFLARE_API_TOKEN=local-demo-token
export LOCAL_API_CONTROL_URL="http://127.0.0.1:$port/__control"
export LOCAL_API_ZONE_ID=${LOCAL_API_ZONE_ID:-023e105f4ecef8ad9ca31a8372d0c353}
export LOCAL_API_ZONE_NAME=${LOCAL_API_ZONE_NAME:-example.com}

if [ -n "$config" ]; then
    mkdir -p "$(dirname "$config")"
    cat >"$config" <<YAML
---
# Written by tools/ci/with_local_api.sh for this run only: the local Cloudflare API.
cloudflare_api_base_url: $CLOUDFLARE_API_BASE_URL
cloudflare_control_url: $LOCAL_API_CONTROL_URL
cloudflare_api_token: local-demo-token
cloudflare_readonly_token: local-readonly-token
cloudflare_api_email: admin@example.com
cloudflare_api_key: 0123456789abcdef0123456789abcdef01234
cloudflare_zone_id: $LOCAL_API_ZONE_ID
cloudflare_zone_name: $LOCAL_API_ZONE_NAME
YAML
    echo "wrote $config"
fi

"$@"
if [ -n "$contract" ]; then
    "$python" "$here/contract.py" "$LOCAL_API_CONTROL_URL"
fi
