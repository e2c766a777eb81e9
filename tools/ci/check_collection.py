# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collection rules that no tool we run enforces (antsibull-nox.toml has the rest).

Usage: python check_collection.py [COLLECTION_ROOT]

- every module under plugins/modules/ has a RETURN with at least one entry: ansible-test sanity only
  warns (missing-return-legacy) for a collection module without one;
- the AWX guide shows the credential type file whole (the first ``code-block:: yaml`` of
  docs/docsite/rst/guide_awx.rst parses to what docs/awx/cloudflare_credential_type.yml holds).

Exit status 1 with one line per problem, 0 when every rule holds.
"""

import ast
import glob
import os
import sys

import yaml


def main(root):
    """Print each problem; return the exit status."""
    problems = []
    modules = sorted(glob.glob(os.path.join(root, 'plugins', 'modules', '[!_]*.py')))
    for path in modules:
        with open(path, encoding='utf-8') as source:
            tree = ast.parse(source.read(), filename=path)
        returns = [node.value.value for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                   and any(isinstance(target, ast.Name) and target.id == 'RETURN' for target in node.targets)]
        if not returns or not yaml.safe_load(returns[0]):
            problems.append('%s: RETURN is missing or holds no entry' % os.path.relpath(path, root))
    guide_path, type_path = 'docs/docsite/rst/guide_awx.rst', 'docs/awx/cloudflare_credential_type.yml'
    with open(os.path.join(root, guide_path), encoding='utf-8') as guide:
        lines = guide.read().split('\n')
    start = lines.index('.. code-block:: yaml') + 2 if '.. code-block:: yaml' in lines else len(lines)
    block = []
    for line in lines[start:]:
        if line and not line.startswith('    '):
            break
        block.append(line[4:])
    with open(os.path.join(root, type_path), encoding='utf-8') as type_file:
        if yaml.safe_load('\n'.join(block)) != yaml.safe_load(type_file):
            problems.append('%s: the credential type it shows differs from %s; show the file whole' % (guide_path, type_path))
    for problem in problems:
        print('ERROR: %s' % problem)
    print('%d module(s) checked: %s' % (len(modules), ', '.join(os.path.basename(path)[:-3] for path in modules)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
