# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import HOSTNAME_CERTIFICATE_FIELDS
from ansible_collections.mtls.cloudflare.plugins.modules import hostname_certificate
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, envelope
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import (
    ARGS, CERT_ID, CERTIFICATES, CHAIN, HOSTNAMES, KEY_MARKER, LEAF, OTHER_ID, OTHER_LEAF, PRIVATE_KEY, assert_no_secret, association,
    hostname_certificate as certificate, listed_association, no_association_list, pem, sent, spec_typed_item,
)

PRESENT = dict(ARGS, certificate=LEAF, private_key=PRIVATE_KEY)
ONE = CERTIFICATES + '/' + CERT_ID
# Over 255 characters (259), in labels of a valid length.
LONG_HOSTNAME = '.'.join(['a' * 61, 'b' * 61, 'c' * 61, 'd' * 61, 'example.com'])


def refused(code, message, status=400):
    return dict(status=status, json=envelope(success=False, errors=[{'code': code, 'message': message}]))


# --- state: present ------------------------------------------------------------------------------

def test_upload_when_missing_sends_certificate_and_key_once(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(OTHER_ID, certificate=OTHER_LEAF)]))
    api.post(CERTIFICATES, json=envelope(dict(certificate(status='pending_deployment'), private_key=PRIVATE_KEY)))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is True
    assert [sent(call) for call in api.calls] == [
        ('GET', CERTIFICATES, None), ('POST', CERTIFICATES, {'certificate': LEAF, 'private_key': PRIVATE_KEY})]
    assert sorted(result['hostname_certificate']) == sorted(HOSTNAME_CERTIFICATE_FIELDS)
    assert result['hostname_certificate']['id'] == CERT_ID and result['hostname_certificate']['status'] == 'pending_deployment'
    assert_no_secret(result)


@pytest.mark.parametrize('stored', [
    LEAF,
    LEAF.replace('\n', '\r\n'),
    pem('CERTIFICATE', 'leaf', width=76),
    '\n\n' + LEAF + '\n',
])
def test_same_certificate_is_adopted_with_one_request(run_module, api, stored):
    api.get(CERTIFICATES, json=envelope([certificate(OTHER_ID, certificate=OTHER_LEAF), certificate(certificate=stored)]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is False and len(api.calls) == 1
    assert result['hostname_certificate']['id'] == CERT_ID


def test_a_bundle_matches_the_leaf_cloudflare_stores(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(certificate=LEAF)]))
    code, result = run_module(hostname_certificate.main, dict(PRESENT, certificate=LEAF + CHAIN))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1


def test_a_bundle_whose_leaf_differs_is_uploaded_whole(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(certificate=CHAIN)]))
    api.post(CERTIFICATES, json=envelope(certificate(OTHER_ID, status='pending_deployment')))
    code, result = run_module(hostname_certificate.main, dict(PRESENT, certificate=LEAF + CHAIN))
    assert code == 0 and result['changed'] is True
    assert sent(api.calls[1])[2]['certificate'] == LEAF + CHAIN


