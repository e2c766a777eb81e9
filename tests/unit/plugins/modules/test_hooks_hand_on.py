# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The hooks of a module hand on what they found by returning it, never through attributes of the task (_module.py's docstring).

The one attribute a hook may set is ``latest``, the last state seen, which the contract returns when a run fails.
"""

from __future__ import annotations

import ast
import glob
import os

import pytest

from ansible_collections.mtls.cloudflare.plugins.modules import client_certificate

MODULES = sorted(glob.glob(os.path.join(os.path.dirname(client_certificate.__file__), '*.py')))
ALLOWED = {'latest'}


def _set_outside_init(path):
    """(class.method, attribute) for every assignment to ``self.<attribute>`` (or below it) outside ``__init__``."""
    with open(path) as source:
        tree = ast.parse(source.read())
    found = []
    for cls in [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]:
        for method in [node for node in cls.body if isinstance(node, ast.FunctionDef) and node.name != '__init__']:
            for node in ast.walk(method):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == 'self':
                            found.append(('%s.%s' % (cls.name, method.name), sub.attr))
    return found


def test_every_module_is_looked_at():
    assert len(MODULES) >= 8 and any(path.endswith('client_certificates.py') for path in MODULES)


@pytest.mark.parametrize('path', MODULES, ids=os.path.basename)
def test_no_hook_hands_state_on_through_an_attribute(path):
    assert [(where, name) for where, name in _set_outside_init(path) if name not in ALLOWED] == []
