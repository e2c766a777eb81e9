# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every plausible answer for a hostname without an association reads as absent; a disabled one stays disabled."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import (
    association_state, has_wanted_association, read_association, removal_state,
)

BASE = 'https://api.cloudflare.com/client/v4'
ZONE = '023e105f4ecef8ad9ca31a8372d0c353'
CERT = '0123456789abcdef0123456789abcdef'
URL = BASE + '/zones/%s/origin_tls_client_auth/hostnames/app.example.com' % ZONE
NULLS = dict.fromkeys(('cert_id', 'enabled', 'status', 'cert_status', 'certificate'), None)


def answer(result):
    return {'success': True, 'errors': [], 'messages': [], 'result': result}


def failure(*codes):
    return {'success': False, 'errors': [{'code': code, 'message': 'x'} for code in codes], 'messages': [], 'result': None}


@pytest.mark.parametrize('status, body', [
    (200, answer(dict(NULLS, hostname='app.example.com'))),
    (200, answer(dict(NULLS, hostname='app.example.com', cert_id=CERT, enabled=False, status='deleted'))),
    (200, answer(dict(NULLS, hostname='app.example.com', cert_id=CERT, enabled=False, status='pending_deletion'))),
    (200, answer(dict(NULLS, hostname='app.example.com', cert_id=CERT, enabled=None, status='active'))),
    (404, failure()),
    (404, failure(1415)),
    (404, failure(7003, 7000)),
    (400, failure(1415)),
])
def test_no_association_in_every_shape(make_client, api, status, body):
    api.get(URL, status=status, json=body)
    association = read_association(make_client(), ZONE, 'app.example.com')
    assert association['hostname'] == 'app.example.com'
    assert association_state(association) == 'absent' and removal_state(association) == 'absent'
    assert has_wanted_association(association, {'hostname': 'app.example.com', 'cert_id': CERT, 'enabled': None})


@pytest.mark.parametrize('status', ['active', 'pending_deployment', None])
def test_disabled_is_never_read_as_removed(status):
    disabled = dict(NULLS, hostname='app.example.com', cert_id=CERT, enabled=False, status=status)
    assert association_state(disabled) == 'disabled'
    # A removal this run sent counts as done once the hostname reads disabled (the wait ends) ...
    assert removal_state(disabled) == 'absent'
    # ... but the write helper does not take it as proof that a removal was applied.
    assert not has_wanted_association(disabled, {'hostname': 'app.example.com', 'cert_id': CERT, 'enabled': None})
    assert has_wanted_association(disabled, {'hostname': 'app.example.com', 'cert_id': CERT, 'enabled': False})


def test_enabled_is_present():
    enabled = dict(NULLS, hostname='app.example.com', cert_id=CERT, enabled=True, status='active')
    assert association_state(enabled) == 'enabled' and removal_state(enabled) == 'present'


def test_a_refusal_with_another_code_is_not_absent(make_client, api):
    api.get(URL, status=400, json=failure(1001))
    with pytest.raises(CloudflareError):
        read_association(make_client(api_retries=0), ZONE, 'app.example.com')
