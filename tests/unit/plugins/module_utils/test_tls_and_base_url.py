# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TLS verification per request, and the checks on api_base_url: all before any request."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.mtls.cloudflare.plugins.module_utils._api import checked_base_url, is_loopback
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError

from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, ZONE, envelope

CERT_PATH = '/zones/%s/client_certificates/0123456789abcdef0123456789abcdef' % ZONE
CERT = BASE + CERT_PATH
PASSWORD = 'hunter2-s3cret'


@pytest.fixture
def sent_verify(monkeypatch):
    """The ``verify`` each request was sent with, after requests merged in the environment."""
    seen = []
    original = requests.Session.send

    def send(session, request, **kwargs):
        seen.append(kwargs.get('verify'))
        return original(session, request, **kwargs)
    monkeypatch.setattr(requests.Session, 'send', send)
    return seen


@pytest.fixture
def ca_bundles(tmp_path, monkeypatch):
    """A CA bundle for ca_path, and another one named by both environment variables requests reads."""
    given = tmp_path / 'given-ca.pem'
    given.write_text('-----BEGIN CERTIFICATE-----\n')
    environment = tmp_path / 'environment-ca.pem'
    environment.write_text('-----BEGIN CERTIFICATE-----\n')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(environment))
    monkeypatch.setenv('CURL_CA_BUNDLE', str(environment))
    return str(given), str(environment)


# --- verify is given per request, so the environment cannot override it -------------------------

def test_validate_certs_false_is_sent_with_every_request_despite_the_environment(make_client, api, sent_verify, ca_bundles):
    api.get(CERT, json=envelope({'id': 'x'}))
    api.delete(CERT, json=envelope({'id': 'x', 'status': 'pending_revocation'}))
    client = make_client(validate_certs=False)
    client.get(CERT_PATH)
    client.send_write('DELETE', CERT_PATH)
    # requests would replace verify=True (not False) with REQUESTS_CA_BUNDLE: False must reach the adapter.
    assert sent_verify == [False, False]


def test_ca_path_is_sent_with_every_request_despite_the_environment(make_client, api, sent_verify, ca_bundles):
    given, dummy = ca_bundles
    api.get(CERT, json=envelope({'id': 'x'}))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client(ca_path=given)
    client.get(CERT_PATH)
    client.get(CERT_PATH)
    assert sent_verify == [given, given]


def test_without_either_option_the_environment_bundle_applies(make_client, api, sent_verify, ca_bundles):
    dummy, environment = ca_bundles
    api.get(CERT, json=envelope({'id': 'x'}))
    make_client().get(CERT_PATH)
    assert sent_verify == [environment]


def test_validate_certs_false_warns_once_per_run(make_client, api):
    for dummy in range(3):
        api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client(validate_certs=False)
    for dummy in range(3):
        client.get(CERT_PATH)
    warnings = [text for text in client.module.warnings if 'validate_certs' in text]
    assert len(warnings) == 1 and len(client.module.warnings) == 1
    assert 'validate_certs is false: the TLS certificate of api.cloudflare.com is not verified' in warnings[0]


def test_validate_certs_true_does_not_warn(make_client, api):
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    client.get(CERT_PATH)
    assert client.module.warnings == []


@pytest.mark.parametrize('kind', ['missing', 'directory'])
def test_a_ca_path_that_is_not_a_file_fails_before_any_request(make_client, api, tmp_path, kind):
    path = str(tmp_path / 'nope.pem') if kind == 'missing' else str(tmp_path)
    with pytest.raises(InputError, match='^ca_path .* is not a readable file of PEM CA certificates'):
        make_client(ca_path=path)
    assert len(api.calls) == 0


def test_ca_path_is_not_checked_when_validate_certs_is_false(make_client, tmp_path):
    # Nothing is verified then, so the bundle is not needed.
    assert make_client(validate_certs=False, ca_path=str(tmp_path / 'nope.pem')).verify is False


# --- TLS errors: not retried, the cause kept, the options named -----------------------------------

@pytest.mark.parametrize('cause,shown', [
    ('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)',
     'certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006'),
    ("hostname 'api.example.net' doesn't match 'api.cloudflare.com'", "hostname 'api.example.net' doesn't match"),
])
def test_a_tls_error_is_not_retried_and_names_the_cause_and_the_options(make_client, api, clock, cause, shown):
    api.get(CERT, body=requests.exceptions.SSLError(cause))
    client = make_client(api_retries=5)
    with pytest.raises(CloudflareError) as caught:
        client.get(CERT_PATH)
    text = str(caught.value)
    assert len(api.calls) == 1 and clock.sleeps == [] and client.module.warnings == []
    assert text.startswith('Cloudflare API GET %s failed: TLS verification failed (' % CERT_PATH)
    assert shown in text and 'ca_path' in text and 'validate_certs' in text
    assert caught.value.retryable is False


# --- api_base_url ----------------------------------------------------------------------------------

