#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# local_api.sh: start the local Cloudflare API in the foreground (with_local_api.sh) and print what a
# playbook needs to use it, until Ctrl-C stops it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "${1:-}" != --under-local-api ]; then
    exec "$here/with_local_api.sh" -- "$0" --under-local-api
fi
repo=$(cd "$here/../.." && pwd)
# The ansible-playbook that runs this API's venv (make local-api puts the demo venv first on PATH).
playbook=$(command -v ansible-playbook || echo ansible-playbook)
cat <<TEXT

The local Cloudflare API is running. In another shell, paste these lines (each is a shell
command or a comment), then run your playbooks against it:

export CLOUDFLARE_API_BASE_URL=$CLOUDFLARE_API_BASE_URL
export CLOUDFLARE_API_TOKEN=$CLOUDFLARE_API_TOKEN
# read-only token, to try the _info modules: export CLOUDFLARE_API_TOKEN=local-readonly-token
export ANSIBLE_COLLECTIONS_PATH=$repo/.build
# in your tasks: zone: $LOCAL_API_ZONE_NAME (or zone_id: $LOCAL_API_ZONE_ID)
# control API (reset, journal, faults, clock): $LOCAL_API_CONTROL_URL
$playbook my-playbook.yml

It keeps its state in memory until it stops. Press Ctrl-C to stop it.
TEXT
while true; do
    sleep 3600
done
