#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# release_check.sh REPO SCRATCH: the release of galaxy.yml's version, checked on a copy of the
# checkout in SCRATCH (an .../ansible_collections/mtls/cloudflare path), never in the checkout.
# - Not released yet (changelogs/changelog.yaml has no entry for that version): `antsibull-changelog
#   release` must write CHANGELOG.rst with that version, its new modules and roles and the
#   fragments' entries, and consume the fragments. The real release is `make release VERSION=X.Y.Z`.
# - Released: CHANGELOG.rst must be exactly what `antsibull-changelog generate` makes of
#   changelog.yaml, and name that version and the modules and roles it brought.
# Either way `antsibull-changelog lint` must pass afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${1:?usage: release_check.sh REPO SCRATCH}
scratch=${2:?usage: release_check.sh REPO SCRATCH}

"$here/copy_checkout.sh" "$repo" "$scratch"
cd "$scratch"
export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(cd ../../.. && pwd)
version=$(sed -n 's/^version: *//p' galaxy.yml | tr -d "\"'")
fragments=$(find changelogs/fragments -name '*.yml' | wc -l)
if grep -qE "^  ['\"]?${version//./\\.}['\"]?:" changelogs/changelog.yaml; then
    state="released; $fragments fragment(s) wait for the next release"
    [ -f CHANGELOG.rst ] || { echo "release: $version is in changelog.yaml but CHANGELOG.rst is missing" >&2; exit 1; }
    committed=$(mktemp "${TMPDIR:-/tmp}/CHANGELOG.XXXXXX")
    trap 'rm -f "$committed"' EXIT
    cp CHANGELOG.rst "$committed"
    antsibull-changelog generate </dev/null
    if ! diff -u "$committed" CHANGELOG.rst; then
        echo "release: the committed CHANGELOG.rst is not what antsibull-changelog generate makes of changelog.yaml" >&2
        exit 1
    fi
else
    state="released from $fragments fragment(s) in $scratch, not in the checkout"
    [ "$fragments" -gt 0 ] || { echo "release: no changelog fragment to release" >&2; exit 1; }
    antsibull-changelog release --version "$version" </dev/null
    left=$(find changelogs/fragments -name '*.yml' | wc -l)
    [ "$left" = 0 ] || { echo "release: $left fragments were not consumed" >&2; exit 1; }
fi
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
[ "$problems" = 0 ] || exit 1
echo "release $version: $state; CHANGELOG.rst has $(wc -l <CHANGELOG.rst) lines"
