#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# contract_check.sh REPO COLLECTIONS_DIR: check that every request the modules send matches Cloudflare's
# OpenAPI description, including the requests only a stateful server makes them send (reactivate, detach).
# Three processes on free loopback ports:
#   - the local Cloudflare API (REPO/tools/local_cloudflare, on LOCAL_API_PYTHON or python3), which answers;
#   - Prism (npm, pinned in REPO/package.json and package-lock.json; `npm ci` when node_modules/.bin/prism is
#     missing), which mocks REPO/tests/openapi/cloudflare-2024.prism-compat.json and judges each request's shape;
#   - tools/ci/contract_proxy.py, which forwards each request to the local API (the modules get its answer) and to
#     Prism, and writes Prism's verdict to a report (never a header value or a body).
# tools/ci/contract_playbook.yml then runs against the proxy with the collection from COLLECTIONS_DIR. The report is
# summed up as a table (method, spec path, requests). The step fails when the play fails, when Prism found a
# violation or could not check a request, or when one of the spec's operations (paths x methods) was never
# exercised. All three processes are ALWAYS stopped. With CONTRACT_REPORT=FILE the report (JSON lines) is kept there
# (the second pass's in FILE.original).
# Then a second pass: the same playbook with the email + key scheme (cloudflare_auth=global_key) through a second
# proxy and a second Prism that mocks the ORIGINAL REPO/tests/openapi/cloudflare-2024.json, where the only violations
# accepted are the differences cloudflare-2024.prism-compat.json documents (contract_proxy.py summary --compat). Each pass
# prints how many requests it validated against its spec.
set -euo pipefail

usage="usage: contract_check.sh REPO COLLECTIONS_DIR"
repo=$(cd "${1:?$usage}" && pwd)
collections=${2:?$usage}
spec=$repo/tests/openapi/cloudflare-2024.prism-compat.json
original_spec=$repo/tests/openapi/cloudflare-2024.json
playbook=$repo/tools/ci/contract_playbook.yml
proxy=$repo/tools/ci/contract_proxy.py
python=${LOCAL_API_PYTHON:-python3}
zone_id=${LOCAL_API_ZONE_ID:-023e105f4ecef8ad9ca31a8372d0c353}
zone_name=${LOCAL_API_ZONE_NAME:-example.com}

if [ ! -f "$spec" ] || [ ! -f "$original_spec" ]; then
    echo "contract: $spec or $original_spec not found (make openapi-extract writes them)" >&2
    exit 1
fi
for tool in node npm ansible-playbook "$python"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "contract: $tool is not installed" >&2
        exit 1
    fi
done

cd "$repo"
if [ ! -x node_modules/.bin/prism ]; then
    npm ci --no-audit --no-fund --loglevel=error </dev/null
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/contract-check.XXXXXX")
local_pid=
prism_pid=
proxy_pid=

# stop_process NAME PID: SIGTERM, up to 5 s to go, then SIGKILL.
stop_process() {
    local name=$1 pid=$2
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$name (pid $pid) stopped"
}

