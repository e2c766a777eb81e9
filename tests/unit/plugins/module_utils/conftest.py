# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api
from ansible_collections.mtls.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import Clock, ModuleDouble, module_params


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_client(clock, monkeypatch):
    for name in ('CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_TOKEN', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_API_KEY'):
        monkeypatch.delenv(name, raising=False)

    # The transport's time seam; jitter fixed at 1.0 so the backoff is its upper bound and the figures are exact.
    monkeypatch.setattr(_api, '_sleep', clock.sleep)
    monkeypatch.setattr(_api, '_clock', clock.monotonic)
    monkeypatch.setattr(_api, '_wall', clock.wall)
    monkeypatch.setattr(_api, '_jitter', lambda: 1.0)

    def factory(check_mode=False, **overrides):
        module = ModuleDouble(module_params(**overrides), check_mode=check_mode)
        return CloudflareClient(module)
    return factory