@pytest.mark.parametrize('url,text', [
    ('https://api.cloudflare.com:0/client/v4', 'port that is not a number from 1 to 65535'),
    ('https://api.cloudflare.com:65536/client/v4', 'port that is not a number from 1 to 65535'),
    ('https://api.cloudflare.com:99999/client/v4', 'port that is not a number from 1 to 65535'),
    ('https://api.cloudflare.com:-1/client/v4', 'port that is not a number from 1 to 65535'),
    ('https://api.cloudflare.com:https/client/v4', 'port that is not a number from 1 to 65535'),
    ('https://api.cloudflare.com:/client/v4', 'port that is not a number from 1 to 65535'),
    (' https://api.cloudflare.com/client/v4', 'without spaces'),
    ('https://api.cloudflare.com/client/v4 ', 'without spaces'),
    ('https://api.cloudflare.com/client/v4\n', 'without spaces'),
    ('https://api.cloud flare.com/client/v4', 'without spaces'),
    ('https://api.cloudflare.com/client/\tv4', 'without spaces'),
    ('', 'without spaces'),
    ('https://api.cloudflare.com/client/v4?x=1', 'query or a fragment'),
    ('https://api.cloudflare.com/client/v4#top', 'query or a fragment'),
    ('ftp://127.0.0.1/client/v4', 'must be an https:// URL'),
    ('https:///client/v4', 'must be an https:// URL'),
    ('http://app.localhost/client/v4', 'plain http:// to app.localhost'),
    ('http://localhost.localdomain:8080/client/v4', 'plain http:// to localhost.localdomain'),
    ('http://localhost./client/v4', 'plain http://'),
    ('http://127.0.0.1.nip.io/client/v4', 'plain http://'),
    ('http://0.0.0.0:8080/client/v4', 'plain http://'),
    ('http://10.0.0.1/client/v4', 'plain http://'),
    ('http://api.cloudflare.com/client/v4', 'use https://'),
])
def test_bad_base_urls_are_refused_naming_the_option(url, text):
    with pytest.raises(InputError) as caught:
        checked_base_url(url)
    assert str(caught.value).startswith('api_base_url') and text in str(caught.value)


def test_a_base_url_that_is_not_text_is_refused():
    with pytest.raises(InputError, match='^api_base_url'):
        checked_base_url(None)


@pytest.mark.parametrize('url,expected', [
    ('http://127.0.0.1:8080/client/v4', 'http://127.0.0.1:8080/client/v4'),
    ('http://127.9.8.7/client/v4', 'http://127.9.8.7/client/v4'),
    ('http://[::1]:9/client/v4/', 'http://[::1]:9/client/v4'),
    ('http://localhost/client/v4', 'http://localhost/client/v4'),
    ('http://LOCALHOST:65535/client/v4', 'http://LOCALHOST:65535/client/v4'),
    ('https://api.cloudflare.com:443/client/v4', 'https://api.cloudflare.com:443/client/v4'),
    ('https://api.cloudflare.com/client/v4/', 'https://api.cloudflare.com/client/v4'),
    ('https://10.0.0.1:1/client/v4', 'https://10.0.0.1:1/client/v4'),
])
def test_good_base_urls_are_accepted_without_a_trailing_slash(url, expected):
    assert checked_base_url(url) == expected


@pytest.mark.parametrize('hostname,loopback', [
    ('localhost', True), ('LocalHost', True), ('127.0.0.1', True), ('127.255.255.254', True), ('::1', True), ('[::1]', True),
    ('app.localhost', False), ('localhost.localdomain', False), ('localhost.', False), ('0.0.0.0', False), ('10.0.0.1', False),
    ('127.0.0.1.nip.io', False), ('api.cloudflare.com', False), ('::2', False),
])
def test_is_loopback_takes_only_literal_loopback_and_localhost_itself(hostname, loopback):
    assert is_loopback(hostname) is loopback


@pytest.mark.parametrize('url', [
    'https://user:%s@api.cloudflare.com/client/v4' % PASSWORD,
    'https://:%s@api.cloudflare.com/client/v4' % PASSWORD,
    'http://user:%s@10.0.0.1/client/v4' % PASSWORD,
    'https://user:%s@api.cloudflare.com:99999/client/v4' % PASSWORD,
    'https://user:%s@api.cloudflare.com/client v4' % PASSWORD,
    ' https://user:%s@api.cloudflare.com/client/v4' % PASSWORD,
    'https://user:%s@api.cloudflare.com/client/v4?x=1' % PASSWORD,
    'ftp://user:%s@api.cloudflare.com/client/v4' % PASSWORD,
    'https://user:hunter2 s3cret@api.cloudflare.com/client/v4',
    'https://user:hunter2?s3cret@api.cloudflare.com/client/v4',
    'https://user:hunter2#s3cret@api.cloudflare.com/client/v4',
])
def test_a_password_in_the_base_url_is_never_echoed(url):
    with pytest.raises(InputError) as caught:
        checked_base_url(url)
    text = str(caught.value)
    assert text.startswith('api_base_url')
    assert 'hunter2' not in text and 's3cret' not in text


def test_a_password_with_a_slash_is_never_echoed():
    with pytest.raises(InputError) as caught:
        checked_base_url('https://user:s3cr/et-value@api.cloudflare.com/client/v4')
    assert 's3cr' not in str(caught.value) and 'et-value' not in str(caught.value)


def test_the_client_checks_the_base_url_before_any_request(make_client, api):
    with pytest.raises(InputError, match='api_base_url'):
        make_client(api_base_url='http://app.localhost:8080/client/v4')
    assert len(api.calls) == 0
