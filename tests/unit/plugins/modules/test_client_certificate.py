# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""client_certificate: every status x state cell, the selectors, check mode, diff and input checks.

Each test scripts the HTTP conversation in order and asserts the requests the module sent.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import CLIENT_CERTIFICATE_FIELDS
from ansible_collections.mtls.cloudflare.plugins.modules import client_certificate
from ansible_collections.mtls.cloudflare.tests.unit.plugins.client_certificate_fakes import (
    ARGS, CERT_ID, CSR, CSR_REWRAPPED, LIST, NOT_A_CSR, ONE, OTHER_CSR, certificate, not_found, page, query, sent,
)
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, envelope


# --- every status x state cell, selected by id ------------------------------------------------

@pytest.mark.parametrize('state,status,writes,changed,after', [
    ('revoked', 'active', [('DELETE', ONE, None)], True, 'pending_revocation'),
    ('revoked', 'pending_revocation', [], False, 'pending_revocation'),
    ('revoked', 'revoked', [], False, 'revoked'),
    ('present', 'active', [], False, 'active'),
    ('present', 'pending_reactivation', [], False, 'pending_reactivation'),
    ('present', 'pending_revocation', [('PATCH', ONE, {'reactivate': True})], True, 'pending_reactivation'),
])
def test_status_by_state(run_module, api, state, status, writes, changed, after):
    api.get(ONE, json=envelope(certificate(status)))
    for method, url, dummy in writes:
        api.add(method, url, json=envelope(certificate(after)))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state=state))
    assert code == 0 and result['changed'] is changed
    assert sent(api) == [('GET', ONE, None)] + writes
    assert result['client_certificate']['status'] == after
    assert sorted(result['client_certificate']) == sorted(CLIENT_CERTIFICATE_FIELDS)
    assert 'private_key' not in json.dumps(result)