def test_spec_typed_list_items_are_understood_and_their_key_never_returned(run_module, api):
    api.get(CERTIFICATES, json=envelope([spec_typed_item()]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is False
    assert result['hostname_certificate']['id'] == CERT_ID and result['hostname_certificate']['status'] == 'active'
    assert sorted(result['hostname_certificate']) == sorted(HOSTNAME_CERTIFICATE_FIELDS)
    assert_no_secret(result)


@pytest.mark.parametrize('status', ['initializing', 'pending_deployment', 'active'])
def test_present_adopts_a_live_certificate(run_module, api, status):
    api.get(CERTIFICATES, json=envelope([certificate(status=status)]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is False and result['hostname_certificate']['status'] == status


def test_present_uploads_again_when_only_a_deleted_copy_is_listed(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(status='deleted')]))
    api.post(CERTIFICATES, json=envelope(certificate(OTHER_ID, status='pending_deployment')))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['id'] == OTHER_ID


def test_present_uploads_again_while_the_old_copy_is_pending_deletion_until_1406_clears(run_module, api, clock):
    # Cloudflare answers 1406 while the old copy is pending_deletion (about 10 s), then gives the same id back.
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deletion')]))
    api.post(CERTIFICATES, **refused(1406, 'This certificate already exists for this zone.'))
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deletion')]))
    api.post(CERTIFICATES, json=envelope(certificate(status='pending_deployment')))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is True
    assert result['hostname_certificate']['id'] == CERT_ID and result['hostname_certificate']['status'] == 'pending_deployment'
    assert clock.sleeps == [1.0]
    assert '1406' in ' '.join(str(warning) for warning in result['warnings'])
    assert_no_secret(result)


@pytest.mark.parametrize('status,expected', [
    ('deployment_timed_out', 'Cloudflare could not deploy it; delete it (state=absent) and upload it again'),
    ('deletion_timed_out', 'an earlier deletion did not complete'),
])
def test_present_fails_clearly_on_a_certificate_it_cannot_use(run_module, api, status, expected):
    api.get(CERTIFICATES, json=envelope([certificate(status=status)]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 1 and result['changed'] is False and len(api.calls) == 1
    assert expected in result['msg'] and CERT_ID in result['msg'] and status in result['msg']
    assert_no_secret(result)


def test_check_mode_predicts_the_upload_without_sending_it(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    code, result = run_module(hostname_certificate.main, PRESENT, check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET']
    assert result['hostname_certificate']['status'] == 'pending_deployment' and result['hostname_certificate']['id'] is None
    assert result['diff'] == {'before': {'state': 'absent'},
                              'after': {'state': 'present', 'id': None, 'status': 'pending_deployment', 'serial_number': None,
                                        'expires_on': None}}
    assert_no_secret(result)


def test_diff_shows_status_id_serial_and_expiry_but_no_key(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, json=envelope(certificate(status='pending_deployment')))
    code, result = run_module(hostname_certificate.main, PRESENT, diff=True)
    assert code == 0
    after = result['diff']['after']
    assert sorted(after) == ['expires_on', 'id', 'serial_number', 'state', 'status']
    assert after['id'] == CERT_ID and after['serial_number'] == '6743787633689793699141714808227354901'
    assert_no_secret(result)


@pytest.mark.parametrize('lost', [
    dict(body=requests.exceptions.ConnectionError('Connection aborted: RemoteDisconnected')),
    dict(status=502, json=envelope(success=False)),
])
def test_upload_whose_answer_was_lost_is_found_by_listing_and_reported_as_created(run_module, api, lost):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, **lost)
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deployment')]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['id'] == CERT_ID
    assert [call.request.method for call in api.calls] == ['GET', 'POST', 'GET']


def test_upload_lost_and_not_listed_is_sent_again_and_1406_means_adopt(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, body=requests.exceptions.ReadTimeout('read timed out'))
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, **refused(1406, 'This certificate already exists for this zone.'))
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deployment')]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['id'] == CERT_ID
    assert [call.request.method for call in api.calls] == ['GET', 'POST', 'GET', 'POST', 'GET']
    warnings = json.dumps(result['warnings'])
    assert 'POST %s: no response within api_timeout and a new read shows no change; retry 1 of 5' % CERTIFICATES[len(BASE):] in warnings
    assert 'but a new read shows that it was applied' in warnings


def test_1406_on_the_first_upload_adopts_the_certificate_without_a_change(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, **refused(1406, 'This certificate already exists for this zone.'))
    api.get(CERTIFICATES, json=envelope([certificate()]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is False and result['hostname_certificate']['id'] == CERT_ID


def test_1406_for_a_certificate_that_cannot_be_found_fails_clearly(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, **refused(1406, 'This certificate already exists for this zone.'))
    api.get(CERTIFICATES, json=envelope([]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 1 and result['changed'] is False and [call.request.method for call in api.calls] == ['GET', 'POST', 'GET']
    assert '1406: This certificate already exists for this zone.' in result['msg']
    assert 'Yet a new read does not show the hostname certificates of zone' in result['msg'] and 'run the task again' in result['msg']


def test_the_ten_per_zone_limit_gets_a_clear_error(run_module, api):
    listed = [certificate('%032x' % number, certificate=pem('CERTIFICATE', str(number))) for number in range(10)]
    api.get(CERTIFICATES, json=envelope(listed))
    api.post(CERTIFICATES, **refused(1409, 'This zone already has 10 hostname certificates'))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 1 and result['changed'] is False
    assert 'the zone holds 10 hostname certificates, its limit (10 per zone)' in result['msg']
    assert '1409: This zone already has 10 hostname certificates' in result['msg']
    assert 'state=absent' in result['msg'] and '%032x' % 3 in result['msg']
    assert result['api_error']['status'] == 400
    assert_no_secret(result)


def test_a_key_that_does_not_match_is_reported_as_cloudflare_says_without_the_key(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, **refused(1407, 'The private key does not match the certificate'))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 1 and result['changed'] is False
    assert '1407: The private key does not match the certificate' in result['msg']
    assert_no_secret(result)


def test_wait_polls_until_active(run_module, api, clock):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, json=envelope(certificate(status='pending_deployment')))
    api.get(ONE, json=envelope(certificate(status='pending_deployment')))
    api.get(ONE, json=envelope(certificate(status='active')))
    code, result = run_module(hostname_certificate.main, dict(PRESENT, wait=True))
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['status'] == 'active'
    # The upload's answer (pending_deployment) starts the wait: each poll comes one interval later.
    assert clock.sleeps == [1.0, 1.0]


def test_wait_fails_clearly_on_deployment_timed_out(run_module, api, clock):
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deployment')]))
    api.get(ONE, json=envelope(certificate(status='deployment_timed_out')))
    code, result = run_module(hostname_certificate.main, dict(PRESENT, wait=True))
    assert code == 1 and 'deployment_timed_out' in result['msg'] and 'upload it again' in result['msg']


def test_wait_timeout_names_the_last_status(run_module, api, clock):
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deployment')]))
    # The listing is the first status seen; polls at 1, 2 and 3 s.
    for _poll in range(3):
        api.get(ONE, json=envelope(certificate(status='pending_deployment')))
    code, result = run_module(hostname_certificate.main, dict(PRESENT, wait=True, wait_timeout=3))
    assert code == 1 and 'timed out after 3 s' in result['msg'] and 'the last status seen was pending_deployment' in result['msg']
    assert clock.sleeps == [1.0, 1.0, 1.0]


# --- bad input: refused before any request -------------------------------------------------------

@pytest.mark.parametrize('args,option,text', [
    ({'certificate': 'not a certificate'}, 'certificate', 'must be PEM text'),
    ({'certificate': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'}, 'certificate', 'not a valid PEM certificate'),
    ({'certificate': LEAF + PRIVATE_KEY}, 'certificate', 'contains a private key block'),
    ({'private_key': LEAF}, 'private_key', 'must be PEM text'),
    ({'private_key': 'secret'}, 'private_key', 'must be PEM'),
    ({'private_key': pem('ENCRYPTED PRIVATE KEY', 'x')}, 'private_key', 'encrypted'),
    ({'private_key': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'}, 'private_key', 'not a valid PEM private key'),
    ({'detach_hostnames': ['app.example.com']}, 'detach_hostnames', 'only applies to state=absent'),
    ({'private_key': None}, 'private_key', 'state is present but all of the following are missing'),
    ({'state': 'absent', 'certificate': None, 'private_key': None}, 'id, serial_number, certificate', 'state is absent but any of'),
    ({'state': 'absent', 'certificate': None, 'id': 'a/b'}, 'id', 'must be a Cloudflare id'),
    ({'state': 'absent', 'certificate': None, 'serial_number': 'zz!'}, 'serial_number', 'serial number'),
    ({'state': 'absent', 'certificate': None, 'id': CERT_ID, 'detach_hostnames': ['a/b.example.com']}, 'detach_hostnames', 'hostname'),
    ({'state': 'absent', 'certificate': None, 'id': CERT_ID, 'detach_hostnames': [LONG_HOSTNAME]}, 'detach_hostnames', '253'),
    ({'state': 'absent', 'id': CERT_ID}, 'certificate', 'mutually exclusive'),
])
def test_bad_input_fails_before_any_request(run_module, api, args, option, text):
    # An option set to None is left out, as a playbook that does not give it would.
    args = dict((key, value) for key, value in dict(PRESENT, **args).items() if value is not None)
    code, result = run_module(hostname_certificate.main, args)
    assert code == 1 and len(api.calls) == 0
    assert option in result['msg'] and text in result['msg']
    assert KEY_MARKER not in json.dumps(result)


# --- state: absent -----------------------------------------------------------------------------------

ABSENT = dict(ARGS, id=CERT_ID, state='absent')


@pytest.mark.parametrize('answer', [
    refused(1415, 'Certificate id invalid or deleted', status=404),
    dict(json=envelope(certificate(status='deleted'))),
])
def test_deleting_an_already_deleted_certificate_is_one_request(run_module, api, answer):
    api.get(ONE, **answer)
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 0 and result['changed'] is False and len(api.calls) == 1


def test_pending_deletion_is_left_alone(run_module, api):
    api.get(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['app.example.com']))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1


@pytest.mark.parametrize('status', ['initializing', 'pending_deployment', 'active', 'deployment_timed_out', 'deletion_timed_out'])
def test_delete_sends_one_delete_without_a_body(run_module, api, status):
    api.get(ONE, json=envelope(certificate(status=status)))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, ABSENT, diff=True)
    assert code == 0 and result['changed'] is True
    assert [sent(call) for call in api.calls] == [('GET', ONE, None), ('DELETE', ONE, None)]
    assert result['hostname_certificate']['status'] == 'pending_deletion'
    assert result['diff']['before']['status'] == status and result['diff']['after']['status'] == 'pending_deletion'


def test_delete_by_hex_serial_matches_cloudflares_decimal(run_module, api):
    decimal = '6743787633689793699141714808227354901'
    api.get(CERTIFICATES, json=envelope([certificate(OTHER_ID, serial='1'), certificate(serial=decimal)]))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    hex_serial = '%X' % int(decimal)
    # As `openssl x509 -serial` prints it, with colons a user may have copied from `openssl x509 -text`.
    with_colons = ':'.join(hex_serial[i:i + 2] for i in range(0, len(hex_serial), 2))
    code, result = run_module(hostname_certificate.main, dict(ARGS, state='absent', serial_number=with_colons))
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'DELETE']


def test_two_live_certificates_with_one_serial_fail_with_the_candidates(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(serial='99'), certificate(OTHER_ID, serial='99')]))
    code, result = run_module(hostname_certificate.main, dict(ARGS, state='absent', serial_number='99'))
    assert code == 1 and CERT_ID in result['msg'] and OTHER_ID in result['msg'] and 'select one by id' in result['msg']


def test_delete_by_certificate_that_is_not_there_is_one_request(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(certificate=OTHER_LEAF)]))
    code, result = run_module(hostname_certificate.main, dict(ARGS, state='absent', certificate=LEAF))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1 and result['hostname_certificate'] is None


def test_detach_reads_each_hostname_and_detaches_only_those_on_this_certificate(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    no_association_list(api)
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    api.get(HOSTNAMES + '/api.example.com', json=envelope(association('api.example.com', cert_id=OTHER_ID)))
    api.get(HOSTNAMES + '/www.example.com', json=envelope(association('www.example.com', cert_id=None)))
    api.get(HOSTNAMES + '/old.example.com', json=envelope(association('old.example.com', enabled=False)))
    api.put(HOSTNAMES, json=envelope([association('app.example.com', enabled=None, status='deleted'),
                                      association('old.example.com', enabled=None, status='deleted')]))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    args = dict(ABSENT, detach_hostnames=['APP.example.com.', 'api.example.com', 'www.example.com', 'old.example.com', 'app.example.com'])
    code, result = run_module(hostname_certificate.main, args)
    assert code == 0 and result['changed'] is True
    assert sent(api.calls[6]) == ('PUT', HOSTNAMES, {'config': [
        {'hostname': 'app.example.com', 'cert_id': CERT_ID, 'enabled': None},
        {'hostname': 'old.example.com', 'cert_id': CERT_ID, 'enabled': None}]})
    assert sent(api.calls[7]) == ('DELETE', ONE, None)
    assert len(api.calls) == 8
    assert result['detached_hostnames'] == ['app.example.com', 'old.example.com']
    assert result['hostnames_not_detached'] == [{'hostname': 'api.example.com', 'cert_id': OTHER_ID},
                                                {'hostname': 'www.example.com', 'cert_id': None}]
    assert_no_secret(result)


def test_detach_without_a_hostname_on_this_certificate_sends_no_put(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES + '/api.example.com', json=envelope(association('api.example.com', cert_id=OTHER_ID)))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['api.example.com']))
    assert code == 0 and [call.request.method for call in api.calls] == ['GET', 'GET', 'DELETE']


def test_check_mode_reads_hostnames_and_predicts_without_writing(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['app.example.com']), check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'GET']
    assert result['detached_hostnames'] == ['app.example.com']
    assert result['diff']['after']['status'] == 'pending_deletion'


def test_refusal_without_detach_hostnames_names_the_option(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, **refused(1433, 'The certificate is associated with hostnames (app.example.com)'))
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 1 and result['changed'] is False
    assert 'list those hostnames in detach_hostnames' in result['msg']
    assert '1433: The certificate is associated with hostnames (app.example.com)' in result['msg']
    assert result['api_error']['status'] == 400


@pytest.mark.parametrize('status', [401, 403])
def test_a_delete_the_token_may_not_send_does_not_blame_associations(run_module, api, status):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, **refused(10000, 'Authentication error', status=status))
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 1 and result['changed'] is False
    assert 'associated' not in result['msg'] and 'detach_hostnames' not in result['msg']
    assert '10000: Authentication error' in result['msg'] and result['api_error']['status'] == status


def test_refusal_after_detaching_names_the_hostnames_and_keeps_changed(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    api.put(HOSTNAMES, json=envelope([association('app.example.com', enabled=None, status='deleted')]))
    api.delete(ONE, **refused(1433, 'The certificate is associated with hostnames (www.example.com)'))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['app.example.com']))
    assert code == 1 and result['changed'] is True
    assert 'app.example.com were detached first' in result['msg'] and 'add them to detach_hostnames' in result['msg']


