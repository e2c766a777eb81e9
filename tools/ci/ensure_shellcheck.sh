#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ensure_shellcheck.sh: ansible-test's shellcheck sanity test passes silently when shellcheck
# is missing, so install it (Debian package) when we can, and say so loudly when we cannot.
set -euo pipefail

if command -v shellcheck >/dev/null 2>&1; then
    echo "shellcheck present: $(shellcheck --version | sed -n 's/^version: //p')"
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing shellcheck with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq shellcheck </dev/null
    echo "shellcheck installed: $(shellcheck --version | sed -n 's/^version: //p')"
    exit 0
fi
echo "ensure_shellcheck: shellcheck is not installed and cannot be (not root or no apt-get); ansible-test's shellcheck" \
    "sanity test would pass without checking anything: install shellcheck" >&2
exit 1