stop_all() {
    local status=$?
    stop_process "contract proxy" "$proxy_pid"
    stop_process "Prism" "$prism_pid"
    stop_process "local Cloudflare API" "$local_pid"
    if [ "$status" != 0 ]; then
        # Prism logs every request at length: its log only matters when it did not start.
        if [ -s "$workdir/prism.log" ] && ! grep -q 'Prism is listening' "$workdir/prism.log"; then
            echo "---- last lines of the Prism log"
            tail -n 20 "$workdir/prism.log"
        fi
        for log in local proxy; do
            if [ -s "$workdir/$log.log" ]; then
                echo "---- last lines of the $log log"
                tail -n 20 "$workdir/$log.log"
            fi
        done
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_ready NAME PID CHECK...: until CHECK succeeds (30 s at most), failing as soon as PID is gone.
wait_ready() {
    local name=$1 pid=$2
    shift 2
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "contract: $name exited before it was ready" >&2
            return 1
        fi
        if "$@" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "contract: $name was not ready within 30 s" >&2
    return 1
}

local_healthy() {
    [ -s "$workdir/local.port" ] || return 1
    "$python" - "http://127.0.0.1:$(tr -d '[:space:]' <"$workdir/local.port")/__control/health" <<'PY'
import sys
import urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
}

started=$SECONDS

PYTHONPATH="$repo/tools${PYTHONPATH:+:$PYTHONPATH}" "$python" -m local_cloudflare --port 0 --port-file "$workdir/local.port" \
    </dev/null >"$workdir/local.log" 2>&1 &
local_pid=$!
wait_ready "the local Cloudflare API" "$local_pid" local_healthy
local_port=$(tr -d '[:space:]' <"$workdir/local.port")
echo "local Cloudflare API (pid $local_pid) on http://127.0.0.1:$local_port"

# start_checkers SPEC NAME: a Prism mocking SPEC and a proxy in front of the local API and that Prism (report NAME.jsonl).
start_checkers() {
    local checked_spec=$1 name=$2
    prism_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    node_modules/.bin/prism mock -h 127.0.0.1 -p "$prism_port" "$checked_spec" </dev/null >"$workdir/prism.log" 2>&1 &
    prism_pid=$!
    wait_ready "Prism" "$prism_pid" grep -q 'Prism is listening' "$workdir/prism.log"
    echo "Prism (pid $prism_pid) mocks $checked_spec on http://127.0.0.1:$prism_port"
    rm -f "$workdir/proxy.port"
    "$python" "$proxy" serve --upstream "http://127.0.0.1:$local_port" --prism "http://127.0.0.1:$prism_port" --spec "$checked_spec" \
        --report "$workdir/$name.jsonl" --port-file "$workdir/proxy.port" </dev/null >"$workdir/proxy.log" 2>&1 &
    proxy_pid=$!
    wait_ready "the contract proxy" "$proxy_pid" test -s "$workdir/proxy.port"
    proxy_port=$(tr -d '[:space:]' <"$workdir/proxy.port")
    echo "contract proxy (pid $proxy_pid) on http://127.0.0.1:$proxy_port/client/v4"
}

stop_checkers() {
    stop_process "contract proxy" "$proxy_pid"
    proxy_pid=
    stop_process "Prism" "$prism_pid"
    prism_pid=
}

# run_pass SPEC NAME AUTH [SUMMARY-ARGS...]: the playbook with credential scheme AUTH against SPEC; its exit status,
# or 1 when the report shows a violation (other than a documented drift), an unchecked request or an unexercised operation.
run_pass() {
    local checked_spec=$1 name=$2 auth=$3 status=0
    shift 3
    start_checkers "$checked_spec" "$name"
    ANSIBLE_COLLECTIONS_PATH=$collections ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
        ansible-playbook "$playbook" \
        -e "cloudflare_api_base_url=http://127.0.0.1:$proxy_port/client/v4" \
        -e "cloudflare_control_url=http://127.0.0.1:$local_port/__control" \
        -e cloudflare_api_token=local-demo-token \
        -e cloudflare_api_email=admin@example.com \
        -e cloudflare_api_key=0123456789abcdef0123456789abcdef01234 \
        -e "cloudflare_zone_id=$zone_id" \
        -e "cloudflare_zone_name=$zone_name" \
        -e "cloudflare_auth=$auth" \
        </dev/null || status=$?
    stop_checkers
    if [ "$status" != 0 ]; then
        echo "contract: the playbook ($auth, $(basename "$checked_spec")) failed (exit $status); the requests it sent are still summed up below" >&2
    fi
    if [ -n "${CONTRACT_REPORT:-}" ]; then
        # The compat pass's report where it always was; the original spec's beside it.
        cp "$workdir/$name.jsonl" "$CONTRACT_REPORT$([ "$name" = compat ] || echo ".$name")"
    fi
    echo "==== requests checked by Prism against $(basename "$checked_spec") ($auth)"
    if ! "$python" "$proxy" summary --spec "$checked_spec" --report "$workdir/$name.jsonl" "$@" | tee "$workdir/$name.summary"; then
        echo "contract: FAILED against $(basename "$checked_spec"), see the violations and operations listed above" >&2
        [ "$status" != 0 ] || status=1
    fi
    return "$status"
}

overall=0
run_pass "$spec" compat token || overall=$?
run_pass "$original_spec" original global_key --compat "$spec" || overall=$?
echo "==== contract: requests validated per spec"
for pass in "compat:$(basename "$spec") with an API token" "original:$(basename "$original_spec") with email + key"; do
    printf '%s: %s\n' "${pass#*:}" "$(tail -n 1 "$workdir/${pass%%:*}.summary" 2>/dev/null || echo 'no summary')"
done
echo "contract check took $((SECONDS - started)) s"
# The last command sets the exit status (a bare exit here would make shellcheck think the trap handlers unreachable).
(exit "$overall")
