#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# awx_job.sh COLLECTIONS_DIR: run a job the way AWX runs one, against a local Cloudflare API started for it.
# A private data dir gets env/envvars rendered from the AWX credential type's injectors
# (docs/awx/cloudflare_credential_type.yml, by render_awx_env.py), inventory/hosts, env/extravars and
# project/playbook.yml (tests/awx/playbook.yml, which uses the roles); `ansible-runner run` runs it
# with ansible-playbook from PATH and the collection from COLLECTIONS_DIR. The token is taken out of this
# script's environment first, so the job can only get it from the rendered envvars.
# Fails unless the job succeeded, and when the token appears in any file of the artifacts other than
# artifacts/<ident>/command, ansible-runner's record of the job's command line and environment (the
# record AWX keeps of a job's environment is its own, with secrets redacted). With KEEP_AWX_JOB=DIR the
# private data dir is copied there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --under-local-api ]; then
    collections=$(cd "${1:?usage: awx_job.sh COLLECTIONS_DIR}" && pwd)
    exec "$here/with_local_api.sh" -- "$0" --under-local-api "$collections"
fi
collections=$2

ident=awx-job
pdd=$(mktemp -d "${TMPDIR:-/tmp}/awx-job.XXXXXX")
trap 'rm -rf "$pdd"' EXIT
mkdir -p "$pdd/env" "$pdd/inventory" "$pdd/project"
cp "$repo/tests/awx/playbook.yml" "$pdd/project/playbook.yml"
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$(command -v python)" >"$pdd/inventory/hosts"
cat >"$pdd/env/extravars" <<YAML
---
cloudflare_zone_name: $LOCAL_API_ZONE_NAME
cloudflare_control_url: $LOCAL_API_CONTROL_URL
awx_job_hostnames: [app.example.com, api.example.com]
YAML

# The credential's inputs, as an AWX administrator would enter them; the token is read from the
# environment by name, then removed from it.
export AWX_JOB_TOKEN=$CLOUDFLARE_API_TOKEN AWX_JOB_BASE_URL=$CLOUDFLARE_API_BASE_URL
token=$AWX_JOB_TOKEN
unset CLOUDFLARE_API_TOKEN CLOUDFLARE_API_BASE_URL
python "$here/render_awx_env.py" "$repo/docs/awx/cloudflare_credential_type.yml" "$pdd/env/envvars" \
    api_token=@AWX_JOB_TOKEN api_base_url=@AWX_JOB_BASE_URL \
    --env "ANSIBLE_COLLECTIONS_PATH=$collections" --env ANSIBLE_LOCALHOST_WARNING=false
unset AWX_JOB_TOKEN AWX_JOB_BASE_URL
grep -q '^CLOUDFLARE_API_TOKEN: ' "$pdd/env/envvars" || { echo "awx-job: envvars has no CLOUDFLARE_API_TOKEN" >&2; exit 1; }

status=0
ansible-runner run "$pdd" -p playbook.yml --ident "$ident" </dev/null || status=$?
artifacts=$pdd/artifacts/$ident
[ -z "${KEEP_AWX_JOB:-}" ] || { rm -rf "$KEEP_AWX_JOB"; cp -r "$pdd" "$KEEP_AWX_JOB"; }
echo "ansible-runner exited with $status; status: $(cat "$artifacts/status" 2>/dev/null || echo none), rc: $(cat "$artifacts/rc" 2>/dev/null || echo none)"
if [ "$status" != 0 ] || [ "$(cat "$artifacts/status" 2>/dev/null)" != successful ]; then
    echo "awx-job: the job did not succeed" >&2
    exit 1
fi

# The search must have something to search: the job's output and events.
[ -s "$artifacts/stdout" ] || { echo "awx-job: no stdout artifact" >&2; exit 1; }
events=$(find "$artifacts/job_events" -name '*.json' | wc -l)
[ "$events" -gt 10 ] || { echo "awx-job: only $events job events" >&2; exit 1; }
grep -q 'hostname_certificate_rotation : Delete the old certificates' "$artifacts/stdout" ||
    { echo "awx-job: the roles did not run" >&2; exit 1; }

# ansible-runner's own record of the environment it started the job with.
environment_record=$artifacts/command
grep -qF -- "$token" "$environment_record" ||
    { echo "awx-job: $environment_record does not hold the environment; this check's premise is wrong" >&2; exit 1; }
leaks=$(grep -rlF -- "$token" "$pdd/artifacts" | grep -vxF "$environment_record" || true)
if [ -n "$leaks" ]; then
    echo "LEAK: the API token appears in these artifacts:" >&2
    echo "${leaks//$pdd\//}" >&2
    exit 1
fi
echo "job successful; the token is in no artifact but artifacts/$ident/command ($(find "$pdd/artifacts" -type f | wc -l) files, $events job events searched)"
