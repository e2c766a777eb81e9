#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs every module at -vvvv with an API token, a global API key and private keys, successes
# and failures alike, then fails if any of those secrets appears anywhere in the output.
set -euo pipefail

config=../../integration_config.yml
value_of() {
    sed -n "s/^$1: *//p" "$config" | tr -d "\"'"
}
token=$(value_of cloudflare_api_token)
api_key=$(value_of cloudflare_api_key)
if [ -z "$token" ] || [ -z "$api_key" ]; then
    echo "no credentials in $config" >&2
    exit 1
fi

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
for name in first second; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=secret-$name.example.com" -keyout "$workdir/$name.key" -out "$workdir/$name.pem" 2>/dev/null
done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=secret-device \
    -keyout "$workdir/device.key" -out "$workdir/device.csr" 2>/dev/null

output=$workdir/output.txt
set +e
CLOUDFLARE_API_TOKEN=$token ansible-playbook -vvvv -e "@$config" -e "key_dir=$workdir" playbook.yml >"$output" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
    cat "$output"
    echo "the playbook failed (exit $status)" >&2
    exit 1
fi

# Every line of base64 of the keys counts: a key cut into pieces is still a leak.
leaks=0
check() {
    local label=$1 secret=$2
    if grep -qF -- "$secret" "$output"; then
        echo "LEAK: $label appears in the -vvvv output" >&2
        leaks=$((leaks + 1))
    fi
}
check "the API token" "$token"
check "the global API key" "$api_key"
for name in first second device; do
    while IFS= read -r line; do
        case "$line" in -----*|"") continue ;; esac
        check "a line of the $name private key" "$line"
    done <"$workdir/$name.key"
done
lines=$(wc -l <"$output")
if [ "$leaks" -ne 0 ]; then
    [ -z "${SHOW_LEAKS:-}" ] || grep -nF -- "$token" "$output" | cut -c1-400 >&2
    exit 1
fi
# The output must really be -vvvv output of module runs, or the grep above proves nothing.
grep -q "ESTABLISH LOCAL CONNECTION" "$output" || { echo "the output is not -vvvv output" >&2; exit 1; }
grep -q "AnsiballZ_hostname_certificate.py" "$output" || { echo "the modules did not run" >&2; exit 1; }
echo "no secret in $lines lines of -vvvv output"
