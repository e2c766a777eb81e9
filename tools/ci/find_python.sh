#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Print the path of a WORKING interpreter for Python X.Y, or exit 1.
# pyenv shims such as `python3.12` can be on PATH and still exit 127 when that version is not
# pyenv's global one, so every candidate is run before it is trusted.
# Order: pyenv's versions folder (newest patch first), then `pythonX.Y`, `python3` and `python`
# on PATH.
set -euo pipefail

want=${1:?usage: find_python.sh X.Y}

works() {
    local got
    got=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
    [ "$got" = "$want" ]
}

candidates=()
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root 2>/dev/null || true)
else
    root=${PYENV_ROOT:-$HOME/.pyenv}
fi
if [ -n "${root:-}" ] && [ -d "$root/versions" ]; then
    while IFS= read -r dir; do
        candidates+=("$dir/bin/python$want")
    done < <(find "$root/versions" -mindepth 1 -maxdepth 1 -name "$want*" | sort -t. -k3,3nr)
fi
for name in "python$want" python3 python; do
    if path=$(command -v "$name" 2>/dev/null); then
        candidates+=("$path")
    fi
done

for candidate in "${candidates[@]}"; do
    if [ -x "$candidate" ] && works "$candidate"; then
        # Resolve a shim or wrapper to the interpreter itself, so venvs and PATH use the real one.
        "$candidate" -c 'import os, sys; print(os.path.realpath(sys.executable))'
        exit 0
    fi
done
exit 1
