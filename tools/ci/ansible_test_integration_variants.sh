#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ansible_test_integration_variants.sh X.Y: the integration targets that remove associations and
# delete hostname certificates, once per read variant of the local API that the default run
# (ansible_test_integration.sh, on every core) does not serve. Nobody knows what the real API
# answers for a removed association or a deleted hostname certificate (tools/local_cloudflare/README.md,
# "What is NOT known about the live API"); the modules must work whichever it is. Each variant gets
# a server of its own started with {"variants": {...}}, which POST /__control/reset keeps.
# The variant "disabled_active" (a removal indistinguishable from a disabling) is left out here: no
# client can make a second state=absent a no-op under it, and tests/live pins what it does.
# Runs every variant, then fails when any failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${1:?usage: ansible_test_integration_variants.sh X.Y}
# Each variant with the targets whose reads it changes: a removed association is read by
# hostname_association and by the rotation (which moves hostnames, then detaches the rest); a
# deleted certificate is read after hostname_certificate's deletions and the rotation's.
association_targets="hostname_association hostname_rotation"
certificate_targets="hostname_certificate hostname_rotation"
variants=(
    "removed_association=disabled:$association_targets"
    "removed_association=404:$association_targets"
    "removed_association=404_1415:$association_targets"
    "removed_association=404_7003:$association_targets"
    "deleted_hostname_certificate=404:$certificate_targets"
    "deleted_hostname_certificate=400_1415:$certificate_targets"
)

workdir=$(mktemp -d "${TMPDIR:-/tmp}/variants.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
failed=()
for entry in "${variants[@]}"; do
    variant=${entry%%:*}
    read -r -a targets <<<"${entry#*:}"
    printf '{"variants": {"%s": "%s"}}\n' "${variant%%=*}" "${variant#*=}" >"$workdir/config.json"
    echo "==== read variant $variant: ${targets[*]}"
    if "$here/ansible_test_integration.sh" "$python" --server-config "$workdir/config.json" "${targets[@]}"; then
        echo "==== read variant $variant: passed"
    else
        echo "==== read variant $variant: FAILED"
        failed+=("$variant")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "integration variants: ${#failed[@]} of ${#variants[@]} failed: ${failed[*]}" >&2
    exit 1
fi
echo "integration variants: all ${#variants[@]} passed"