def test_revoking_a_revoked_certificate_by_id_is_one_request(run_module, api):
    api.get(ONE, json=envelope(certificate('revoked')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1


def test_revoking_an_active_certificate_by_id_is_two_requests_and_one_more_for_a_zone_name(run_module, api):
    api.get(BASE + '/zones', json=envelope([{'id': ZONE, 'name': 'example.com'}]))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, {'api_token': TOKEN, 'zone': 'example.com', 'id': CERT_ID, 'state': 'revoked'})
    assert code == 0 and result['changed'] is True
    assert [(method, url) for method, url, body in sent(api)] == [('GET', BASE + '/zones'), ('GET', ONE), ('DELETE', ONE)]
    assert query(api, 0) == {'name': 'example.com'}
    assert api.calls[2].request.body is None


def test_revoking_a_pending_reactivation_without_wait_fails_clearly(run_module, api):
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 1 and result['changed'] is False and len(api.calls) == 1
    assert 'pending_reactivation' in result['msg'] and 'wait: true' in result['msg'] and 'again later' in result['msg']
    assert 'api_error' not in result


def test_revoking_a_pending_reactivation_with_wait_waits_until_active_then_revokes(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    api.get(ONE, json=envelope(certificate('revoked')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', wait=True))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'revoked'
    assert [method for method, url, body in sent(api)] == ['GET', 'GET', 'GET', 'DELETE', 'GET']
    # Each wait starts from what is known (the first read, then the DELETE's answer): every poll comes one interval later.
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_a_reactivation_revoked_by_someone_else_while_waiting_needs_no_delete(run_module, api):
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.get(ONE, json=envelope(certificate('revoked')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', wait=True))
    assert code == 0 and result['changed'] is False and result['client_certificate']['status'] == 'revoked'
    assert [method for method, url, body in sent(api)] == ['GET', 'GET', 'GET']


def test_present_on_a_revoked_certificate_fails_saying_to_issue_a_new_one(run_module, api):
    api.get(ONE, json=envelope(certificate('revoked')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID))
    assert code == 1 and result['changed'] is False and len(api.calls) == 1
    assert 'revocation has completed' in result['msg'] and 'issue a new certificate' in result['msg']


def test_an_unknown_status_changes_nothing(run_module, api):
    api.get(ONE, json=envelope(certificate('pending_expiration')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 1 and "'pending_expiration'" in result['msg'] and len(api.calls) == 1


@pytest.mark.parametrize('state', ['revoked', 'present'])
def test_an_unknown_id_fails_so_a_typo_never_passes(run_module, api, state):
    api.get(ONE, status=404, json=not_found())
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state=state))
    assert code == 1 and result['changed'] is False and len(api.calls) == 1
    assert 'no client certificate with id %s in zone %s' % (CERT_ID, ZONE) in result['msg']


# --- selectors ---------------------------------------------------------------------------------

def test_serial_lookup_stops_at_the_page_that_has_it(run_module, api):
    first = [certificate(number=n) for n in range(2, 52)]
    second = [certificate(number=n) for n in range(52, 102)]
    api.get(LIST, json=page(first, 1, 150))
    api.get(LIST, json=page(second, 2, 150))
    api.delete(LIST + '/' + second[10]['id'], json=envelope(dict(second[10], status='pending_revocation')))
    serial = ':'.join(second[10]['serial_number'][i:i + 2] for i in range(0, 40, 2)).upper()
    code, result = run_module(client_certificate.main, dict(ARGS, serial_number=serial, state='revoked'))
    assert code == 0 and result['changed'] is True and result['client_certificate']['id'] == second[10]['id']
    assert [query(api, 0), query(api, 1)] == [{'page': '1', 'per_page': '50'}, {'page': '2', 'per_page': '50'}]
    assert sent(api)[2] == ('DELETE', LIST + '/' + second[10]['id'], None)


def test_fingerprint_lookup(run_module, api):
    items = [certificate('revoked', number=n) for n in range(2, 5)]
    api.get(LIST, json=page(items))
    code, result = run_module(client_certificate.main, dict(ARGS, fingerprint_sha256=items[1]['fingerprint_sha256'].upper(), state='revoked'))
    assert code == 0 and result['changed'] is False and result['client_certificate']['id'] == items[1]['id']
    assert len(api.calls) == 1


def test_a_serial_that_matches_nothing_fails_after_every_page(run_module, api):
    api.get(LIST, json=page([certificate(number=n) for n in range(2, 52)], 1, 60))
    api.get(LIST, json=page([certificate(number=n) for n in range(52, 62)], 2, 60))
    code, result = run_module(client_certificate.main, dict(ARGS, serial_number='ffff', state='revoked'))
    assert code == 1 and 'no client certificate with serial_number ffff' in result['msg'] and len(api.calls) == 2


def test_an_ambiguous_serial_fails_listing_the_candidates(run_module, api):
    twins = [certificate('active', number=2), dict(certificate('pending_revocation', number=3), serial_number='%040x' % 1002)]
    api.get(LIST, json=page(twins))
    code, result = run_module(client_certificate.main, dict(ARGS, serial_number='%x' % 1002, state='revoked'))
    assert code == 1 and result['changed'] is False and len(api.calls) == 1
    assert result['candidates'] == [{'id': '%032x' % 2, 'status': 'active'}, {'id': '%032x' % 3, 'status': 'pending_revocation'}]
    assert '%032x active' % 2 in result['msg'] and 'select one of them with id' in result['msg']


def test_csr_adopts_the_certificate_issued_from_it_however_it_is_wrapped(run_module, api):
    items = [certificate(number=2), certificate('revoked', number=3, csr=CSR), certificate('active', number=4, csr=CSR_REWRAPPED)]
    api.get(LIST, json=page(items))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1
    assert result['client_certificate']['id'] == items[2]['id']


def test_csr_issues_when_only_revoked_certificates_came_from_it(run_module, api):
    api.get(LIST, json=page([certificate('revoked', number=3, csr=CSR)]))
    issued = certificate('active', number=9, csr=CSR)
    api.post(LIST, json=envelope(issued))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR_REWRAPPED, validity_days=365))
    assert code == 0 and result['changed'] is True and result['client_certificate']['id'] == issued['id']
    # The CSR is sent normalised: LF line endings, 64-column lines.
    assert sent(api)[1] == ('POST', LIST, {'csr': CSR, 'validity_days': 365})


def test_csr_with_the_new_label_is_sent_with_the_usual_one(run_module, api):
    api.get(LIST, json=page([]))
    api.post(LIST, json=envelope(certificate(number=9, csr=CSR)))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR.replace('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST')))
    assert code == 0 and sent(api)[1][2]['csr'] == CSR


def test_csr_adopts_a_pending_revocation_and_reactivates_it(run_module, api):
    items = [certificate('pending_revocation', number=5, csr=CSR)]
    api.get(LIST, json=page(items))
    api.patch(LIST + '/' + items[0]['id'], json=envelope(dict(items[0], status='pending_reactivation')))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR))
    assert code == 0 and result['changed'] is True
    assert sent(api)[1] == ('PATCH', LIST + '/' + items[0]['id'], {'reactivate': True})


