#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The role mtls.cloudflare.hostname_certificate_rotation against the local Cloudflare API (playbook.yml:
# bad input, check mode, rotation, re-run, interrupted-and-resumed), run at -vvv; then no API token and no
# line of any private key the role handled may appear anywhere in that output.
set -euo pipefail

config=../../integration_config.yml
token=$(sed -n 's/^cloudflare_api_token: *//p' "$config" | tr -d "\"'")
[ -n "$token" ] || { echo "no API token in $config" >&2; exit 1; }

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
output=$workdir/output.txt
# The targets folder holds setup_hostname_certificates (the test PKI and the journal helpers).
export ANSIBLE_ROLES_PATH=..
status=0
ansible-playbook -vvv -e "@$config" -e "keys_out=$workdir/keys.txt" playbook.yml >"$output" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    cat "$output"
    echo "the playbook failed (exit $status)" >&2
    exit 1
fi
grep -E '^(TASK|ok|changed|fatal|PLAY RECAP)|"msg":' "$output" | grep -v '^ok: \[localhost\] => {$' | cut -c1-300 || true

leaks=0
if grep -qF -- "$token" "$output"; then
    echo "LEAK: the API token appears in the -vvv output" >&2
    leaks=$((leaks + 1))
fi
# keys.txt: every base64 line of the private keys of the test PKI, written by the playbook.
while IFS= read -r line; do
    if grep -qF -- "$line" "$output"; then
        echo "LEAK: a line of a private key appears in the -vvv output" >&2
        leaks=$((leaks + 1))
    fi
done <"$workdir/keys.txt"
[ "$(wc -l <"$workdir/keys.txt")" -ge 3 ] || { echo "the playbook wrote no key lines to check" >&2; exit 1; }
[ "$leaks" -eq 0 ] || exit 1
grep -q "AnsiballZ_hostname_certificate.py" "$output" || { echo "the modules did not run" >&2; exit 1; }
echo "no secret in $(wc -l <"$output") lines of -vvv output"
