#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# build_docs.sh COLLECTIONS_DIR DEST [--strict]: build the collection's docs site into DEST/html.
# antsibull-docs writes the RST of every module and role page (ansible-doc of the collection found in
# COLLECTIONS_DIR, the folder holding ansible_collections/) and the guides of docs/docsite/; Sphinx
# builds it with tools/docs/conf.py. --strict (make test) turns every warning into an error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
collections=$(cd "${1:?usage: build_docs.sh COLLECTIONS_DIR DEST [--strict]}" && pwd)
dest=${2:?usage: build_docs.sh COLLECTIONS_DIR DEST [--strict]}
strict=()
if [ "${3:-}" = --strict ]; then
    strict=(-W --keep-going)
fi

rm -rf "$dest"
mkdir -p "$dest/rst"
dest=$(cd "$dest" && pwd)
chmod og-w "$dest/rst"  # antsibull-docs wants the folder it cleans up to be writable by itself only
cp "$repo/tools/docs/index.rst" "$dest/rst/index.rst"
ANSIBLE_COLLECTIONS_PATH=$collections antsibull-docs --config-file "$repo/tools/docs/antsibull-docs.cfg" \
    collection --use-current --fail-on-error --cleanup everything --dest-dir "$dest/rst" mtls.cloudflare </dev/null
DOCS_INVENTORY_DIR=$dest sphinx-build -q -b html -c "$repo/tools/docs" "${strict[@]}" "$dest/rst" "$dest/html" </dev/null
pages=$(find "$dest/html" -name '*.html' | wc -l)
for page in collections/mtls/cloudflare/index.html collections/mtls/cloudflare/hostname_certificate_rotation_role.html \
    collections/mtls/cloudflare/docsite/guide_awx.html collections/mtls/cloudflare/client_certificate_module.html; do
    [ -f "$dest/html/$page" ] || { echo "docs: $page was not built" >&2; exit 1; }
done
echo "docs site: $dest/html/index.html ($pages pages${strict:+, warnings treated as errors})"