def test_csr_with_two_live_certificates_is_ambiguous(run_module, api):
    api.get(LIST, json=page([certificate('active', number=2, csr=CSR), certificate('pending_revocation', number=3, csr=CSR)]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR))
    assert code == 1 and result['msg'].startswith('csr matches 2 client certificates') and len(api.calls) == 1
    assert [item['status'] for item in result['candidates']] == ['active', 'pending_revocation']


def test_csr_revokes_the_live_certificate_issued_from_it(run_module, api):
    items = [certificate('revoked', number=2, csr=CSR), certificate('active', number=3, csr=CSR)]
    api.get(LIST, json=page(items))
    api.delete(LIST + '/' + items[1]['id'], json=envelope(dict(items[1], status='pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR, state='revoked'))
    assert code == 0 and result['changed'] is True and result['client_certificate']['id'] == items[1]['id']


def test_csr_revoked_when_everything_from_it_is_revoked_reports_the_newest(run_module, api):
    items = [certificate('revoked', number=2, csr=CSR, issued_on='2024-05-01T00:00:00Z'),
             certificate('revoked', number=3, csr=CSR, issued_on='2023-01-01T00:00:00Z')]
    api.get(LIST, json=page(items))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR, state='revoked'))
    assert code == 0 and result['changed'] is False and result['client_certificate']['id'] == items[0]['id']


def test_csr_revoked_with_nothing_issued_from_it_fails(run_module, api):
    api.get(LIST, json=page([certificate(number=2)]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR, state='revoked'))
    assert code == 1 and 'nothing to revoke' in result['msg']


# --- check mode and diff -----------------------------------------------------------------------

@pytest.mark.parametrize('state,status,wait,predicted', [
    ('revoked', 'active', False, 'pending_revocation'),
    ('revoked', 'active', True, 'revoked'),
    ('revoked', 'pending_reactivation', True, 'revoked'),
    ('present', 'pending_revocation', False, 'pending_reactivation'),
    ('present', 'pending_revocation', True, 'active'),
])
def test_check_mode_sends_no_write_and_predicts_the_result(run_module, api, clock, state, status, wait, predicted):
    api.get(ONE, json=envelope(certificate(status)))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state=state, wait=wait), check_mode=True)
    assert code == 0 and result['changed'] is True
    assert sent(api) == [('GET', ONE, None)] and clock.sleeps == []
    assert result['client_certificate']['status'] == predicted and result['client_certificate']['id'] == CERT_ID


@pytest.mark.parametrize('state,status,wait,predicted', [
    ('revoked', 'pending_revocation', True, 'revoked'),
    ('present', 'pending_reactivation', True, 'active'),
    ('revoked', 'revoked', False, 'revoked'),
])
def test_check_mode_does_not_wait_but_returns_what_a_run_would_wait_for(run_module, api, clock, state, status, wait, predicted):
    api.get(ONE, json=envelope(certificate(status)))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state=state, wait=wait), check_mode=True)
    assert code == 0 and result['changed'] is False and len(api.calls) == 1 and clock.sleeps == []
    assert result['client_certificate']['status'] == predicted


