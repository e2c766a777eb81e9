# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Writer: what a lost or odd answer to a write means, decided by reading again.

The writes are the real ones of the modules (revoke, issue, upload, delete); each test scripts
the whole conversation, so an extra or a missing request fails it.
"""

from __future__ import annotations

import pytest
import requests

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import issue_write, revoke_write
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import delete_write, upload_write
from ansible_collections.mtls.cloudflare.plugins.module_utils._writes import Writer

from ansible_collections.mtls.cloudflare.tests.unit.plugins.client_certificate_fakes import CERT_ID, CSR, LIST, ONE, certificate, page
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import ZONE, envelope
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import CERTIFICATES, LEAF, PRIVATE_KEY
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import CERT_ID as HOSTNAME_CERT_ID
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import hostname_certificate

HOSTNAME_ONE = CERTIFICATES + '/' + HOSTNAME_CERT_ID
RATE_LIMITED = dict(status=429, headers={'Retry-After': '3'}, json=envelope(success=False, errors=[{'code': 971, 'message': 'Please wait'}]))
FORBIDDEN = dict(status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
ALREADY_EXISTS = dict(status=400, json=envelope(success=False, errors=[{'code': 1406, 'message': 'This certificate already exists for this zone.'}]))


@pytest.fixture
def writer(make_client):
    def factory(**overrides):
        client = make_client(**overrides)
        return client, Writer(client, client.module.warn)
    return factory


def methods(api):
    return [call.request.method for call in api.calls]


# --- a clean answer ------------------------------------------------------------------------------

def test_a_clean_answer_is_applied_without_a_read_or_a_warning(writer, api):
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    result, by_this_run = sender.send(revoke_write(client, ZONE, CERT_ID))
    assert (result['status'], by_this_run, sender.changed) == ('pending_revocation', True, True)
    assert methods(api) == ['DELETE'] and client.module.warnings == []


# --- lost or odd answers: the read decides ---------------------------------------------------------

@pytest.mark.parametrize('odd,reason', [
    (dict(body=requests.exceptions.ConnectionError('Connection aborted.')), 'the connection was closed before a response arrived'),
    (dict(body=requests.exceptions.ReadTimeout('read timed out')), 'no response within api_timeout'),
    (dict(status=502, json=envelope(success=False)), 'HTTP 502'),
    (dict(status=200, json=envelope(success=False, errors=[{'code': 1000, 'message': 'odd'}])), 'HTTP 200 with success: false'),
    (dict(status=200, body='', content_type='application/json'), 'HTTP 200 with a body that is not a Cloudflare JSON envelope'),
    (dict(status=200, body='<html>Bad gateway</html>', content_type='text/html'), 'not a Cloudflare JSON envelope (text/html'),
    (dict(json=envelope(None)), 'HTTP 200 with a result null'),
    (dict(json=envelope([certificate('pending_revocation')])), 'HTTP 200 with a result of an unexpected shape'),
])
def test_an_odd_answer_then_a_read_that_shows_the_change_is_applied_with_a_warning(writer, api, odd, reason):
    api.delete(ONE, **odd)
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    result, by_this_run = sender.send(revoke_write(client, ZONE, CERT_ID))
    assert (result['status'], by_this_run, sender.changed) == ('pending_revocation', True, True)
    assert methods(api) == ['DELETE', 'GET']
    assert len(client.module.warnings) == 1
    warning = client.module.warnings[0]
    assert warning.startswith('Cloudflare API DELETE %s: the answer was lost or unusable (' % ONE[len('https://api.cloudflare.com/client/v4'):])
    assert reason in warning and 'but a new read shows that it was applied (client certificate %s)' % CERT_ID in warning


@pytest.mark.parametrize('odd', [
    dict(status=200, json=envelope(success=False)),
    dict(status=200, body='', content_type='application/json'),
    dict(status=200, body='<html>oops</html>', content_type='text/html'),
    dict(json=envelope(None)),
])
def test_an_odd_answer_then_a_read_without_the_change_sends_a_resendable_write_again(writer, api, clock, odd):
    api.delete(ONE, **odd)
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    result, by_this_run = sender.send(revoke_write(client, ZONE, CERT_ID))
    assert (result['status'], by_this_run, sender.changed) == ('pending_revocation', True, True)
    assert methods(api) == ['DELETE', 'GET', 'DELETE'] and clock.sleeps == [1.0]
    assert 'and a new read shows no change; retry 1 of 5 in 1.0 s (backoff)' in client.module.warnings[0]


def test_a_5xx_then_a_read_without_the_change_sends_a_resendable_write_again(writer, api, clock):
    api.delete(ONE, status=503, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    assert sender.send(revoke_write(client, ZONE, CERT_ID))[1] is True
    assert methods(api) == ['DELETE', 'GET', 'DELETE'] and clock.sleeps == [1.0]


def test_5xx_until_the_budget_is_spent_fails_saying_the_outcome_is_unknown(writer, api, clock):
    for dummy in range(3):
        api.delete(ONE, status=504, json=envelope(success=False))
        api.get(ONE, json=envelope(certificate('active')))
    client, sender = writer(api_retries=2)
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    text = str(caught.value)
    assert methods(api) == ['DELETE', 'GET'] * 3 and clock.sleeps == [1.0, 2.0]
    # Cloudflare's edge answers 504 while the request may go on: never "not applied", never "nothing was changed".
    assert 'HTTP 504' in text and 'may still be carried out by Cloudflare' in text and 'the outcome is unknown' in text
    assert 'nothing was changed' not in text and 'not applied' not in text
    assert 'Check it with mtls.cloudflare.client_certificate_info (id: %s)' % CERT_ID in text
    assert sender.changed is False
    assert caught.value.method == 'DELETE' and caught.value.status == 504


@pytest.mark.parametrize('lost', [
    dict(status=500, json=envelope(success=False)),
    dict(body=requests.exceptions.ReadTimeout('read timed out')),
    dict(body=requests.exceptions.ConnectionError('Connection aborted.')),
    dict(json=envelope(None)),
])
def test_a_lost_answer_to_a_non_resendable_write_whose_read_finds_nothing_is_unknown(writer, api, clock, lost):
    api.post(LIST, **lost)
    api.get(LIST, json=page([certificate('active', number=2)]))
    client, sender = writer()
    with pytest.raises(CloudflareError) as caught:
        sender.send(issue_write(client, ZONE, CSR, 365))
    text = str(caught.value)
    # A second POST would issue a second certificate: it is never sent.
    assert methods(api) == ['POST', 'GET'] and clock.sleeps == []
    assert 'the outcome is unknown' in text and 'none was issued' not in text and 'nothing was changed' not in text
    assert 'whether a certificate was issued from this csr' in text
    assert sender.changed is False


def test_a_lost_answer_to_an_issue_whose_read_finds_the_certificate_is_applied(writer, api):
    issued = certificate('active', number=9, csr=CSR)
    api.post(LIST, body=requests.exceptions.ReadTimeout('read timed out'))
    api.get(LIST, json=page([certificate('active', number=2), issued]))
    client, sender = writer()
    result, by_this_run = sender.send(issue_write(client, ZONE, CSR, 365))
    assert result == [issued] and by_this_run is True and sender.changed is True
    assert 'a new read shows that it was applied (the certificates issued from this csr)' in client.module.warnings[0]


def test_a_failed_re_read_makes_the_outcome_unknown(writer, api):
    api.delete(ONE, body=requests.exceptions.ReadTimeout('read timed out'))
    api.get(ONE, **FORBIDDEN)
    client, sender = writer()
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    text = str(caught.value)
    assert methods(api) == ['DELETE', 'GET']
    assert text.startswith('Cloudflare API DELETE') and 'no response within api_timeout' in text
    assert 'reading client certificate %s again, to learn whether the DELETE was applied, failed too' % CERT_ID in text
    assert '10000: Authentication error' in text and 'the outcome is unknown' in text
    # api_error describes the write, not the read.
    assert caught.value.method == 'DELETE' and sender.changed is False


# --- 429: refused before any work -------------------------------------------------------------------

def test_a_429_is_read_and_sent_again_after_retry_after(writer, api, clock):
    api.delete(ONE, **RATE_LIMITED)
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    assert sender.send(revoke_write(client, ZONE, CERT_ID))[1] is True
    assert methods(api) == ['DELETE', 'GET', 'DELETE'] and clock.sleeps == [3.0]
    assert 'HTTP 429 and a new read shows no change; retry 1 of 5 in 3.0 s (Retry-After)' in client.module.warnings[0]


def test_a_429_to_a_non_resendable_write_may_be_sent_again(writer, api, clock):
    # A 429 is refused before any work, so even an issue POST is sent again.
    api.post(LIST, **RATE_LIMITED)
    api.get(LIST, json=page([]))
    api.post(LIST, json=envelope(certificate('active', number=9, csr=CSR)))
    client, sender = writer()
    assert sender.send(issue_write(client, ZONE, CSR, 365))[1] is True
    assert methods(api) == ['POST', 'GET', 'POST'] and clock.sleeps == [3.0]


def test_429_every_time_means_nothing_was_changed(writer, api, clock):
    for dummy in range(2):
        api.delete(ONE, **RATE_LIMITED)
        api.get(ONE, json=envelope(certificate('active')))
    client, sender = writer(api_retries=1)
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    text = str(caught.value)
    assert methods(api) == ['DELETE', 'GET', 'DELETE', 'GET'] and clock.sleeps == [3.0]
    assert 'HTTP 429' in text and '971: Please wait' in text
    assert 'a new read shows that client certificate %s has not changed, so nothing was changed' % CERT_ID in text
    assert 'unknown' not in text and sender.changed is False


def test_a_429_after_an_ambiguous_attempt_is_not_nothing_was_changed(writer, api, clock):
    # The first attempt (502) may still be carried out: the outcome is unknown, whatever came after it.
    api.delete(ONE, status=502, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, **RATE_LIMITED)
    api.get(ONE, json=envelope(certificate('active')))
    client, sender = writer(api_retries=1)
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    text = str(caught.value)
    assert methods(api) == ['DELETE', 'GET', 'DELETE', 'GET']
    assert 'An earlier attempt (HTTP 502) may still be carried out' in text and 'the outcome is unknown' in text
    assert 'nothing was changed' not in text


def test_a_429_whose_read_shows_the_change_is_someone_elses_not_this_runs(writer, api):
    # Every attempt was refused before any work (429), like a 4xx refusal: the effect the read finds is not this run's.
    api.delete(ONE, **RATE_LIMITED)
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    result, by_this_run = sender.send(revoke_write(client, ZONE, CERT_ID))
    assert methods(api) == ['DELETE', 'GET'] and result['status'] == 'pending_revocation'
    assert by_this_run is False and sender.changed is False
    assert not any('shows that it was applied' in warning for warning in client.module.warnings)


# --- refusals (4xx) ---------------------------------------------------------------------------------

def test_a_refusal_is_raised_at_once_without_a_read(writer, api):
    api.delete(ONE, **FORBIDDEN)
    client, sender = writer()
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    assert methods(api) == ['DELETE'] and caught.value.refused is True and sender.changed is False
    assert '10000: Authentication error' in str(caught.value) and 'unknown' not in str(caught.value)


def test_a_1406_settled_by_a_read_is_adopted_not_changed(writer, api):
    api.post(CERTIFICATES, **ALREADY_EXISTS)
    api.get(CERTIFICATES, json=envelope([hostname_certificate()]))
    client, sender = writer()
    result, by_this_run = sender.send(upload_write(client, ZONE, LEAF, LEAF, PRIVATE_KEY))
    # Already there before this run: someone else's doing, so not this run's change, and no warning.
    assert result['id'] == HOSTNAME_CERT_ID and by_this_run is False and sender.changed is False
    assert methods(api) == ['POST', 'GET'] and client.module.warnings == []


def test_a_1406_that_the_read_does_not_confirm_fails_and_claims_nothing(writer, api):
    api.post(CERTIFICATES, **ALREADY_EXISTS)
    api.get(CERTIFICATES, json=envelope([]))
    client, sender = writer()
    with pytest.raises(CloudflareError) as caught:
        sender.send(upload_write(client, ZONE, LEAF, LEAF, PRIVATE_KEY))
    text = str(caught.value)
    assert '1406: This certificate already exists for this zone.' in text
    assert 'Yet a new read does not show the hostname certificates of zone %s with the change either' % ZONE in text
    assert sender.changed is False and methods(api) == ['POST', 'GET']


def test_a_refusal_after_an_ambiguous_attempt_is_decided_by_the_read_applied(writer, api, clock):
    # The first upload's answer was lost; the second one is refused with 1406: the first one went through.
    api.post(CERTIFICATES, body=requests.exceptions.ReadTimeout('read timed out'))
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, **ALREADY_EXISTS)
    api.get(CERTIFICATES, json=envelope([hostname_certificate(status='pending_deployment')]))
    client, sender = writer()
    result, by_this_run = sender.send(upload_write(client, ZONE, LEAF, LEAF, PRIVATE_KEY))
    assert result['status'] == 'pending_deployment' and by_this_run is True and sender.changed is True
    assert methods(api) == ['POST', 'GET', 'POST', 'GET']
    assert 'a new read shows that it was applied' in client.module.warnings[-1]


def test_a_refusal_after_an_ambiguous_attempt_without_the_change_is_unknown(writer, api, clock):
    api.delete(ONE, status=502, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, **FORBIDDEN)
    api.get(ONE, json=envelope(certificate('active')))
    client, sender = writer()
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    text = str(caught.value)
    assert methods(api) == ['DELETE', 'GET', 'DELETE', 'GET']
    assert '10000: Authentication error' in text and 'An earlier attempt (HTTP 502) may still be carried out' in text
    assert 'the outcome is unknown' in text and sender.changed is False


def test_a_404_to_a_delete_settled_by_a_read_is_adopted_not_changed(writer, api):
    api.delete(HOSTNAME_ONE, status=404, json=envelope(success=False, errors=[{'code': 1415, 'message': 'Certificate id invalid or deleted'}]))
    api.get(HOSTNAME_ONE, status=404, json=envelope(success=False, errors=[{'code': 1415, 'message': 'Certificate id invalid or deleted'}]))
    client, sender = writer()
    result, by_this_run = sender.send(delete_write(client, ZONE, HOSTNAME_CERT_ID))
    assert result is None and by_this_run is False and sender.changed is False
    assert methods(api) == ['DELETE', 'GET'] and client.module.warnings == []


# --- never sent --------------------------------------------------------------------------------------

def test_a_connection_never_made_is_tried_again_then_raised_without_a_read(writer, api, clock):
    for dummy in range(2):
        api.delete(ONE, body=requests.exceptions.ConnectionError('NewConnectionError: Connection refused'))
    client, sender = writer(api_retries=1)
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    assert methods(api) == ['DELETE', 'DELETE'] and caught.value.not_sent is True
    assert 'could not connect' in str(caught.value) and 'unknown' not in str(caught.value)
    assert sender.changed is False


def test_a_tls_failure_on_a_write_is_not_retried_or_read_again(writer, api, clock):
    api.delete(ONE, body=requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate'))
    client, sender = writer()
    with pytest.raises(CloudflareError) as caught:
        sender.send(revoke_write(client, ZONE, CERT_ID))
    assert methods(api) == ['DELETE'] and clock.sleeps == []
    assert 'TLS verification failed (certificate verify failed: self-signed certificate)' in str(caught.value)
    assert sender.changed is False


# --- changed is the run's ------------------------------------------------------------------------

def test_changed_stays_true_once_any_write_was_applied(writer, api):
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    api.delete(LIST + '/' + '%032x' % 2, **FORBIDDEN)
    client, sender = writer()
    sender.send(revoke_write(client, ZONE, CERT_ID))
    with pytest.raises(CloudflareError):
        sender.send(revoke_write(client, ZONE, '%032x' % 2))
    assert sender.changed is True


def test_the_writer_records_only_the_writes_this_run_applied(writer, api):
    # The record the run's changed, per-item changed and diff are decided from: someone else's change is not in it.
    other = '%032x' % 2
    api.delete(ONE, **RATE_LIMITED)
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    api.delete(LIST + '/' + other, json=envelope(certificate('pending_revocation', 2)))
    client, sender = writer()
    someone_elses, mine = revoke_write(client, ZONE, CERT_ID), revoke_write(client, ZONE, other)
    sender.send(someone_elses)
    assert sender.applied() == [] and sender.changed is False
    sender.send(mine)
    assert sender.applied() == [mine] and [key for write in sender.applied() for key in write.items] == [other]


def test_a_write_sent_with_a_workers_client_is_read_again_and_retried_with_it(writer, api, clock, make_client):
    api.delete(ONE, **RATE_LIMITED)
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    client, sender = writer()
    worker = make_client()
    assert sender.send(revoke_write(client, ZONE, CERT_ID), worker)[1] is True
    assert methods(api) == ['DELETE', 'GET', 'DELETE'] and clock.sleeps == [3.0]
    # The wait for Retry-After counts against the worker's budget, not the run's client.
    assert worker.waited == 3.0 and client.waited == 0.0
    assert sender.changed is True
