#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# release_check.sh REPO SCRATCH: prove that the release of galaxy.yml's version works, without releasing.
# SCRATCH (an .../ansible_collections/mtls/cloudflare path) gets a copy of the checkout, where
# `antsibull-changelog release` must write CHANGELOG.rst with that version, its new modules and roles and
# the fragments' entries, and consume the fragments; `antsibull-changelog lint` must pass afterwards.
# The real release is `make release VERSION=X.Y.Z` in the checkout, once, when the release is cut.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${1:?usage: release_check.sh REPO SCRATCH}
scratch=${2:?usage: release_check.sh REPO SCRATCH}

"$here/copy_checkout.sh" "$repo" "$scratch"
cd "$scratch"
version=$(sed -n 's/^version: *//p' galaxy.yml | tr -d "\"'")
fragments=$(find changelogs/fragments -name '*.yml' | wc -l)
[ "$fragments" -gt 0 ] || { echo "release: no changelog fragment to release" >&2; exit 1; }
ANSIBLE_COLLECTIONS_PATH=$(cd ../../.. && pwd) antsibull-changelog release --version "$version" </dev/null
antsibull-changelog lint </dev/null
problems=0
check() {
    if ! grep -qE -- "$1" CHANGELOG.rst; then
        echo "release: CHANGELOG.rst lacks $2" >&2
        problems=$((problems + 1))
    fi
}
check "^v${version//./\\.}$" "the section v$version"
check 'mtls\.cloudflare\.client_certificate ' "the new module client_certificate"
check '^New Roles' "the section New Roles"
check 'mtls\.cloudflare\.hostname_certificate_rotation ' "the new role hostname_certificate_rotation"
left=$(find changelogs/fragments -name '*.yml' | wc -l)
[ "$left" = 0 ] || { echo "release: $left fragments were not consumed" >&2; problems=$((problems + 1)); }
[ "$problems" = 0 ] || exit 1
echo "release $version works: CHANGELOG.rst ($(wc -l <CHANGELOG.rst) lines) from $fragments fragments, in $scratch (not in the checkout)"
