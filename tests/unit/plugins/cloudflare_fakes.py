# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test doubles and figures shared by the unit tests."""

from __future__ import annotations

import contextlib
import json

from ansible.module_utils import basic

from ansible_collections.mtls.cloudflare.plugins.module_utils._module import cloudflare_argument_spec

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    patch_module_args = None

BASE = 'https://api.cloudflare.com/client/v4'
TOKEN = 'unit-test-token-5ecret'
ZONE = '023e105f4ecef8ad9ca31a8372d0c353'


class ModuleDouble(object):
    """What CloudflareClient needs of an AnsibleModule: params, check_mode, warn, no_log_values."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.warnings = []
        self.no_log_values = set()

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **kwargs):
        raise AssertionError('fail_json called: %r' % kwargs)


def module_params(**overrides):
    params = dict((name, spec.get('default')) for name, spec in cloudflare_argument_spec().items())
    params.update(api_token=TOKEN, zone_id=ZONE)
    params.update(overrides)
    return params


class Clock(object):
    """A fake clock that only moves when the client sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self):
        return self.now

    def wall(self):
        # The wall clock (the budget the processes of a controller share) moves with the fake one.
        return 1.7e9 + self.now


def envelope(result=None, success=True, errors=None, messages=None, result_info=None):
    body = {'success': success, 'errors': errors or [], 'messages': messages or [], 'result': result}
    if result_info is not None:
        body['result_info'] = result_info
    return body


@contextlib.contextmanager
def module_args(args):
    """Hand ``args`` to the next AnsibleModule as its module arguments (unit tests and tests/live)."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved
