# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run contract's checks, through each module's main(): refused before any request, naming the option."""

from __future__ import annotations

import json

import pytest

from ansible_collections.mtls.cloudflare.plugins.modules import (
    client_certificate, client_certificate_info, hostname_association, hostname_certificate, hostname_certificate_info,
    mtls_enforcement_info, mtls_enforcement_rule,
)
from ansible_collections.mtls.cloudflare.tests.unit.plugins.client_certificate_fakes import CERT_ID, ONE, certificate
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, envelope
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import LEAF, PRIVATE_KEY

ARGS = {'api_token': TOKEN, 'zone_id': ZONE}
# Each module with arguments that would make it send a request.
MODULES = {
    'client_certificate': (client_certificate.main, dict(ARGS, id=CERT_ID)),
    'client_certificate_info': (client_certificate_info.main, dict(ARGS)),
    'hostname_certificate': (hostname_certificate.main, dict(ARGS, certificate=LEAF, private_key=PRIVATE_KEY)),
    'hostname_certificate_info': (hostname_certificate_info.main, dict(ARGS)),
    'hostname_association': (hostname_association.main, dict(ARGS, hostnames=['app.example.com'], certificate_id=CERT_ID)),
    'mtls_enforcement_info': (mtls_enforcement_info.main, dict(ARGS)),
    'mtls_enforcement_rule': (mtls_enforcement_rule.main, dict(ARGS, hostnames=['app.example.com'])),
}
EMPTY_SELECTOR = 'was given with an empty value'


def run_refused(run_module, api, name, check_mode=False, **args):
    main, base = MODULES[name]
    code, result = run_module(main, dict(base, **args), check_mode=check_mode)
    # ansible-core's own checks (types, required_if) fail without a 'changed' key.
    assert code == 1 and result['failed'] is True and result.get('changed', False) is False
    assert len(api.calls) == 0 and 'api_error' not in result
    return result['msg']


# --- numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('name', sorted(MODULES))
@pytest.mark.parametrize('option,value,text', [
    ('api_timeout', 'nan', 'api_timeout must be a finite number above 0.0, got nan'),
    ('api_timeout', 'inf', 'api_timeout must be a finite number above 0.0, got inf'),
    ('api_timeout', '-inf', 'api_timeout must be a finite number above 0.0'),
    ('api_timeout', 0, 'api_timeout must be a finite number above 0.0, got 0.0'),
    ('api_max_wait', 'nan', 'api_max_wait must be a finite number of at least 0.0, got nan'),
    ('api_max_wait', 'inf', 'api_max_wait must be a finite number of at least 0.0, got inf'),
    ('api_max_wait', -1, 'api_max_wait must be a finite number of at least 0.0, got -1.0'),
    ('api_retries', -1, 'api_retries must be 0 or more, got -1'),
])
def test_numbers_that_are_not_finite_or_in_range_are_refused(run_module, api, name, option, value, text):
    assert text in run_refused(run_module, api, name, **{option: value})


@pytest.mark.parametrize('name', ['client_certificate_info', 'hostname_certificate_info'])
@pytest.mark.parametrize('value', [10 ** 9, 36501, -1])
def test_expires_within_days_that_would_overflow_a_date_is_refused(run_module, api, name, value):
    assert 'expires_within_days must be between 0 and 36500 days, got %d' % value in run_refused(
        run_module, api, name, expires_within_days=value)


@pytest.mark.parametrize('name', sorted(MODULES))
@pytest.mark.parametrize('option,value,text', [
    ('api_timeout', 3600.5, 'api_timeout must be a finite number above 0.0, got 3600.5; at most 3600'),
    ('api_timeout', 10 ** 12, 'api_timeout must be a finite number above 0.0, got 1000000000000.0; at most 3600'),
    ('api_max_wait', 86401, 'api_max_wait must be a finite number of at least 0.0, got 86401.0; at most 86400'),
    ('api_retries', 101, 'api_retries must be at most 100, got 101'),
    ('api_retries', 10 ** 12, 'api_retries must be at most 100, got 1000000000000'),
])
def test_numbers_above_their_bound_are_refused(run_module, api, name, option, value, text):
    assert text in run_refused(run_module, api, name, **{option: value})


