# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import Clock, module_args


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr('time.sleep', fake.sleep)
    monkeypatch.setattr('time.monotonic', fake.monotonic)
    monkeypatch.setattr(_api, '_wall', fake.wall)
    # Jitter at its top, so a backoff is its upper bound (1 s, 2 s, 4 s ...) and the figures are exact.
    monkeypatch.setattr(_api, '_jitter', lambda: 1.0)
    return fake


@pytest.fixture
def run_module(capsys, monkeypatch, clock):
    """Run a module's main() with ``args`` and return (exit code, the JSON it printed)."""
    for name in ('CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_TOKEN', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_API_BASE_URL'):
        monkeypatch.delenv(name, raising=False)

    def run(main, args, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        # ansible-core keeps warnings in a process-wide store: without this, a test would see
        # the warnings of the tests before it, and a fragment asserted there could come from them.
        for store in ('_global_warnings', '_global_deprecations'):
            getattr(ansible_warnings, store).clear()
        with module_args(args):
            with pytest.raises(SystemExit) as exited:
                main()
        out = capsys.readouterr().out
        return exited.value.code or 0, json.loads(out)
    return run
