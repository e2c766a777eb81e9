#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# build_collection.sh COLLECTION_COPY OUTPUT_DIR: build the Galaxy artifact from the collection
# copy, check that no development file went into it, and run galaxy-importer on it (with
# ansible-doc and ansible-lint on PATH). galaxy-importer exits 0 on soft errors, so its log is
# read: a line starting with ERROR, or saying a tool was "not found, skipping", fails the step.
set -euo pipefail

copy=${1:?usage: build_collection.sh COLLECTION_COPY OUTPUT_DIR}
out=${2:?usage: build_collection.sh COLLECTION_COPY OUTPUT_DIR}

rm -f "$out"/mtls-cloudflare-*.tar.gz
(cd "$copy" && ansible-galaxy collection build --force --output-path "$out" </dev/null)
tarball=$(find "$out" -maxdepth 1 -name 'mtls-cloudflare-*.tar.gz' | head -n 1)
[ -n "$tarball" ] || { echo "build: no artifact in $out" >&2; exit 1; }
echo "artifact: $tarball ($(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | wc -l) entries)"

# Development-only content that must never ship.
forbidden='^(\./)?(tools|tests/output|tests/local_cloudflare|tests/integration/integration_config\.yml|\.venv|\.venvs|\.venv-demo|\.build|\.ansible|\.ci|\.cache|\.git|examples|benchmarks)(/|$)|^(\./)?(Makefile|requirements-dev\.txt|requirements-demo\.txt|\.ansible-lint|noxfile\.py|antsibull-nox\.toml)$|(^|/)(__pycache__|\.pytest_cache)(/|$)|\.pyc$|\.tar\.gz$'
if tar -tzf "$tarball" | grep -E "$forbidden"; then
    echo "build: the artifact contains the development files listed above (fix build_ignore in galaxy.yml)" >&2
    exit 1
fi
echo "artifact holds no development files"

log=$(mktemp "${TMPDIR:-/tmp}/galaxy-importer.XXXXXX")
trap 'rm -f "$log"' EXIT
status=0
(cd "$out" && python -m galaxy_importer.main "$tarball" </dev/null) 2>&1 | tee "$log" || status=$?
if [ "$status" != 0 ]; then
    echo "build: galaxy-importer exited with $status" >&2
    exit "$status"
fi
if grep -E '^ERROR|not found, skipping' "$log" >/dev/null; then
    echo "build: galaxy-importer reported errors:" >&2
    grep -E '^ERROR|not found, skipping' "$log" >&2
    exit 1
fi
echo "galaxy-importer: no error"
