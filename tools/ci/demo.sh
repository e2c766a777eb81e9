#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# demo.sh COLLECTIONS_DIR: run examples/demo.yml against a local Cloudflare API started for the
# run (with_local_api.sh, which always stops it), with the collection found in COLLECTIONS_DIR
# (the folder that holds ansible_collections/). Exits with ansible-playbook's status.
# The playbook gets the API both as extra vars (cloudflare_api_base_url, cloudflare_api_token,
# cloudflare_zone_id, cloudflare_zone_name) and as the environment variables the modules read
# (CLOUDFLARE_API_BASE_URL, CLOUDFLARE_API_TOKEN).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# Cloudflare takes minutes for each asynchronous step, the local API 2 s by default, and each wait
# then costs the modules' first 1 s poll and more: the demo's server makes them instant (the statuses
# still pass through the pending ones). DEMO_DELAY=2 make demo shows the waits for real.
if [ "${1:-}" != --under-local-api ]; then
    collections=${1:?usage: demo.sh COLLECTIONS_DIR}
    config=$(mktemp "${TMPDIR:-/tmp}/demo-config.XXXXXX")
    trap 'rm -f "$config"' EXIT
    d=${DEMO_DELAY:-0}
    echo "{\"delays\": {\"revocation\": $d, \"reactivation\": $d, \"deployment\": $d, \"deletion\": $d, \"association\": $d}}" >"$config"
    "$here/with_local_api.sh" --server-config "$config" -- "$0" --under-local-api "$collections"
    exit
fi

collections=${2:?usage: demo.sh COLLECTIONS_DIR}
cd "$repo"
export ANSIBLE_COLLECTIONS_PATH=$collections
# Every task runs on localhost: pipelining saves copying each module to a temporary file first.
export ANSIBLE_PIPELINING=1
exec ansible-playbook examples/demo.yml \
    -e "cloudflare_api_base_url=$CLOUDFLARE_API_BASE_URL" \
    -e "cloudflare_api_token=$CLOUDFLARE_API_TOKEN" \
    -e "cloudflare_zone_id=$LOCAL_API_ZONE_ID" \
    -e "cloudflare_zone_name=$LOCAL_API_ZONE_NAME"