@pytest.mark.parametrize('name', ['client_certificate', 'hostname_certificate', 'hostname_association'])
@pytest.mark.parametrize('value', [86401, 10 ** 12])
def test_a_wait_timeout_above_a_day_is_refused(run_module, api, name, value):
    assert 'wait_timeout must be a finite number of at least 0.0, got %d; at most 86400' % value in run_refused(
        run_module, api, name, wait=True, wait_timeout=value)


@pytest.mark.parametrize('value', [36501, 10 ** 9])
def test_validity_days_above_a_hundred_years_is_refused(run_module, api, value):
    assert 'validity_days must be a positive number of days, at most 36500, got %d' % value in run_refused(
        run_module, api, 'client_certificate', validity_days=value)


@pytest.mark.parametrize('name,option', [
    ('client_certificate', 'id'), ('client_certificate', 'serial_number'), ('client_certificate_info', 'fingerprint_sha256'),
    ('hostname_association', 'certificate_id'), ('client_certificate', 'zone_id'),
])
@pytest.mark.parametrize('value', [True, False])
def test_an_id_given_as_a_boolean_is_refused(run_module, api, name, option, value):
    args = {option: value}
    if name == 'client_certificate' and option != 'id':
        args['id'] = None if option != 'zone_id' else CERT_ID
    main, base = MODULES[name]
    full = dict(base, **args)
    full = dict((key, val) for key, val in full.items() if val is not None)
    code, result = run_module(main, full)
    assert code == 1 and len(api.calls) == 0
    assert result['msg'].startswith('%s was given as %r, not a string; quote the value' % (option, value))


# --- ids -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name,option', [
    ('client_certificate', 'id'), ('client_certificate_info', 'id'), ('hostname_certificate_info', 'id'),
    ('hostname_association', 'certificate_id'), ('client_certificate', 'zone_id'), ('hostname_certificate', 'zone_id'),
])
@pytest.mark.parametrize('value', [123456, 1e5, 2458])
def test_an_id_given_as_a_yaml_number_is_refused_saying_so(run_module, api, name, option, value):
    msg = run_refused(run_module, api, name, **{option: value})
    assert msg.startswith('%s was given as the number %r' % (option, value))
    assert 'YAML reads an unquoted id of digits as a number' in msg and 'quote the id' in msg


def test_hostname_certificate_id_given_as_a_yaml_number_is_refused(run_module, api):
    code, result = run_module(hostname_certificate.main, dict(ARGS, id=2458, state='absent'))
    assert code == 1 and len(api.calls) == 0 and result['msg'].startswith('id was given as the number 2458')


@pytest.mark.parametrize('name,option', [
    ('client_certificate', 'id'), ('client_certificate_info', 'id'), ('hostname_certificate_info', 'id'),
    ('hostname_association', 'certificate_id'), ('client_certificate', 'zone_id'),
])
@pytest.mark.parametrize('suffix', ['\n', ' ', '\t', '/..'])
def test_an_id_with_a_trailing_newline_or_space_is_refused(run_module, api, name, option, suffix):
    value = (ZONE if option == 'zone_id' else CERT_ID) + suffix
    assert '%s must be a Cloudflare id' % option in run_refused(run_module, api, name, **{option: value})


# --- selectors given with no value -------------------------------------------------------------------

