# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``Ratelimit`` / ``Ratelimit-Policy`` as the IETF draft Cloudflare follows writes them: lists of items."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api

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


def test_paces_on_the_tightest_item(make_client, api, clock):
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=5;t=30, "burst";r=1;t=4'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = make_client()
    client.get(PATH)
    client.get(PATH)
    # default: 30 / 6 = 5 s; burst: 4 / 2 = 2 s. The longer wait satisfies both; never 30 / 2 or 4 / 6.
    assert clock.sleeps == [5.0]
    assert 'only 5 requests left' in client.module.warnings[0] and '(default)' in client.module.warnings[0]


def test_burst_item_paces_when_it_alone_runs_low(make_client, api, clock):
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=1000;t=250, "burst";r=1;t=4'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = make_client()
    client.get(PATH)
    client.get(PATH)
    assert clock.sleeps == [2.0]
    assert '(burst)' in client.module.warnings[0]


def test_policy_quota_below_the_threshold(make_client, api, clock):
    # A burst quota of 2: two left is the full quota, not a reason to pace; one left is.
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=1000;t=250, "burst";r=2;t=4',
                                  'Ratelimit-Policy': '"default";q=1200;w=300, "burst";q=2;w=5'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=999;t=249, "burst";r=1;t=4',
                                  'Ratelimit-Policy': '"default";q=1200;w=300, "burst";q=2;w=5'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = make_client()
    for dummy in range(3):
        client.get(PATH)
    assert clock.sleeps == [2.0]


def test_no_header_no_pacing(make_client, api, clock):
    api.get(BASE + PATH, headers={'Ratelimit': '"default";r=50'}, json=envelope({'id': 'x'}))
    api.get(BASE + PATH, json=envelope({'id': 'x'}))
    client = make_client()
    client.get(PATH)
    client.get(PATH)
    assert clock.sleeps == []
