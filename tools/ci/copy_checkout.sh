#!/usr/bin/env bash
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# copy_checkout.sh REPO DEST: replace DEST with a copy of the checkout's tracked files plus its
# untracked, not ignored ones (a developer's uncommitted work is tested too; .venv, .build,
# tests/output and the like are not copied). ansible-test needs a physical
# .../ansible_collections/NAMESPACE/NAME directory, which DEST is.
set -euo pipefail

repo=${1:?usage: copy_checkout.sh REPO DEST}
dest=${2:?usage: copy_checkout.sh REPO DEST}

case "$dest" in
    */ansible_collections/*/*) ;;
    *) echo "copy_checkout: $dest is not an .../ansible_collections/NAMESPACE/NAME path" >&2; exit 2 ;;
esac

rm -rf "$dest"
mkdir -p "$dest"
cd "$repo"
# A file deleted in the work tree but still in the index is left out with a warning, not a failure.
git ls-files -z --cached --others --exclude-standard --deduplicate |
    tar --null --no-recursion --ignore-failed-read -T - -cf - |
    tar -xf - -C "$dest"
# ansible-test looks for version control from the collection root UPWARDS: without a repository
# of its own the copy would belong to the checkout's, which ignores .build/, and ansible-test
# would see no file at all ("All targets skipped"). An empty repository makes it list the copy's
# files as untracked ones, minus what the copied .gitignore excludes.
git -C "$dest" init -q
echo "copied $(find "$dest" -type f | wc -l) files of $repo to $dest"