TEXT_SELECTORS = [
    ('client_certificate', 'id'), ('client_certificate', 'serial_number'), ('client_certificate', 'fingerprint_sha256'),
    ('client_certificate', 'csr'),
    ('client_certificate_info', 'id'), ('client_certificate_info', 'serial_number'), ('client_certificate_info', 'fingerprint_sha256'),
    ('client_certificate_info', 'common_name'),
    ('hostname_certificate_info', 'id'), ('hostname_certificate_info', 'serial_number'),
    ('hostname_association', 'certificate_id'),
    ('mtls_enforcement_rule', 'description'),
]
LIST_SELECTORS = [('hostname_certificate_info', 'hostnames'), ('hostname_association', 'hostnames'), ('mtls_enforcement_info', 'hostnames'),
                  ('mtls_enforcement_rule', 'hostnames')]


def run_with_selector(run_module, api, name, option, value, check_mode=False):
    main, base = MODULES[name]
    # The selector under test alone: the module's other selectors are left out.
    args = dict((key, val) for key, val in base.items() if not (name == 'client_certificate' and key == 'id'))
    args[option] = value
    code, result = run_module(main, args, check_mode=check_mode)
    assert code == 1 and result.get('changed', False) is False and len(api.calls) == 0
    return result['msg']


@pytest.mark.parametrize('name,option', TEXT_SELECTORS)
@pytest.mark.parametrize('value', [None, '', '   '])
def test_a_selector_given_with_an_empty_value_is_refused_never_read_as_no_filter(run_module, api, name, option, value):
    msg = run_with_selector(run_module, api, name, option, value)
    assert msg.startswith('%s %s (%r)' % (option, EMPTY_SELECTOR, value)) and 'never means "all"' in msg


@pytest.mark.parametrize('name,option', LIST_SELECTORS)
@pytest.mark.parametrize('value', [[], [''], ['app.example.com', None], ['app.example.com', ' ']])
def test_a_list_selector_that_is_empty_or_holds_an_empty_item_is_refused(run_module, api, name, option, value):
    msg = run_with_selector(run_module, api, name, option, value)
    assert msg.startswith('%s %s' % (option, EMPTY_SELECTOR)) and 'never means "all"' in msg


@pytest.mark.parametrize('name,option', LIST_SELECTORS)
def test_a_list_selector_given_as_null_is_refused(run_module, api, name, option):
    # hostname_association: ansible-core refuses a null list first; the info module's own check says it is empty.
    msg = run_with_selector(run_module, api, name, option, None)
    assert 'hostnames' in msg


@pytest.mark.parametrize('name,option', [('hostname_certificate', 'id'), ('hostname_certificate', 'serial_number'),
                                         ('hostname_certificate', 'certificate')])
@pytest.mark.parametrize('value', [None, ''])
def test_a_hostname_certificate_selector_given_empty_is_refused(run_module, api, name, option, value):
    main = MODULES[name][0]
    args = dict(ARGS, state='absent')
    args[option] = value
    code, result = run_module(main, args)
    assert code == 1 and len(api.calls) == 0
    assert result['msg'].startswith('%s %s' % (option, EMPTY_SELECTOR))


def test_an_empty_selector_in_check_mode_explains_that_a_prediction_has_no_id(run_module, api):
    msg = run_refused(run_module, api, 'client_certificate', check_mode=True, id='')
    assert msg.startswith('id %s' % EMPTY_SELECTOR)
    assert 'in check mode, a certificate that would be issued or uploaded has no id or serial number yet' in msg


# --- zone --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name', sorted(MODULES))
def test_no_zone_fails_before_any_request_and_names_module_defaults(run_module, api, name):
    main, base = MODULES[name]
    code, result = run_module(main, dict((key, value) for key, value in base.items() if key != 'zone_id'))
    assert code == 1 and len(api.calls) == 0
    assert 'one of the following is required: zone_id, zone' in result['msg'] and 'module_defaults' in result['msg']


@pytest.mark.parametrize('name', sorted(MODULES))
def test_a_bad_zone_name_fails_before_any_request(run_module, api, name):
    main, base = MODULES[name]
    args = dict((key, value) for key, value in base.items() if key != 'zone_id')
    code, result = run_module(main, dict(args, zone='not a zone'))
    assert code == 1 and len(api.calls) == 0 and result['msg'].startswith('zone must be a zone name')