def test_check_mode_fails_like_a_real_run_on_a_pending_reactivation(run_module, api):
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'), check_mode=True)
    assert code == 1 and 'wait: true' in result['msg']


def test_check_mode_predicts_an_issue_from_the_csr(run_module, api):
    api.get(LIST, json=page([certificate('revoked', number=3, csr=CSR)]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR, validity_days=30), check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True and len(api.calls) == 1
    predicted = result['client_certificate']
    assert predicted['id'] is None and predicted['serial_number'] is None and predicted['certificate'] is None
    assert (predicted['status'], predicted['common_name'], predicted['country'], predicted['organization'], predicted['validity_days']) == (
        'active', 'device-0042.example.com', 'US', 'Example Inc.', 30)
    assert result['diff'] == {'before': {}, 'after': {'common_name': 'device-0042.example.com', 'validity_days': 30, 'status': 'active'}}


def test_diff_shows_the_status_before_and_after(run_module, api):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'), diff=True)
    assert code == 0
    assert result['diff']['before']['status'] == 'active' and result['diff']['after']['status'] == 'pending_revocation'
    assert result['diff']['before']['id'] == result['diff']['after']['id'] == CERT_ID
    assert set(result['diff']['after']) == {'id', 'common_name', 'serial_number', 'validity_days', 'expires_on', 'status'}


def test_diff_in_check_mode_matches_the_real_run(run_module, api):
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID), check_mode=True, diff=True)
    assert (result['diff']['before']['status'], result['diff']['after']['status']) == ('pending_revocation', 'pending_reactivation')


# --- input checked before any request ----------------------------------------------------------

@pytest.mark.parametrize('args,option', [
    ({'id': 'a/b'}, 'id'),
    ({'id': '..'}, 'id'),
    ({'id': ''}, 'id'),
    ({'serial_number': 'not a serial'}, 'serial_number'),
    ({'fingerprint_sha256': 'abcd'}, 'fingerprint_sha256'),
    ({'csr': 'hello'}, 'csr'),
    ({'csr': NOT_A_CSR}, 'csr'),
    ({'csr': CSR + OTHER_CSR}, 'csr'),
    ({'csr': CSR, 'validity_days': 0}, 'validity_days'),
    ({'csr': CSR, 'validity_days': -5}, 'validity_days'),
    ({'id': CERT_ID, 'wait_timeout': -1}, 'wait_timeout'),
    ({'id': CERT_ID, 'serial_number': 'abcd'}, 'mutually exclusive: id|serial_number|fingerprint_sha256|csr'),
    ({'id': CERT_ID, 'csr': CSR}, 'mutually exclusive: id|serial_number|fingerprint_sha256|csr'),
    ({}, 'id, serial_number, fingerprint_sha256, csr'),
    ({'id': CERT_ID, 'state': 'absent'}, 'state'),
    ({'id': CERT_ID, 'zone_id': '../x'}, 'zone_id'),
])
def test_bad_input_fails_before_any_request(run_module, api, args, option):
    code, result = run_module(client_certificate.main, dict(ARGS, **args))
    assert code == 1 and result['failed'] is True and len(api.calls) == 0
    assert option in result['msg']
    assert 'api_error' not in result


def test_no_credentials_fail_before_any_request(run_module, api):
    code, result = run_module(client_certificate.main, {'zone_id': ZONE, 'id': CERT_ID})
    assert code == 1 and 'no Cloudflare credentials' in result['msg'] and 'api_token' in result['msg'] and len(api.calls) == 0


def test_both_credential_schemes_fail_before_any_request(run_module, api):
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, api_email='a@example.com', api_key='k' * 37))
    assert code == 1 and 'mutually exclusive' in result['msg'] and 'api_token' in result['msg'] and len(api.calls) == 0
