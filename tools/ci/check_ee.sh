#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check_ee.sh COLLECTIONS_DIR CONTEXT_DIR: check the example execution environment the way CI can.
# `ansible-builder create` validates docs/awx/execution-environment.yml and writes the build context
# (Containerfile, requirements) into CONTEXT_DIR; the context must install ansible-core, ansible-runner
# and this collection. `ansible-builder introspect` of the collection copy in COLLECTIONS_DIR must find
# its Python requirement (requests, from meta/execution-environment.yml), which a build installs.
# Building the image (`ansible-builder build`) needs podman or docker, which CI does not have.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
collections=${1:?usage: check_ee.sh COLLECTIONS_DIR CONTEXT_DIR}
context=${2:?usage: check_ee.sh COLLECTIONS_DIR CONTEXT_DIR}

rm -rf "$context"
ansible-builder create -f "$repo/docs/awx/execution-environment.yml" --context "$context" \
    --output-filename Containerfile </dev/null
containerfile=$context/Containerfile
problems=0
expect() {
    local file=$1 pattern=$2 what=$3
    if ! grep -qE -- "$pattern" "$file"; then
        echo "ee: $what (no /$pattern/ in ${file#"$context"/})" >&2
        problems=$((problems + 1))
    fi
}
expect "$containerfile" 'ansible-core==' "the image does not install ansible-core"
expect "$containerfile" 'ansible-runner==' "the image does not install ansible-runner"
expect "$containerfile" 'ansible-galaxy collection install' "the image does not install collections"
expect "$context/_build/requirements.yml" 'github.com/mtls/cloudflare' "the collection is not in the galaxy requirements"
introspected=$(ansible-builder introspect --sanitize "$collections" </dev/null)
echo "$introspected"
if ! grep -qE "^- 'requests.*from collection mtls.cloudflare" <<<"$introspected"; then
    echo "ee: ansible-builder finds no Python requirement of mtls.cloudflare (meta/execution-environment.yml)" >&2
    problems=$((problems + 1))
fi
[ "$problems" = 0 ] || exit 1
echo "execution environment definition OK: $containerfile (building it needs podman or docker, not available in CI)"
