# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
import responses


@pytest.fixture(autouse=True)
def budget_dir(tmp_path, monkeypatch):
    """The rate budget the processes of a controller share: a folder of each test's own, never ~/.ansible/tmp."""
    folder = tmp_path / 'budget'
    monkeypatch.setenv('MTLS_CLOUDFLARE_BUDGET_DIR', str(folder))
    return folder


@pytest.fixture
def api():
    """Scripted HTTP conversation: responses are served in the order they are registered."""
    with responses.RequestsMock(registry=responses.registries.OrderedRegistry, assert_all_requests_are_fired=True) as mock:
        yield mock