def test_a_refused_detach_reports_no_change(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    api.put(HOSTNAMES, **refused(1412, 'invalid config'))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['app.example.com']))
    assert code == 1 and result['changed'] is False and result['detached_hostnames'] == []


@pytest.mark.parametrize('reread,changed', [
    (dict(json=envelope(certificate(status='pending_deletion'))), True),
    (refused(1415, 'Certificate id invalid or deleted', status=404), True),
])
def test_a_lost_delete_answer_is_decided_by_reading_again(run_module, api, reread, changed):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, body=requests.exceptions.ConnectionError('Connection aborted'))
    api.get(ONE, **reread)
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 0 and result['changed'] is changed
    assert [call.request.method for call in api.calls] == ['GET', 'DELETE', 'GET']


def test_a_lost_delete_that_did_not_happen_is_sent_once_more(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, status=503, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'DELETE', 'GET', 'DELETE']
    assert 'DELETE %s: HTTP 503 and a new read shows no change; retry 1 of 5' % ONE[len(BASE):] in json.dumps(result['warnings'])


def test_a_delete_answered_404_means_someone_else_deleted_it(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, **refused(1415, 'Certificate id invalid or deleted', status=404))
    # A 404 to the DELETE is settled by a read: gone, so it is adopted, not counted as this run's change.
    api.get(ONE, **refused(1415, 'Certificate id invalid or deleted', status=404))
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 0 and result['changed'] is False and result['hostname_certificate']['status'] == 'deleted'
    assert [call.request.method for call in api.calls] == ['GET', 'DELETE', 'GET']
    assert 'warnings' not in result


