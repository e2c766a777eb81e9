# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import CLIENT_CERTIFICATE_FIELDS
from ansible_collections.mtls.cloudflare.plugins.modules import client_certificate_info
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, envelope

LIST = BASE + '/zones/%s/client_certificates' % ZONE
CERT_ID = '0123456789abcdef0123456789abcdef'
ARGS = {'api_token': TOKEN, 'zone_id': ZONE}


def certificate(number, status='active', days_left=400, common_name=None):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days_left)
    return {
        'id': '%032x' % number, 'status': status, 'common_name': common_name or 'device-%d' % number,
        'serial_number': '%040x' % (number + 1000), 'fingerprint_sha256': '%064x' % (number + 5000),
        'expires_on': expires.strftime('%Y-%m-%dT%H:%M:%SZ'), 'issued_on': '2024-01-01T00:00:00Z',
        'certificate': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        'certificate_authority': {'id': 'ca', 'name': 'Cloudflare Managed CA', 'extra': 'dropped'},
        'validity_days': 3650, 'unexpected_new_field': 'dropped',
    }


def page(items, number, total):
    return envelope(items, result_info={'page': number, 'per_page': 50, 'count': len(items), 'total_count': total,
                                        'total_pages': (total + 49) // 50})


def test_lists_every_page_with_status_filter(run_module, api):
    all_items = [certificate(n) for n in range(120)]
    for number in range(3):
        api.get(LIST, json=page(all_items[number * 50:(number + 1) * 50], number + 1, 120))
    code, result = run_module(client_certificate_info.main, dict(ARGS, status='active'))
    assert code == 0 and result['changed'] is False
    assert len(result['client_certificates']) == 120
    assert all('status=active' in call.request.url for call in api.calls)
    first = result['client_certificates'][0]
    assert sorted(first) == sorted(CLIENT_CERTIFICATE_FIELDS)
    assert first['certificate_authority'] == {'id': 'ca', 'name': 'Cloudflare Managed CA'}


def test_status_all_sends_no_status_filter(run_module, api):
    api.get(LIST, json=page([certificate(1, 'revoked')], 1, 1))
    code, result = run_module(client_certificate_info.main, ARGS)
    assert code == 0 and 'status=' not in api.calls[0].request.url
    assert result['client_certificates'][0]['status'] == 'revoked'


def test_get_by_id_is_one_request(run_module, api):
    api.get(LIST + '/' + CERT_ID, json=envelope(certificate(7)))
    code, result = run_module(client_certificate_info.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and len(api.calls) == 1
    assert result['client_certificates'][0]['common_name'] == 'device-7'


def test_unknown_id_returns_an_empty_list(run_module, api):
    api.get(LIST + '/' + CERT_ID, status=404, json=envelope(success=False, errors=[{'code': 1402, 'message': 'not found'}]))
    code, result = run_module(client_certificate_info.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and result['client_certificates'] == []


def test_serial_lookup_stops_paging_once_found(run_module, api):
    all_items = [certificate(n) for n in range(150)]
    api.get(LIST, json=page(all_items[:50], 1, 150))
    api.get(LIST, json=page(all_items[50:100], 2, 150))
    wanted = all_items[60]['serial_number'].upper()
    code, result = run_module(client_certificate_info.main, dict(ARGS, serial_number=wanted))
    assert code == 0 and len(api.calls) == 2
    assert [item['id'] for item in result['client_certificates']] == [all_items[60]['id']]


def test_client_side_filters(run_module, api):
    items = [certificate(1, days_left=10, common_name='edge'), certificate(2, days_left=100, common_name='edge'),
             certificate(3, days_left=5, common_name='other'), certificate(4, days_left=-3, common_name='edge')]
    api.get(LIST, json=page(items, 1, 4))
    code, result = run_module(client_certificate_info.main, dict(ARGS, common_name='edge', expires_within_days=30))
    assert code == 0
    assert [item['id'] for item in result['client_certificates']] == [items[0]['id'], items[3]['id']]


def test_fingerprint_filter(run_module, api):
    items = [certificate(n) for n in range(3)]
    api.get(LIST, json=page(items, 1, 3))
    fingerprint = ':'.join(items[2]['fingerprint_sha256'][i:i + 2] for i in range(0, 64, 2))
    code, result = run_module(client_certificate_info.main, dict(ARGS, fingerprint_sha256=fingerprint))
    assert code == 0 and [item['id'] for item in result['client_certificates']] == [items[2]['id']]


def test_zone_by_name_costs_one_more_request(run_module, api):
    api.get(BASE + '/zones', json=envelope([{'id': ZONE, 'name': 'example.com'}]))
    api.get(LIST + '/' + CERT_ID, json=envelope(certificate(7)))
    code, result = run_module(client_certificate_info.main, {'api_token': TOKEN, 'zone': 'example.com', 'id': CERT_ID})
    assert code == 0 and len(api.calls) == 2


def test_check_mode_reads_the_same_way(run_module, api):
    api.get(LIST + '/' + CERT_ID, json=envelope(certificate(7)))
    code, result = run_module(client_certificate_info.main, dict(ARGS, id=CERT_ID), check_mode=True)
    assert code == 0 and len(result['client_certificates']) == 1
    assert all(call.request.method == 'GET' for call in api.calls)


@pytest.mark.parametrize('args,option', [
    ({'id': '../zones'}, 'id'),
    ({'id': 'a/b'}, 'id'),
    ({'serial_number': 'not a serial!'}, 'serial_number'),
    ({'fingerprint_sha256': 'abcd'}, 'fingerprint_sha256'),
    ({'expires_within_days': -1}, 'expires_within_days'),
    ({'zone_id': '..'}, 'zone_id'),
    ({'api_base_url': 'http://api.example.org/client/v4'}, 'api_base_url'),
])
def test_bad_input_fails_before_any_request(run_module, api, args, option):
    code, result = run_module(client_certificate_info.main, dict(ARGS, **args))
    assert code == 1 and result['failed'] is True
    assert result['msg'].startswith(option) or option in result['msg']
    assert len(api.calls) == 0


def test_both_credential_schemes_are_refused(run_module, api):
    code, result = run_module(client_certificate_info.main, dict(ARGS, api_email='a@example.com', api_key='k' * 37))
    assert code == 1 and 'mutually exclusive' in result['msg'] and 'api_token' in result['msg']
    assert len(api.calls) == 0


def test_missing_credentials_fail_before_any_request(run_module, api):
    code, result = run_module(client_certificate_info.main, {'zone_id': ZONE})
    assert code == 1 and 'no Cloudflare credentials' in result['msg']
    assert len(api.calls) == 0


def test_zone_id_and_zone_are_exclusive(run_module, api):
    code, result = run_module(client_certificate_info.main, dict(ARGS, zone='example.com'))
    assert code == 1 and 'mutually exclusive' in result['msg']


def test_api_failure_gives_msg_and_api_error_without_traceback_or_secret(run_module, api):
    api.get(LIST, status=403, headers={'cf-ray': 'abc-LHR'},
            json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(client_certificate_info.main, ARGS)
    assert code == 1
    assert 'HTTP 403' in result['msg'] and '10000: Authentication error' in result['msg']
    assert result['api_error']['status'] == 403 and result['api_error']['cf_ray'] == 'abc-LHR'
    assert 'exception' not in result and 'Traceback' not in json.dumps(result)
    assert TOKEN not in json.dumps(result)


def test_retry_is_visible_as_a_warning(run_module, api, clock):
    api.get(LIST + '/' + CERT_ID, status=429, headers={'Retry-After': '3'}, json=envelope(success=False))
    api.get(LIST + '/' + CERT_ID, json=envelope(certificate(7)))
    code, result = run_module(client_certificate_info.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and clock.sleeps == [3.0]
    # ansible-core 2.19 returns warnings as structured events, older cores as strings.
    assert 'HTTP 429; retry 1 of 5 in 3.0 s (what is left of the Retry-After hold)' in json.dumps(result['warnings'])


def test_missing_zone_fails_before_any_request(run_module, api):
    code, result = run_module(client_certificate_info.main, {'api_token': TOKEN})
    assert code == 1 and 'one of the following is required: zone_id, zone' in result['msg']
    assert len(api.calls) == 0
