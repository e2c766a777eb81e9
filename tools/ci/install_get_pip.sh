#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# install_get_pip.sh VENV: put tools/ci/get_pip.py where the ansible-test of VENV looks for its
# pip bootstrap script (~/.ansible/test/cache/get_pip_<version>.py) for every pip version that
# ansible-test pins, so `ansible-test ... --venv` never downloads it from a host that is not
# reachable here. Idempotent: a file that is already identical is left alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${1:?usage: install_get_pip.sh VENV}
cache=${HOME}/.ansible/test/cache

requirements=$(find "$venv"/lib/python3.*/site-packages/ansible_test/_internal -maxdepth 1 -name python_requirements.py | head -n 1)
if [ -z "$requirements" ]; then
    echo "install_get_pip: no ansible_test/_internal/python_requirements.py in $venv" >&2
    exit 1
fi
# The pins look like `pip='24.2'` (default and per-Python overrides).
versions=$(grep -oE "pip='[0-9][0-9.]*'" "$requirements" | cut -d"'" -f2 | sort -u)
if [ -z "$versions" ]; then
    echo "install_get_pip: found no pip version in $requirements; ansible-test changed, update this script" >&2
    exit 1
fi
mkdir -p "$cache"
for version in $versions; do
    target=$cache/get_pip_${version//./_}.py
    if cmp -s "$here/get_pip.py" "$target"; then
        echo "pip $version bootstrap script in place: $target"
    else
        cp "$here/get_pip.py" "$target"
        echo "installed pip $version bootstrap script: $target"
    fi
done