def test_wait_for_deleted_ends_on_404(run_module, api, clock):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    api.get(ONE, json=envelope(certificate(status='pending_deletion')))
    api.get(ONE, **refused(1415, 'Certificate id invalid or deleted', status=404))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, wait=True))
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['status'] == 'deleted'
    assert clock.sleeps == [1.0, 1.0]


def test_wait_fails_clearly_on_deletion_timed_out(run_module, api, clock):
    api.get(ONE, json=envelope(certificate(status='pending_deletion')))
    api.get(ONE, json=envelope(certificate(status='deletion_timed_out')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, wait=True))
    assert code == 1 and 'deletion_timed_out' in result['msg'] and 'run the task again' in result['msg']


# --- diff of a delete with detach_hostnames ----------------------------------------------------------

@pytest.mark.parametrize('check_mode', [False, True])
def test_diff_of_a_delete_shows_the_hostnames_to_be_detached(run_module, api, check_mode):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    api.get(HOSTNAMES + '/api.example.com', json=envelope(association('api.example.com', cert_id=OTHER_ID)))
    if not check_mode:
        api.put(HOSTNAMES, json=envelope([association('app.example.com', enabled=None, status='deleted')]))
        api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    args = dict(ABSENT, detach_hostnames=['app.example.com', 'api.example.com'])
    code, result = run_module(hostname_certificate.main, args, check_mode=check_mode, diff=True)
    assert code == 0 and result['changed'] is True
    # Only the hostname on this certificate is detached; the one on another certificate is not shown as going.
    assert result['diff']['before'] == {'state': 'present', 'id': CERT_ID, 'status': 'active',
                                        'serial_number': '6743787633689793699141714808227354901',
                                        'expires_on': result['diff']['before']['expires_on'],
                                        'associated_hostnames': ['app.example.com']}
    assert result['diff']['after']['associated_hostnames'] == []
    assert result['diff']['after']['status'] == 'pending_deletion' and result['diff']['after']['state'] == 'present'
    assert result['detached_hostnames'] == ['app.example.com']
    assert_no_secret(result)


