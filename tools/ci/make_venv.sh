#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make_venv.sh DIR X.Y PIP-INSTALL-ARGS...
# Create (or re-use) a virtual environment DIR on Python X.Y with `pip install PIP-INSTALL-ARGS`.
# DIR/.stamp holds a key made of the interpreter, the arguments and the content of every file
# named after -r/-c; when the key matches, the venv is re-used as it is, otherwise it is
# rebuilt from scratch so that it never carries packages a requirement file no longer names.
# Exit 3 when no working Python X.Y exists on this machine.
# With MAKE_VENV_WITHOUT_PIP=1 the venv gets no pip of its own (ensurepip costs about 8 s, most of a
# small venv's creation): the interpreter's own pip installs into it (`pip --python`, pip >= 22.3).
# It falls back to the usual way when that pip cannot.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:?usage: make_venv.sh DIR X.Y PIP-ARGS...}
pyver=${2:?usage: make_venv.sh DIR X.Y PIP-ARGS...}
shift 2

if ! python=$("$here/find_python.sh" "$pyver"); then
    echo "make_venv: no working Python $pyver found (looked in \$(pyenv root)/versions and on PATH)" >&2
    exit 3
fi

key() {
    local arg next_is_file=0
    echo "python=$python $("$python" -c 'import sys; print(sys.version)')"
    # Only when set, so that the keys of existing venvs stay what they were.
    if [ "${MAKE_VENV_WITHOUT_PIP:-0}" = 1 ]; then
        echo "without_pip"
    fi
    for arg in "$@"; do
        echo "arg=$arg"
        if [ "$next_is_file" = 1 ]; then
            sha256sum "$arg"
        fi
        case "$arg" in
            -r | -c) next_is_file=1 ;;
            *) next_is_file=0 ;;
        esac
    done
}

want=$(key "$@" | sha256sum | cut -d' ' -f1)
if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    echo "venv $dir is up to date (Python $pyver)"
    exit 0
fi

echo "creating venv $dir with $python"
rm -rf "$dir"
pip=("$dir/bin/python" -m pip)
if [ "${MAKE_VENV_WITHOUT_PIP:-0}" = 1 ] && "$python" -m pip --help 2>/dev/null | grep -q -- '--python <python>'; then
    "$python" -m venv --without-pip "$dir"
    pip=("$python" -m pip --python "$dir/bin/python")
else
    "$python" -m venv "$dir"
fi
# This machine kind's pip configuration names extra local indexes that are mostly empty: drop
# the warning pip prints for each missing folder, keep everything else it says.
"${pip[@]}" install --disable-pip-version-check --progress-bar off "$@" 2>&1 |
    { grep --line-buffered -v 'is ignored: it is neither a file nor a directory' || true; }
echo "$want" >"$dir/.stamp"
echo "venv $dir ready"
