# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""client_certificate: waiting for Cloudflare's asynchronous statuses, and every way an API call can fail.

A change that happened is never hidden, and one that did not is never reported.
"""

from __future__ import annotations

import json

import requests

from ansible_collections.mtls.cloudflare.plugins.modules import client_certificate
from ansible_collections.mtls.cloudflare.tests.unit.plugins.client_certificate_fakes import (
    ARGS, CERT_ID, CSR, LIST, ONE, certificate, page, sent,
)
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import TOKEN, ZONE, envelope


# --- waiting -----------------------------------------------------------------------------------

def test_revoke_and_wait_until_revoked(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.get(ONE, json=envelope(certificate('revoked')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', wait=True))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'revoked'
    # The DELETE's answer (pending_revocation) starts the wait: no GET straight after it, each poll one interval later.
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET', 'GET'] and clock.sleeps == [1.0, 1.0]


def test_reactivate_and_wait_until_active(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.patch(ONE, json=envelope(certificate('pending_reactivation')))
    api.get(ONE, json=envelope(certificate('active')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, wait=True))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'active'


def test_issue_and_wait_needs_no_poll_when_the_certificate_is_active_at_once(run_module, api):
    api.get(LIST, json=page([]))
    api.post(LIST, json=envelope(certificate('active', number=9, csr=CSR)))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR, wait=True))
    assert code == 0 and result['changed'] is True and len(api.calls) == 2


def test_wait_timeout_fails_with_the_last_status_and_still_reports_the_revocation(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    # Polls at 1, 2, 4 and 5 s after the DELETE, whose answer is the first status seen.
    for dummy in range(4):
        api.get(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', wait=True, wait_timeout=5))
    assert code == 1 and result['changed'] is True
    assert 'timed out after 5 s waiting for client certificate %s to become revoked' % CERT_ID in result['msg']
    assert 'the last status seen was pending_revocation' in result['msg']
    assert result['client_certificate']['status'] == 'pending_revocation'
    assert clock.sleeps == [1.0, 1.0, 2.0, 1.0]


def test_a_reactivation_by_someone_else_while_waiting_for_revoked_fails(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', wait=True))
    assert code == 1 and result['changed'] is True
    assert ('while waiting for client certificate %s to become revoked, its status became pending_reactivation: someone else changed it' % CERT_ID
            in result['msg'])
    assert result['client_certificate']['status'] == 'pending_reactivation'


# --- API failures ------------------------------------------------------------------------------

def test_403_on_the_read_fails_with_api_error_and_no_secret(run_module, api):
    api.get(ONE, status=403, headers={'cf-ray': 'ray-LHR'}, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 1 and result['changed'] is False and len(api.calls) == 1
    assert 'GET /zones/%s/client_certificates/%s failed with HTTP 403: 10000: Authentication error' % (ZONE, CERT_ID) in result['msg']
    assert result['api_error']['cf_ray'] == 'ray-LHR' and TOKEN not in json.dumps(result)


def test_403_on_the_revoke_reports_no_change(run_module, api):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 1 and result['changed'] is False and len(api.calls) == 2
    assert result['api_error']['method'] == 'DELETE' and result['client_certificate']['status'] == 'active'


def test_429_on_the_revoke_is_retried_after_retry_after(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, status=429, headers={'Retry-After': '2'}, json=envelope(success=False, errors=[{'code': 971, 'message': 'Please wait'}]))
    # Every write's failure is judged by a new read, a 429 too; it shows no change, so the DELETE is sent again.
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 0 and result['changed'] is True
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET', 'DELETE'] and clock.sleeps == [2.0]
    # The new read waited out the Retry-After hold (the 2 s); the retry then goes at once.
    assert 'rate limited (HTTP 429); requests wait 2.0 s for the Retry-After of a 429' in json.dumps(result['warnings'])
    assert 'HTTP 429 and a new read shows no change; retry 1 of 5 in 0.0 s' in json.dumps(result['warnings'])


def test_5xx_on_the_read_gives_up_once_the_retries_are_spent(run_module, api, clock):
    for dummy in range(3):
        api.get(ONE, status=503, json=envelope(success=False))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', api_retries=2))
    assert code == 1 and result['changed'] is False and len(api.calls) == 3
    assert 'HTTP 503' in result['msg'] and 'Gave up after 3 attempts' in result['msg']


def test_a_revoke_whose_answer_was_lost_is_applied_when_the_new_read_says_so(run_module, api):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, body=requests.exceptions.ConnectionError('Connection aborted.'))
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'pending_revocation'
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET']
    assert ('the answer was lost or unusable (the connection was closed before a response arrived), but a new read shows that it '
            'was applied (client certificate %s)' % CERT_ID) in json.dumps(result['warnings'])


def test_a_revoke_answered_502_is_sent_again_once_a_new_read_shows_it_active(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, status=502, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked'))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'pending_revocation'
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET', 'DELETE'] and clock.sleeps == [1.0]
    assert 'HTTP 502 and a new read shows no change; retry 1 of 5' in json.dumps(result['warnings'])


def test_a_revoke_whose_answer_was_lost_is_not_reported_when_the_new_read_shows_it_active(run_module, api):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, status=502, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, status=502, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('active')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', api_retries=1))
    assert code == 1 and result['changed'] is False and result['client_certificate']['status'] == 'active'
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET', 'DELETE', 'GET']
    # A 502 may still be carried out by Cloudflare: not "not applied", and not "nothing was changed" either.
    assert 'HTTP 502' in result['msg'] and 'the outcome is unknown' in result['msg']
    assert 'nothing was changed' not in result['msg'] and 'not applied' not in result['msg']
    assert result['api_error']['method'] == 'DELETE' and result['api_error']['status'] == 502


def test_a_lost_answer_and_a_failed_new_read_say_the_outcome_is_unknown(run_module, api):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, body=requests.exceptions.ReadTimeout('read timed out'))
    api.get(ONE, status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', api_retries=0))
    assert code == 1 and result['changed'] is False
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET']
    assert ('reading client certificate %s again, to learn whether the DELETE was applied, failed too' % CERT_ID) in result['msg']
    assert '10000: Authentication error' in result['msg'] and 'the outcome is unknown' in result['msg']


def test_a_reactivation_whose_answer_was_lost(run_module, api):
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.patch(ONE, status=500, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('pending_reactivation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'pending_reactivation'


def test_an_issue_whose_answer_was_lost_adopts_what_it_issued(run_module, api):
    api.get(LIST, json=page([]))
    api.post(LIST, status=500, json=envelope(success=False))
    issued = certificate('active', number=9, csr=CSR)
    api.get(LIST, json=page([issued]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR))
    assert code == 0 and result['changed'] is True and result['client_certificate']['id'] == issued['id']
    assert [method for method, url, body in sent(api)] == ['GET', 'POST', 'GET']


def test_an_issue_whose_answer_was_lost_and_issued_nothing_fails(run_module, api):
    api.get(LIST, json=page([]))
    api.post(LIST, body=requests.exceptions.ConnectionError('Connection aborted.'))
    api.get(LIST, json=page([certificate('active', number=2)]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR))
    assert code == 1 and result['changed'] is False
    assert [method for method, url, body in sent(api)] == ['GET', 'POST', 'GET']
    # An issue POST is never sent twice, and a dropped answer may come from a POST Cloudflare carries out later.
    assert 'the outcome is unknown' in result['msg'] and 'none was issued' not in result['msg']
    assert 'whether a certificate was issued from this csr' in result['msg']


def test_an_issue_refused_by_cloudflare_is_not_looked_up_again(run_module, api):
    api.get(LIST, json=page([]))
    api.post(LIST, status=400, json=envelope(success=False, errors=[{'code': 1100, 'message': 'validity_days must be at most 5475'}]))
    # The refusal is explained by counting the zone's certificates (the quota's code is unknown); far below it, the message stays.
    api.get(LIST, json=page([]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR, validity_days=36500))
    assert code == 1 and result['changed'] is False and [call.request.method for call in api.calls] == ['GET', 'POST', 'GET']
    assert '1100: validity_days must be at most 5475' in result['msg']


def test_a_reactivation_answered_503_is_sent_again_once_a_new_read_shows_no_change(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.patch(ONE, status=503, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.patch(ONE, json=envelope(certificate('pending_reactivation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and result['changed'] is True and result['client_certificate']['status'] == 'pending_reactivation'
    assert sent(api) == [('GET', ONE, None), ('PATCH', ONE, {'reactivate': True}), ('GET', ONE, None), ('PATCH', ONE, {'reactivate': True})]
    assert clock.sleeps == [1.0]


def test_429_on_every_revoke_means_nothing_was_changed(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    for dummy in range(2):
        api.delete(ONE, status=429, headers={'Retry-After': '2'}, json=envelope(success=False, errors=[{'code': 971, 'message': 'Please wait'}]))
        api.get(ONE, json=envelope(certificate('active')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', api_retries=1))
    assert code == 1 and result['changed'] is False and result['client_certificate']['status'] == 'active'
    # Each 429 costs its Retry-After once, waited before the new read that judges it.
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'GET', 'DELETE', 'GET'] and clock.sleeps == [2.0, 2.0]
    assert 'has not changed, so nothing was changed' in result['msg'] and 'unknown' not in result['msg']
    assert result['api_error']['status'] == 429


def test_an_issue_answered_with_result_null_adopts_what_the_listing_shows(run_module, api):
    api.get(LIST, json=page([]))
    api.post(LIST, json=envelope(None))
    issued = certificate('active', number=9, csr=CSR)
    api.get(LIST, json=page([issued]))
    code, result = run_module(client_certificate.main, dict(ARGS, csr=CSR))
    assert code == 0 and result['changed'] is True and result['client_certificate']['id'] == issued['id']
    assert [method for method, url, body in sent(api)] == ['GET', 'POST', 'GET']
    assert 'HTTP 200 with a result null' in json.dumps(result['warnings'])