def test_diff_of_a_delete_without_detach_hostnames_has_no_associated_hostnames(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, ABSENT, diff=True)
    assert code == 0 and 'associated_hostnames' not in result['diff']['before'] and 'associated_hostnames' not in result['diff']['after']


def test_diff_of_a_delete_with_wait_predicts_deleted_in_check_mode(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['app.example.com'], wait=True),
                              check_mode=True, diff=True)
    assert code == 0 and [call.request.method for call in api.calls] == ['GET', 'GET']
    assert result['diff']['after']['status'] == 'deleted' and result['diff']['after']['associated_hostnames'] == []


# --- odd answers to the writes of state=absent and present ------------------------------------------

def test_a_delete_answered_with_success_false_on_200_is_decided_by_a_read(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.delete(ONE, json=envelope(success=False))
    api.get(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, ABSENT)
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['status'] == 'pending_deletion'
    assert 'HTTP 200 with success: false' in json.dumps(result['warnings'])


def test_an_upload_answered_with_result_null_is_decided_by_listing(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.post(CERTIFICATES, json=envelope(None))
    api.get(CERTIFICATES, json=envelope([certificate(status='pending_deployment')]))
    code, result = run_module(hostname_certificate.main, PRESENT)
    assert code == 0 and result['changed'] is True and result['hostname_certificate']['id'] == CERT_ID
    assert 'HTTP 200 with a result null' in json.dumps(result['warnings'])
    assert_no_secret(result)


def test_an_upload_lost_every_time_fails_saying_the_outcome_is_unknown(run_module, api, clock):
    api.get(CERTIFICATES, json=envelope([]))
    for dummy in range(2):
        api.post(CERTIFICATES, status=502, json=envelope(success=False))
        api.get(CERTIFICATES, json=envelope([]))
    code, result = run_module(hostname_certificate.main, dict(PRESENT, api_retries=1))
    assert code == 1 and result['changed'] is False
    assert [call.request.method for call in api.calls] == ['GET', 'POST', 'GET', 'POST', 'GET']
    assert 'the outcome is unknown' in result['msg'] and 'hostname_certificate_info' in result['msg']
    assert_no_secret(result)


# --- detach_all and the 2026 list of associations --------------------------------------------------

def _listing(items):
    return envelope(items, result_info={'page': 1, 'per_page': 1000, 'count': len(items), 'total_count': len(items), 'total_pages': 1})


ZONE_ASSOCIATIONS = [listed_association('app.example.com'), listed_association('api.example.com', cert_id=OTHER_ID),
                     listed_association('old.example.com', enabled=False), listed_association('gone.example.com', enabled=None, status='deleted'),
                     listed_association('www.example.com', status='pending_deployment')]


def test_detach_hostnames_are_read_from_the_list_when_it_answers(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES, json=_listing(ZONE_ASSOCIATIONS))
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID)]))
    api.put(HOSTNAMES, json=envelope([association('app.example.com', enabled=None, status='deleted')]))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_hostnames=['app.example.com', 'api.example.com', 'gone.example.com']))
    assert code == 0 and [call.request.method for call in api.calls] == ['GET', 'GET', 'GET', 'PUT', 'DELETE']
    assert result['detached_hostnames'] == ['app.example.com']
    assert result['hostnames_not_detached'] == [{'hostname': 'api.example.com', 'cert_id': OTHER_ID},
                                                {'hostname': 'gone.example.com', 'cert_id': None}]


