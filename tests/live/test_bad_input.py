# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input: every case fails before the first request, names the option, and echoes no secret.

One row per kind of bad value, one column per module (the shared options run on all six).
A cell is ``ok`` or ``WRONG:<why>``: ``rc`` (the input was accepted), ``sent`` (a request
went out, even the zone lookup), ``msg`` (the message does not name the option, or does
not say what the issue asks for), ``traceback``, ``leak`` (a secret is in the result).

The ``hostname ...`` rows put the bad hostname in ``hostnames`` (hostname_certificate_info,
hostname_association) or ``detach_hostnames`` (hostname_certificate), after a good one.

Every case starts from arguments a module accepts (``BASE``, checked by the ``accepted``
rows) and changes one thing.
"""

from __future__ import annotations

import base64
import re
import socket

import pytest
import requests

from conftest import OMIT, TOKEN, ZONE_ID  # pylint: disable=import-error
import tables  # pylint: disable=import-error
from refusals import NetworkGuard, refusal_problems, run_guarded, secrets_in, verdict  # pylint: disable=import-error

TABLE = 'bad input'
MODULES = ('client_certificate', 'client_certificate_info', 'hostname_certificate', 'hostname_certificate_info', 'hostname_association',
           'client_certificates')
VALID_ID = '0123456789abcdef0123456789abcdef'
GLOBAL_EMAIL = 'admin@example.com'
GLOBAL_KEY = '0123456789abcdef0123456789abcdef01234'

# Arguments each module accepts; a case changes one thing (OMIT removes an option).
BASE = {
    'client_certificate': {'id': VALID_ID},
    'client_certificate_info': {},
    'hostname_certificate': {'state': 'absent', 'id': VALID_ID},
    'hostname_certificate_info': {},
    'hostname_association': {'hostnames': ['app.example.com'], 'certificate_id': VALID_ID, 'state': 'enabled'},
    'client_certificates': {'ids': [VALID_ID], 'state': 'revoked'},
}


class Material(object):
    """Real key material from the local API, and bad variants of it."""

    def __init__(self, csr, hostname):
        from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel

        self.csr = csr['csr']
        self.certificate = hostname['certificate']
        self.private_key = hostname['private_key']
        key = serialization.load_pem_private_key(self.private_key.encode('ascii'), password=None)
        encryption = serialization.BestAvailableEncryption(b'k3ypassw0rd')
        self.encrypted_pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode('ascii')
        self.encrypted_legacy = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, encryption).decode('ascii')

    @staticmethod
    def truncated(pem):
        """The PEM with the second half of its DER cut off: still framed as PEM, still valid base64."""
        lines = pem.strip().splitlines()
        body = ''.join(lines[1:-1])
        # A multiple of 4 keeps the base64 valid whatever the key material, so only the DER is short.
        body = body[:len(body) // 8 * 4]
        return '\n'.join([lines[0]] + [body[i:i + 64] for i in range(0, len(body), 64)] + [lines[-1]]) + '\n'


@pytest.fixture(scope='session')
def material(_server):
    _app, base_url = _server
    control = base_url[:-len('/client/v4')] + '/__control/material'
    with requests.Session() as session:
        csr = session.post(control, json={'type': 'csr', 'common_name': 'x.example.com'}, timeout=30).json()
        hostname = session.post(control, json={'type': 'hostname_certificate', 'common_name': 'x.example.com'}, timeout=30).json()
    return Material(csr, hostname)


@pytest.fixture
def guard(local_api, monkeypatch):
    return NetworkGuard(local_api).install(monkeypatch)


class Case(object):
    """One cell: ``args`` (a dict, or a function of the material) change BASE[module]; ``option`` must be named."""

    def __init__(self, row, module, args, option, says=None, certificates=False):
        self.row = row
        self.module = module
        self.args = args
        self.option = option
        # Regular expressions the message must also match (what the issue asks the message to say).
        self.says = says or ()
        # Run in a zone that holds a client certificate and a hostname certificate (a filter has something to filter).
        self.certificates = certificates

    @property
    def id(self):
        return '%s|%s' % (self.module, self.row)

    def arguments(self, material):
        change = self.args(material) if callable(self.args) else self.args
        return dict(BASE[self.module], **change)


NUMBER_SAYS = (r'(?i)\b(number|integer|int)\b', r'(?i)quot')

# Ids go into request paths: nothing but the id alphabet, checked as a full match.
BAD_IDS = [
    ('trailing newline', VALID_ID + '\n', ()),
    ("'/'", '0123456789abcdef/0123456789abcdef', ()),
    ("'..'", '..', ()),
    ("'?'", VALID_ID + '?page=2', ()),
    ("'#'", VALID_ID + '#top', ()),
    ('space', '0123456789abcdef 0123456789abcdef', ()),
    ('non-ASCII', '0123456789abcdef0123456789abcd\u00e9f', ()),
    ('over-long', 'a' * 100, ()),
    # YAML reads an unquoted all-digit id as an integer; the module must say so, not send it.
    ('a YAML integer', 1234567890123456, NUMBER_SAYS),
    # AnsibleModule turns true into 'True', which has the id alphabet.
    ('a YAML boolean', True, (r'(?i)quot',)),
]
ID_OPTIONS = [(module, 'id') for module in MODULES[:4]] + [('hostname_association', 'certificate_id')]

BAD_HOSTNAMES = [
    ('bad character', 'app!.example.com'),
    ('space', 'app example.com'),
    ('leading hyphen', '-app.example.com'),
    ('empty label', 'app..example.com'),
    ('label over 63', 'a' * 64 + '.example.com'),
    ('over 253', '.'.join(['a' * 60] * 5) + '.com'),
    ('single label', 'localhost'),
    ('empty string', ''),
    ('a URL', 'https://app.example.com/'),
    ('inner wildcard', 'app.*.example.com'),
]

# Shared options: every module, same row.
SHARED = [
    ('api_timeout nan', {'api_timeout': 'nan'}, 'api_timeout'),
    ('api_timeout inf', {'api_timeout': 'inf'}, 'api_timeout'),
    ('api_timeout -inf', {'api_timeout': '-inf'}, 'api_timeout'),
    ('api_timeout 0', {'api_timeout': 0}, 'api_timeout'),
    ('api_timeout -1', {'api_timeout': -1}, 'api_timeout'),
    ('api_max_wait nan', {'api_max_wait': 'nan'}, 'api_max_wait'),
    ('api_max_wait inf', {'api_max_wait': 'inf'}, 'api_max_wait'),
    ('api_max_wait -inf', {'api_max_wait': '-inf'}, 'api_max_wait'),
    ('api_max_wait -1', {'api_max_wait': -1}, 'api_max_wait'),
    ('api_retries -1', {'api_retries': -1}, 'api_retries'),
    # Upper bounds: beyond them a value is a typo that would retry or wait for ever.
    ('api_timeout 3601', {'api_timeout': 3601}, 'api_timeout'),
    ('api_max_wait 86401', {'api_max_wait': 86401}, 'api_max_wait'),
    ('api_retries 101', {'api_retries': 101}, 'api_retries'),
    ('api_retries 10**12', {'api_retries': 10 ** 12}, 'api_retries'),
    ('api_base_url port 99999', {'api_base_url': 'https://api.example.com:99999/client/v4'}, 'api_base_url'),
    ('api_base_url port 0', {'api_base_url': 'https://api.example.com:0/client/v4'}, 'api_base_url'),
    ('api_base_url inner space', {'api_base_url': 'https://api.example.com/client /v4'}, 'api_base_url'),
    ('api_base_url leading space', {'api_base_url': ' https://api.example.com/client/v4'}, 'api_base_url'),
    ('api_base_url trailing space', {'api_base_url': 'https://api.example.com/client/v4 '}, 'api_base_url'),
    ('api_base_url trailing newline', {'api_base_url': 'https://api.example.com/client/v4\n'}, 'api_base_url'),
    ('api_base_url no scheme', {'api_base_url': 'api.example.com/client/v4'}, 'api_base_url'),
    ('api_base_url ftp://', {'api_base_url': 'ftp://api.example.com/client/v4'}, 'api_base_url'),
    ('api_base_url no host', {'api_base_url': 'https:///client/v4'}, 'api_base_url'),
    ('api_base_url http:// not loopback', {'api_base_url': 'http://api.example.com/client/v4'}, 'api_base_url'),
    # Names under .localhost, and localhost.localdomain, are resolved by DNS: not provably loopback.
    ('api_base_url http://foo.localhost', {'api_base_url': 'http://foo.localhost:8080/client/v4'}, 'api_base_url'),
    ('api_base_url http://localhost.localdomain', {'api_base_url': 'http://localhost.localdomain:8080/client/v4'}, 'api_base_url'),
    ('api_base_url with a password', {'api_base_url': 'https://user:s3cretpw@api.example.com/client/v4'}, 'api_base_url'),
    # Masking a one-letter password on its own turned "api_base_url" into "ap********_base_url".
    ('api_base_url with a one-letter password', {'api_base_url': 'https://user:i@api.example.com/client/v4'}, 'api_base_url'),
    ('api_base_url with a query', {'api_base_url': 'https://api.example.com/client/v4?x=1'}, 'api_base_url'),
    ('api_base_url with a fragment', {'api_base_url': 'https://api.example.com/client/v4#top'}, 'api_base_url'),
    ('ca_path does not exist', {'ca_path': '/nonexistent/mtls-cloudflare/ca.pem'}, 'ca_path'),
    ('zone and zone_id', {'zone': 'example.com'}, 'zone'),
    ('neither zone nor zone_id', {'zone_id': OMIT}, 'zone_id'),
    ('zone with a space', {'zone_id': OMIT, 'zone': 'example .com'}, 'zone'),
    ('zone with a slash', {'zone_id': OMIT, 'zone': 'example.com/zones'}, 'zone'),
    ('zone with an empty label', {'zone_id': OMIT, 'zone': 'example..com'}, 'zone'),
    ('zone of one label', {'zone_id': OMIT, 'zone': 'com'}, 'zone'),
    ('zone is a URL', {'zone_id': OMIT, 'zone': 'https://example.com'}, 'zone'),
    ('zone trailing newline', {'zone_id': OMIT, 'zone': 'example.com\n'}, 'zone'),
    ('zone empty', {'zone_id': OMIT, 'zone': ''}, 'zone'),
    ('api_token inner spaces', {'api_token': 'local demo token'}, 'api_token'),
    ('api_email without api_key', {'api_token': OMIT, 'api_email': GLOBAL_EMAIL}, 'api_key'),
    ('api_key without api_email', {'api_token': OMIT, 'api_key': GLOBAL_KEY}, 'api_email'),
    ('api_token and api_key', {'api_key': GLOBAL_KEY}, 'api_key'),
    ('api_token and api_email+api_key', {'api_email': GLOBAL_EMAIL, 'api_key': GLOBAL_KEY}, 'api_token'),
]

NOT_BASE64 = base64.b64encode(b'this is not DER at all, only some text').decode('ascii')


def _pem(kind, body):
    return '-----BEGIN %s-----\n%s\n-----END %s-----\n' % (kind, body, kind)


def _present(**change):
    """hostname_certificate state=present with the real certificate and key, one thing changed."""
    def args(m):
        full = {'state': 'present', 'id': OMIT, 'certificate': m.certificate, 'private_key': m.private_key}
        full.update(dict((key, value(m) if callable(value) else value) for key, value in change.items()))
        return full
    return args


def _issue(**change):
    """client_certificate state=present from the real CSR, one thing changed."""
    def args(m):
        full = {'id': OMIT, 'csr': m.csr}
        full.update(dict((key, value(m) if callable(value) else value) for key, value in change.items()))
        return full
    return args


SPECIFIC = [
    # client_certificate
    Case('serial_number bad characters', 'client_certificate', {'id': OMIT, 'serial_number': 'xyz-1234'}, 'serial_number'),
    Case("serial_number with '/'", 'client_certificate', {'id': OMIT, 'serial_number': '12/34'}, 'serial_number'),
    Case('fingerprint_sha256 too short', 'client_certificate', {'id': OMIT, 'fingerprint_sha256': 'ab' * 31}, 'fingerprint_sha256'),
    Case('fingerprint_sha256 too long', 'client_certificate', {'id': OMIT, 'fingerprint_sha256': 'ab' * 33}, 'fingerprint_sha256'),
    Case('fingerprint_sha256 bad characters', 'client_certificate', {'id': OMIT, 'fingerprint_sha256': 'zz' * 32}, 'fingerprint_sha256'),
    Case('csr not PEM', 'client_certificate', _issue(csr='this is not a certificate signing request'), 'csr'),
    Case('csr PEM of the wrong type', 'client_certificate', _issue(csr=lambda m: m.certificate), 'csr'),
    Case('csr PEM, base64 not DER', 'client_certificate', _issue(csr=_pem('CERTIFICATE REQUEST', NOT_BASE64)), 'csr'),
    Case('csr PEM, not base64', 'client_certificate', _issue(csr=_pem('CERTIFICATE REQUEST', '@@@@ not base64 ****')), 'csr'),
    Case('csr PEM truncated', 'client_certificate', _issue(csr=lambda m: Material.truncated(m.csr)), 'csr'),
    Case('validity_days 0', 'client_certificate', _issue(validity_days=0), 'validity_days'),
    Case('validity_days -30', 'client_certificate', _issue(validity_days=-30), 'validity_days'),
    Case('validity_days 36501', 'client_certificate', _issue(validity_days=36501), 'validity_days'),
    Case('validity_days 10**9', 'client_certificate', _issue(validity_days=10 ** 9), 'validity_days'),
    Case('wait_timeout 86401', 'client_certificate', {'wait': True, 'wait_timeout': 86401}, 'wait_timeout'),
    Case('wait_timeout -1', 'client_certificate', {'wait': True, 'wait_timeout': -1}, 'wait_timeout'),
    Case('two selectors', 'client_certificate', {'serial_number': '1234abcd'}, 'serial_number'),
    Case('no selector', 'client_certificate', {'id': OMIT}, 'id'),
    Case('state not a choice', 'client_certificate', {'state': 'absent'}, 'state'),
    # client_certificate_info
    Case('serial_number bad characters', 'client_certificate_info', {'serial_number': 'xyz-1234'}, 'serial_number'),
    Case('fingerprint_sha256 too short', 'client_certificate_info', {'fingerprint_sha256': 'ab' * 31}, 'fingerprint_sha256'),
    Case('fingerprint_sha256 bad characters', 'client_certificate_info', {'fingerprint_sha256': 'zz' * 32}, 'fingerprint_sha256'),
    # now + 10**9 days overflows timedelta, now + 3 000 000 days overflows the year 9999 (once there is a certificate to compare).
    Case('expires_within_days 10**9', 'client_certificate_info', {'expires_within_days': 10 ** 9}, 'expires_within_days', certificates=True),
    Case('expires_within_days 3000000', 'client_certificate_info', {'expires_within_days': 3000000}, 'expires_within_days', certificates=True),
    Case('expires_within_days -1', 'client_certificate_info', {'expires_within_days': -1}, 'expires_within_days'),
    Case('status not a choice', 'client_certificate_info', {'status': 'expired'}, 'status'),
    # hostname_certificate
    Case('serial_number bad characters', 'hostname_certificate', {'id': OMIT, 'serial_number': 'xyz-1234'}, 'serial_number'),
    Case("serial_number with '/'", 'hostname_certificate', {'id': OMIT, 'serial_number': '12/34'}, 'serial_number'),
    Case('certificate not PEM', 'hostname_certificate', _present(certificate='this is not a certificate'), 'certificate'),
    Case('certificate PEM of the wrong type', 'hostname_certificate', _present(certificate=lambda m: m.csr), 'certificate'),
    Case('certificate PEM, base64 not DER', 'hostname_certificate', _present(certificate=_pem('CERTIFICATE', NOT_BASE64)), 'certificate'),
    Case('certificate PEM, not base64', 'hostname_certificate', _present(certificate=_pem('CERTIFICATE', '@@@@ not base64 ****')), 'certificate'),
    Case('certificate PEM truncated', 'hostname_certificate', _present(certificate=lambda m: Material.truncated(m.certificate)), 'certificate'),
    Case('certificate holds a private key', 'hostname_certificate',
         _present(certificate=lambda m: m.certificate + m.private_key), 'certificate'),
    # Selecting the certificate to delete with a combined cert+key file: no private_key masks the key there.
    Case('certificate holds a private key (selecting)', 'hostname_certificate',
         lambda m: {'id': OMIT, 'certificate': m.certificate + m.private_key}, 'certificate'),
    Case('certificate not PEM (selecting)', 'hostname_certificate', {'id': OMIT, 'certificate': 'this is not a certificate'}, 'certificate'),
    Case('private_key encrypted (PKCS#8)', 'hostname_certificate', _present(private_key=lambda m: m.encrypted_pkcs8), 'private_key'),
    Case('private_key encrypted (OpenSSL)', 'hostname_certificate', _present(private_key=lambda m: m.encrypted_legacy), 'private_key'),
    Case('private_key not PEM', 'hostname_certificate', _present(private_key='this is not a private key'), 'private_key'),
    Case('private_key PEM of the wrong type', 'hostname_certificate', _present(private_key=lambda m: m.certificate), 'private_key'),
    Case('private_key PEM, base64 not DER', 'hostname_certificate', _present(private_key=_pem('PRIVATE KEY', NOT_BASE64)), 'private_key'),
    Case('private_key PEM truncated', 'hostname_certificate', _present(private_key=lambda m: Material.truncated(m.private_key)), 'private_key'),
    Case('private_key missing', 'hostname_certificate', _present(private_key=OMIT), 'private_key'),
    Case('detach_hostnames with state present', 'hostname_certificate', _present(detach_hostnames=['app.example.com']), 'detach_hostnames'),
    Case('wait_timeout -1', 'hostname_certificate', {'wait': True, 'wait_timeout': -1}, 'wait_timeout'),
    Case('wait_timeout 86401', 'hostname_certificate', {'wait': True, 'wait_timeout': 86401}, 'wait_timeout'),
    Case('two selectors', 'hostname_certificate', {'serial_number': '1234'}, 'serial_number'),
    Case('no selector', 'hostname_certificate', {'id': OMIT}, 'id'),
    Case('state not a choice', 'hostname_certificate', {'state': 'deleted'}, 'state'),
    # hostname_certificate_info
    Case('serial_number bad characters', 'hostname_certificate_info', {'serial_number': 'xyz-1234'}, 'serial_number'),
    Case('expires_within_days 10**9', 'hostname_certificate_info', {'expires_within_days': 10 ** 9}, 'expires_within_days', certificates=True),
    Case('expires_within_days 3000000', 'hostname_certificate_info', {'expires_within_days': 3000000}, 'expires_within_days', certificates=True),
    Case('expires_within_days -1', 'hostname_certificate_info', {'expires_within_days': -1}, 'expires_within_days'),
    Case('status not a choice', 'hostname_certificate_info', {'status': 'revoked'}, 'status'),
    # hostname_association
    Case('certificate_id missing, state enabled', 'hostname_association', {'certificate_id': OMIT}, 'certificate_id'),
    Case('certificate_id missing, state disabled', 'hostname_association', {'certificate_id': OMIT, 'state': 'disabled'}, 'certificate_id'),
    Case('wait_timeout -1', 'hostname_association', {'wait': True, 'wait_timeout': -1}, 'wait_timeout'),
    Case('wait_timeout 86401', 'hostname_association', {'wait': True, 'wait_timeout': 86401}, 'wait_timeout'),
    Case('state not a choice', 'hostname_association', {'state': 'present'}, 'state'),
    # client_certificates: list items that YAML read as numbers or booleans are sent as '5' or 'True' unless refused.
    Case('ids item a YAML integer', 'client_certificates', {'ids': [VALID_ID, 5]}, 'ids', NUMBER_SAYS + (r'item 2\b',)),
    Case('ids item a YAML boolean', 'client_certificates', {'ids': [True]}, 'ids', (r'item 1\b', r'(?i)quot')),
    Case('serial_numbers item a YAML integer', 'client_certificates', {'ids': OMIT, 'serial_numbers': ['3bb9', 1234]},
         'serial_numbers', NUMBER_SAYS + (r'item 2\b',)),
    Case('fingerprints_sha256 item a YAML integer', 'client_certificates', {'ids': OMIT, 'fingerprints_sha256': [10 ** 63]},
         'fingerprints_sha256', NUMBER_SAYS),
    Case("serial_numbers '::::'", 'client_certificates', {'ids': OMIT, 'serial_numbers': ['::::']}, 'serial_numbers'),
    Case("serial_numbers ':' after a good one", 'client_certificates', {'ids': OMIT, 'serial_numbers': ['3bb9', ':']}, 'serial_numbers'),
    Case('issued_before 2024-02-30', 'client_certificates', {'ids': OMIT, 'issued_before': '2024-02-30'}, 'issued_before'),
    Case('issued_before month 13', 'client_certificates', {'ids': OMIT, 'issued_before': '2024-13-01'}, 'issued_before'),
    Case('issued_before hour 25', 'client_certificates', {'ids': OMIT, 'issued_before': '2024-06-01T25:00:00Z'}, 'issued_before'),
    Case('issued_before year 0', 'client_certificates', {'ids': OMIT, 'issued_before': '0000-01-01'}, 'issued_before'),
    Case('issued_before offset +99:99', 'client_certificates', {'ids': OMIT, 'issued_before': '2024-06-01T00:00:00+99:99'}, 'issued_before'),
    Case('expires_within_days 36501', 'client_certificates', {'ids': OMIT, 'expires_within_days': 36501}, 'expires_within_days'),
    Case('wait_timeout 86401', 'client_certificates', {'wait': True, 'wait_timeout': 86401}, 'wait_timeout'),
]


def all_cases():
    cases = []
    for shape, value, says in BAD_IDS:
        for module, option in ID_OPTIONS:
            cases.append(Case('%s %s' % (option, shape), module, {option: value}, option, says))
        for module in MODULES:
            cases.append(Case('zone_id %s' % shape, module, {'zone_id': value}, 'zone_id', says))
    for row, change, option in SHARED:
        cases.extend(Case(row, module, change, option) for module in MODULES)
    cases.extend(SPECIFIC)
    for shape, value in BAD_HOSTNAMES:
        row = 'hostname %s' % shape
        cases.append(Case(row, 'hostname_certificate_info', {'hostnames': ['app.example.com', value]}, 'hostnames'))
        cases.append(Case(row, 'hostname_association', {'hostnames': ['app.example.com', value]}, 'hostnames'))
        cases.append(Case(row, 'hostname_certificate', {'detach_hostnames': ['app.example.com', value]}, 'detach_hostnames'))
    return cases


CASES = all_cases()


def _add_certificates(local_api, material):
    local_api.seed_client_certificates(1)
    response = requests.post('%s/zones/%s/origin_tls_client_auth/hostnames/certificates' % (local_api.base_url, ZONE_ID),
                             json={'certificate': material.certificate, 'private_key': material.private_key},
                             headers={'Authorization': 'Bearer %s' % TOKEN}, timeout=30)
    response.raise_for_status()
    local_api.control('DELETE', 'journal')


@pytest.mark.parametrize('case', CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_before_any_request(case, material, local_api, run_module, guard):
    if case.certificates:
        _add_certificates(local_api, material)
    args = case.arguments(material)
    rc, result = run_guarded(run_module, case.module, args)
    problems = refusal_problems(rc, result, case.option, local_api.journal(), guard, secrets_in(args) + ['k3ypassw0rd'])
    msg = result.get('msg') or ''
    for pattern in case.says:
        if not re.search(pattern, msg):
            problems.append('msg: does not match %s: %s' % (pattern, msg[:200]))
    tables.record(TABLE, case.row, case.module, verdict(problems))
    assert not problems, '\n'.join(problems)


# ---------------------------------------------------------------- what must be accepted

@pytest.mark.parametrize('module', MODULES)
def test_base_arguments_are_accepted(module, local_api, run_module, guard):
    """Each case changes one thing of BASE: BASE itself must get as far as a request."""
    rc, result = run_guarded(run_module, module, dict(BASE[module]))
    sent = local_api.journal()
    tables.record(TABLE, 'accepted: BASE', module, 'ok' if sent and 'exception' not in result else 'WRONG:refused')
    assert sent, 'BASE arguments of %s were refused (rc %s): %s' % (module, rc, result.get('msg'))
    assert not guard.blocked


@pytest.mark.parametrize('module, change', [
    ('client_certificate', _issue()),
    ('hostname_certificate', _present()),
], ids=['csr', 'certificate+private_key'])
def test_real_material_is_accepted(module, change, material, local_api, run_module, guard):
    """The material the bad variants derive from is accepted (check mode: nothing is created)."""
    rc, result = run_guarded(run_module, module, dict(BASE[module], **change(material)), check_mode=True)
    ok = rc == 0 and result.get('changed') is True
    tables.record(TABLE, 'accepted: real PEM (check mode)', module, 'ok' if ok else 'WRONG:refused')
    assert ok, result.get('msg')
    assert not guard.blocked


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_plain_http_to_loopback_is_accepted(host, local_api, run_module, guard):
    """The local API listens on 127.0.0.1; localhost resolves to it (an IPv6 ::1 tried first is refused, then 127.0.0.1 answers)."""
    port = guard.port
    if host == 'localhost' and '127.0.0.1' not in set(info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)):
        pytest.skip('localhost does not resolve to 127.0.0.1 here, where the local API listens')
    rc, result = run_guarded(run_module, 'client_certificate_info', {'api_base_url': 'http://%s:%d/client/v4' % (host, port)})
    journal = local_api.journal()
    ok = rc == 0 and [entry['method'] for entry in journal] == ['GET']
    tables.record(TABLE, 'accepted: http://%s:port' % host, 'client_certificate_info', 'ok' if ok else 'WRONG:refused')
    assert ok, 'rc %s, %s; journal %s' % (rc, result.get('msg'), journal)


def test_plain_http_to_ipv6_loopback_is_accepted(local_api, run_module, guard):
    """http://[::1] is loopback too: the module must try to connect (the test blocks it), not refuse the URL."""
    rc, result = run_guarded(run_module, 'client_certificate_info', {'api_base_url': 'http://[::1]:%d/client/v4' % guard.port, 'api_retries': 0})
    tried = [attempt for attempt in guard.blocked if '[::1]' in attempt]
    tables.record(TABLE, 'accepted: http://[::1]:port', 'client_certificate_info', 'ok' if tried else 'WRONG:refused')
    assert rc == 1 and tried, 'no request to [::1] was attempted: %s' % result.get('msg')
