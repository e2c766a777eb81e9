# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collection rules that neither ansible-test sanity nor ansible-lint enforce.

Usage: python check_collection.py [COLLECTION_ROOT]

- every module under plugins/modules/ has non-empty DOCUMENTATION, EXAMPLES and RETURN
  (sanity does not flag a collection module without RETURN), and the YAML ones parse;
- the action group ``all`` in meta/runtime.yml lists exactly the modules (no more, no fewer,
  no duplicates), so ``module_defaults: {group/mtls.cloudflare.all: ...}`` reaches every one;
- tests/sanity/ignore-*.txt are absent or empty: sanity passes without ignore entries;
- changelogs/fragments/ exists, for antsibull-changelog;
- the AWX guide shows the credential type file whole (the first ``code-block:: yaml`` of
  docs/docsite/rst/guide_awx.rst parses to what docs/awx/cloudflare_credential_type.yml holds).

Exit status 1 with one line per problem, 0 when every rule holds.
"""

from __future__ import annotations

import ast
import glob
import os
import sys

import yaml

COLLECTION_PREFIX = 'mtls.cloudflare.'
DOC_VARIABLES = ('DOCUMENTATION', 'EXAMPLES', 'RETURN')
YAML_DOC_VARIABLES = ('DOCUMENTATION', 'RETURN')


def module_names(root):
    """Return the module names found in plugins/modules/, sorted."""
    paths = glob.glob(os.path.join(root, 'plugins', 'modules', '*.py'))
    return sorted(os.path.splitext(os.path.basename(path))[0] for path in paths if not path.endswith('__init__.py'))


def string_assignments(path):
    """Return the module-level ``NAME = 'string'`` assignments of a Python file."""
    with open(path, encoding='utf-8') as source:
        tree = ast.parse(source.read(), filename=path)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def check_module_docs(root, problems):
    """Every module documents itself, its examples and its return values."""
    for name in module_names(root):
        path = os.path.join('plugins', 'modules', name + '.py')
        try:
            docs = string_assignments(os.path.join(root, path))
        except SyntaxError as error:
            problems.append('%s: does not parse: %s' % (path, error))
            continue
        for variable in DOC_VARIABLES:
            text = docs.get(variable, '')
            if not text.strip():
                problems.append('%s: %s is missing or empty' % (path, variable))
                continue
            if variable not in YAML_DOC_VARIABLES:
                continue
            try:
                parsed = yaml.safe_load(text)
            except yaml.YAMLError as error:
                problems.append('%s: %s is not valid YAML: %s' % (path, variable, str(error).replace('\n', ' ')))
                continue
            if not parsed:
                problems.append('%s: %s holds no entry' % (path, variable))


def check_action_group(root, problems):
    """The ``all`` action group and plugins/modules/ agree exactly."""
    runtime_path = os.path.join(root, 'meta', 'runtime.yml')
    if not os.path.exists(runtime_path):
        problems.append('meta/runtime.yml is missing')
        return
    with open(runtime_path, encoding='utf-8') as runtime_file:
        runtime = yaml.safe_load(runtime_file) or {}
    group = (runtime.get('action_groups') or {}).get('all')
    if group is None:
        problems.append('meta/runtime.yml: no action group "all"')
        return
    listed = []
    for entry in group:
        if isinstance(entry, dict):
            # {metadata: {extend_group: [...]}} entries extend the group with other groups.
            continue
        name = str(entry)
        if name.startswith(COLLECTION_PREFIX):
            name = name[len(COLLECTION_PREFIX):]
        listed.append(name)
    duplicates = sorted({name for name in listed if listed.count(name) > 1})
    if duplicates:
        problems.append('meta/runtime.yml: action group "all" lists more than once: %s' % ', '.join(duplicates))
    modules = set(module_names(root))
    missing = sorted(modules - set(listed))
    extra = sorted(set(listed) - modules)
    if missing:
        problems.append('meta/runtime.yml: action group "all" lacks the modules: %s' % ', '.join(missing))
    if extra:
        problems.append('meta/runtime.yml: action group "all" lists what plugins/modules/ does not have: %s' % ', '.join(extra))


def check_sanity_ignores(root, problems):
    """Sanity passes on its own: no ignore file carries an entry."""
    for path in sorted(glob.glob(os.path.join(root, 'tests', 'sanity', 'ignore-*.txt'))):
        with open(path, encoding='utf-8') as ignore_file:
            entries = [line for line in ignore_file if line.strip()]
        if entries:
            problems.append('%s: %d ignore entries; fix the finding instead' % (os.path.relpath(path, root), len(entries)))


def check_changelog(root, problems):
    """antsibull-changelog has its fragments folder."""
    if not os.path.isdir(os.path.join(root, 'changelogs', 'fragments')):
        problems.append('changelogs/fragments/ is missing')


def check_awx_guide(root, problems):
    """The credential type the AWX guide shows is the file's, whole."""
    guide_path = os.path.join('docs', 'docsite', 'rst', 'guide_awx.rst')
    type_path = os.path.join('docs', 'awx', 'cloudflare_credential_type.yml')
    with open(os.path.join(root, guide_path), encoding='utf-8') as guide:
        lines = guide.read().split('\n')
    try:
        start = lines.index('.. code-block:: yaml') + 2
    except ValueError:
        problems.append('%s: no ".. code-block:: yaml" with the credential type' % guide_path)
        return
    block = []
    for line in lines[start:]:
        if line and not line.startswith('    '):
            break
        block.append(line[4:])
    with open(os.path.join(root, type_path), encoding='utf-8') as type_file:
        wanted = yaml.safe_load(type_file)
    if yaml.safe_load('\n'.join(block)) != wanted:
        problems.append('%s: the credential type it shows differs from %s; show the file whole' % (guide_path, type_path))


def main(argv):
    """Run every check on the collection at argv[1] (default: the current directory)."""
    root = argv[1] if len(argv) > 1 else '.'
    problems = []
    check_module_docs(root, problems)
    check_action_group(root, problems)
    check_sanity_ignores(root, problems)
    check_changelog(root, problems)
    check_awx_guide(root, problems)
    for problem in problems:
        print('ERROR: %s' % problem)
    modules = module_names(root)
    print('%d module(s) checked: %s' % (len(modules), ', '.join(modules) or 'none'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
