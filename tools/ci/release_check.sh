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
#   changelog.yaml.
# Either way `antsibull-changelog lint` must pass afterwards, and the section of that version must name
# each module of plugins/modules and role of roles/ whose version_added is that version.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${1:?usage: release_check.sh REPO SCRATCH}
scratch=${2:?usage: release_check.sh REPO SCRATCH}

"$here/copy_checkout.sh" "$repo" "$scratch"
cd "$scratch"
export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(cd ../../.. && pwd)
version=$(sed -n 's/^version: *//p' galaxy.yml | tr -d "\"'")
[ -d changelogs/fragments ] || { echo "release: changelogs/fragments/ is missing (antsibull-changelog's fragments folder)" >&2; exit 1; }
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
# The section of that version names each module and role whose version_added is that version.
v=${version//./\\.}
section=$(awk -v heading="v$version" '$0 == heading { on = 1; next } on && /^v[0-9]+\.[0-9]+\.[0-9]+$/ { exit } on' CHANGELOG.rst)
modules=$(grep -lE "^version_added: ['\"]?${v}['\"]?$" plugins/modules/*.py | sed 's|.*/||; s|\.py$||' || true)
roles=$(grep -lE "^ +version_added: ['\"]?${v}['\"]?$" roles/*/meta/argument_specs.yml | cut -d/ -f2 || true)
problems=0
check() { grep -qE -- "$1" <<<"$section" || { echo "release: the section v$version of CHANGELOG.rst lacks $2" >&2; problems=$((problems + 1)); }; }
[ -n "$section" ] || { echo "release: CHANGELOG.rst has no section v$version" >&2; exit 1; }
[ -z "$modules" ] || check '^New Modules$' "the section New Modules"
for name in $modules; do check "^- mtls\.cloudflare\.$name " "the new module $name"; done
[ -z "$roles" ] || check '^New Roles$' "the section New Roles"
for name in $roles; do check "^- mtls\.cloudflare\.$name " "the new role $name"; done
[ "$problems" = 0 ] || exit 1
echo "release $version: $state; CHANGELOG.rst has $(wc -l <CHANGELOG.rst) lines; its section names the new modules" \
    "(${modules//$'\n'/ }) and roles (${roles//$'\n'/ })"