def test_detach_all_detaches_every_hostname_on_the_certificate(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES, json=_listing(ZONE_ASSOCIATIONS))
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID)]))
    api.put(HOSTNAMES, json=envelope([association(name, enabled=None, status='deleted') for name in ('app.example.com', 'old.example.com',
                                                                                                     'www.example.com')]))
    api.delete(ONE, json=envelope(certificate(status='pending_deletion')))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_all=True), diff=True)
    assert code == 0 and result['changed'] is True
    # Enabled, disabled and still deploying: every live association on it; not another certificate's, not a removed one.
    assert sent(api.calls[3]) == ('PUT', HOSTNAMES, {'config': [
        {'hostname': name, 'cert_id': CERT_ID, 'enabled': None} for name in ('app.example.com', 'old.example.com', 'www.example.com')]})
    assert sent(api.calls[4]) == ('DELETE', ONE, None)
    assert result['detached_hostnames'] == ['app.example.com', 'old.example.com', 'www.example.com']
    assert result['diff']['before']['associated_hostnames'] == result['detached_hostnames']
    assert result['diff']['after']['associated_hostnames'] == []


def test_detach_all_in_check_mode_shows_the_hostnames_and_writes_nothing(run_module, api):
    api.get(ONE, json=envelope(certificate()))
    api.get(HOSTNAMES, json=_listing(ZONE_ASSOCIATIONS))
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID)]))
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_all=True), check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'GET', 'GET']
    assert result['detached_hostnames'] == ['app.example.com', 'old.example.com', 'www.example.com']
    assert result['diff']['before']['associated_hostnames'] == result['detached_hostnames']


@pytest.mark.parametrize('status', [404, 400, 405])
def test_detach_all_fails_naming_the_option_when_the_api_has_no_list(run_module, api, status):
    api.get(ONE, json=envelope(certificate()))
    no_association_list(api, status=status)
    code, result = run_module(hostname_certificate.main, dict(ABSENT, detach_all=True))
    assert code == 1 and 'detach_all' in result['msg'] and 'detach_hostnames' in result['msg'] and 'Nothing was changed' in result['msg']
    assert [call.request.method for call in api.calls] == ['GET', 'GET']


@pytest.mark.parametrize('args,text', [
    (dict(ABSENT, detach_all=True, detach_hostnames=['app.example.com']), 'mutually exclusive: detach_hostnames|detach_all'),
    (dict(PRESENT, detach_all=True), 'detach_all only applies to state=absent'),
])
def test_detach_all_bad_combinations_fail_before_any_request(run_module, api, args, text):
    code, result = run_module(hostname_certificate.main, args)
    assert code == 1 and text in result['msg'] and not api.calls
