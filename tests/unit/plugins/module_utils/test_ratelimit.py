# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``Ratelimit`` / ``Ratelimit-Policy`` as the IETF draft Cloudflare follows writes them: lists of items."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api, _pool

BASE = 'https://api.cloudflare.com/client/v4'
PATH = '/zones/023e105f4ecef8ad9ca31a8372d0c353/client_certificates/0123456789abcdef0123456789abcdef'


def envelope(result):
    return {'success': True, 'errors': [], 'messages': [], 'result': result}


@pytest.mark.parametrize('header, items', [
    ('"default";r=50;t=30', [('default', 50, 30)]),
    ('"default";r=50;t=30, "burst";r=2;t=5', [('default', 50, 30), ('burst', 2, 5)]),
    ('"default";t=30;r=0,"burst";r=9;t=1', [('default', 0, 30), ('burst', 9, 1)]),
    # An item missing r or t is skipped, never completed with the other item's figure.
    ('"default";r=50, "burst";t=5', []),
    ('"default";r=50, "burst";r=2;t=5', [('burst', 2, 5)]),
    ('default;r=7;t=3', [('default', 7, 3)]),
    ('"default";r=x;t=3, garbage, , ;r=1;t=1', []),
    ('', []),
    (None, []),
])
def test_items_are_read_one_by_one(header, items):
    assert _api._ratelimit_items(header) == items


def test_policy_items():
    assert _api._ratelimit_items('"default";q=1200;w=300, "burst";q=2;w=5', ('q', 'w')) == [('default', 1200, 300), ('burst', 2, 5)]


@pytest.mark.parametrize('header, tightest', [
    ('"default";r=50;t=30', (50, 30)),
    ('"default";r=50;t=30, "burst";r=2;t=5', (2, 5)),
    # 1100 left for 250 s is looser than 2 left for 5 s; 3 left for 300 s is tighter than 2 for 5.
    ('"default";r=1100;t=250, "burst";r=2;t=5', (2, 5)),
    ('"default";r=3;t=300, "burst";r=2;t=5', (3, 300)),
    ('"default";r=50', None),
    ('garbage', None),
])
def test_parse_returns_one_items_own_pair(header, tightest):
    assert _api._parse_ratelimit(header) == tightest


def _budgeted(make_client, tmp_path):
    """A client as a module run has it: every request asks a rate budget (here in a folder of the test's own)."""
    client = make_client()
    client.budget = _pool.RateBudget(client.module.warn, _pool.budget_key(client), folder=str(tmp_path))
    return client


def test_a_spent_item_holds_until_its_reset(make_client, api, clock, tmp_path):
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=0;t=30'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = _budgeted(make_client, tmp_path)
    client.get(PATH)
    client.get(PATH)
    # Nothing left until the reset: the next request waits for it instead of running into the five-minute block.
    assert clock.sleeps == [30.0]
    assert 'spent until its reset' in client.module.warnings[0]


def test_the_tightest_item_holds(make_client, api, clock, tmp_path):
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=1000;t=250, "burst";r=0;t=4'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = _budgeted(make_client, tmp_path)
    client.get(PATH)
    client.get(PATH)
    assert clock.sleeps == [4.0]


def test_a_burst_quota_is_kept(make_client, api, clock, tmp_path):
    # Ratelimit-Policy names a burst quota of 2 per 5 s: the third request waits for the window (plus the network margin).
    for _answer in range(3):
        api.get(BASE + PATH, headers={'Ratelimit-Policy': '"default";q=1200;w=300, "burst";q=2;w=5'}, json=envelope({'id': 'x'}))
    client = _budgeted(make_client, tmp_path)
    for _request in range(3):
        client.get(PATH)
    assert len(clock.sleeps) == 1 and 5 < clock.sleeps[0] < 6


def test_plenty_left_or_no_header_no_wait(make_client, api, clock, tmp_path):
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=50'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=3;t=40'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = _budgeted(make_client, tmp_path)
    for _request in range(3):
        client.get(PATH)
    assert clock.sleeps == []