# --- api_base_url and TLS through a module -----------------------------------------------------------

@pytest.mark.parametrize('name', sorted(MODULES))
@pytest.mark.parametrize('url', [
    'https://api.cloudflare.com:99999/client/v4',
    'https://api.cloudflare.com/client/v4\n',
    'http://app.localhost:8080/client/v4',
    'http://localhost.localdomain/client/v4',
])
def test_a_bad_api_base_url_fails_before_any_request(run_module, api, name, url):
    assert run_refused(run_module, api, name, api_base_url=url).startswith('api_base_url')


PASSWORD_URLS = [
    'https://user:hunter2-s3cret@api.cloudflare.com/client/v4',
    'https://user:hunter2-s3cret@api.cloudflare.com:99999/client/v4',
    'https://user:hunter2-s3cret@api.cloudflare.com/client v4',
    'http://user:hunter2-s3cret@10.0.0.1/client/v4',
]


@pytest.mark.parametrize('name', sorted(MODULES))
@pytest.mark.parametrize('url', PASSWORD_URLS)
def test_a_password_in_api_base_url_is_not_in_the_message(run_module, api, name, url):
    msg = run_refused(run_module, api, name, api_base_url=url)
    assert msg.startswith('api_base_url') and 'hunter2' not in msg and 's3cret' not in msg


@pytest.mark.parametrize('url', PASSWORD_URLS)
def test_a_password_in_api_base_url_is_nowhere_in_the_result(run_module, api, url):
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, api_base_url=url))
    assert code == 1 and len(api.calls) == 0
    assert 'hunter2' not in json.dumps(result)


@pytest.mark.parametrize('name', sorted(MODULES))
def test_a_missing_ca_path_fails_before_any_request(run_module, api, name, tmp_path):
    msg = run_refused(run_module, api, name, ca_path=str(tmp_path / 'missing-ca.pem'))
    assert msg.startswith('ca_path') and 'is not a readable file of PEM CA certificates' in msg


def test_validate_certs_false_warns_once_in_a_module_run(run_module, api):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', validate_certs=False))
    assert code == 0 and result['changed'] is True
    # ansible-core 2.19 returns warnings as structured events, older cores as plain strings.
    texts = [item if isinstance(item, str) else json.dumps(item) for item in result.get('warnings', [])]
    warnings = [text for text in texts if 'validate_certs' in text]
    assert len(warnings) == 1 and 'the TLS certificate of api.cloudflare.com is not verified' in warnings[0]


def test_plain_http_to_loopback_is_accepted(run_module, api):
    api.get('http://127.0.0.1:8080/client/v4/zones/%s/client_certificates/%s' % (ZONE, CERT_ID), json=envelope(certificate('revoked')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', api_base_url='http://127.0.0.1:8080/client/v4'))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1
    assert BASE not in api.calls[0].request.url


# --- one exit: api_error only when a request failed, never a traceback -------------------------------

def test_a_failed_request_returns_api_error_and_no_traceback(run_module, api):
    api.get(ONE, status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID))
    assert code == 1 and result['api_error']['method'] == 'GET' and result['api_error']['status'] == 403
    assert 'exception' not in result and 'Traceback' not in json.dumps(result)


def test_a_wait_timeout_is_no_request_failure_so_it_has_no_api_error(run_module, api, clock):
    api.get(ONE, json=envelope(certificate('active')))
    api.delete(ONE, json=envelope(certificate('pending_revocation')))
    api.get(ONE, json=envelope(certificate('pending_revocation')))
    code, result = run_module(client_certificate.main, dict(ARGS, id=CERT_ID, state='revoked', wait=True, wait_timeout=1))
    assert code == 1 and result['changed'] is True and 'timed out after 1 s' in result['msg']
    assert 'api_error' not in result and 'exception' not in result
    assert result['client_certificate']['status'] == 'pending_revocation'
