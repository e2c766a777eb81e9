# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os

import pytest
import requests
import yaml

from ansible_collections.mtls.cloudflare.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.mtls.cloudflare.plugins.module_utils import _api
from ansible_collections.mtls.cloudflare.plugins.module_utils._api import CloudflareClient, cloudflare_argument_spec
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError

from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, ModuleDouble, envelope, module_params

LIST = BASE + '/zones/%s/client_certificates' % ZONE
CERT = LIST + '/0123456789abcdef0123456789abcdef'
KEY = '0123456789abcdef0123456789abcdef01234'


# --- authentication and set-up ---------------------------------------------------------------

def test_token_is_sent_as_bearer_with_user_agent(make_client, api):
    api.get(CERT, json=envelope({'id': 'x'}))
    make_client().get('/zones/%s/client_certificates/0123456789abcdef0123456789abcdef' % ZONE)
    sent = api.calls[0].request.headers
    assert sent['Authorization'] == 'Bearer ' + TOKEN
    assert sent['User-Agent'] == 'mtls.cloudflare/' + _api.COLLECTION_VERSION
    assert 'X-Auth-Key' not in sent


def test_global_key_scheme_sends_email_and_key(make_client, api):
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client(api_token=None, api_email='admin@example.com', api_key=KEY)
    client.get('/zones/%s/client_certificates/0123456789abcdef0123456789abcdef' % ZONE)
    sent = api.calls[0].request.headers
    assert sent['X-Auth-Email'] == 'admin@example.com'
    assert sent['X-Auth-Key'] == KEY
    assert 'Authorization' not in sent


def test_environment_token_is_used_and_masked(make_client, monkeypatch, api):
    monkeypatch.setenv('CLOUDFLARE_TOKEN', 'env-token-value')
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client(api_token=None)
    client.get('/zones/%s/client_certificates/0123456789abcdef0123456789abcdef' % ZONE)
    assert api.calls[0].request.headers['Authorization'] == 'Bearer env-token-value'
    assert 'env-token-value' in client.module.no_log_values


def test_explicit_option_wins_over_environment(make_client, monkeypatch):
    monkeypatch.setenv('CLOUDFLARE_API_TOKEN', 'env-token-value')
    client = make_client(api_token=None, api_email='admin@example.com', api_key=KEY)
    assert 'Authorization' not in client.session.headers
    assert client.session.headers['X-Auth-Key'] == KEY


def test_environment_key_scheme_needs_both_variables(make_client, monkeypatch):
    monkeypatch.setenv('CLOUDFLARE_API_KEY', KEY)
    with pytest.raises(InputError, match='CLOUDFLARE_EMAIL is not set'):
        make_client(api_token=None)


def test_no_credentials_fails_before_any_request(make_client, api):
    with pytest.raises(InputError, match='no Cloudflare credentials'):
        make_client(api_token=None)
    assert len(api.calls) == 0


@pytest.mark.parametrize('url', [
    'http://api.example.net/client/v4',
    'http://10.0.0.1/client/v4',
    'http://localhost.evil.com/client/v4',
    'ftp://127.0.0.1/client/v4',
    'not a url',
    'https://user:pw@api.cloudflare.com/client/v4',
])
def test_unsafe_base_urls_are_refused(make_client, url):
    with pytest.raises(InputError, match='api_base_url'):
        make_client(api_base_url=url)


@pytest.mark.parametrize('url', ['http://127.0.0.1:8080/client/v4', 'http://[::1]:9/client/v4', 'http://localhost/client/v4',
                                 'https://api.cloudflare.com/client/v4/'])
def test_loopback_http_and_https_are_accepted(make_client, url):
    assert make_client(api_base_url=url).base_url == url.rstrip('/')


@pytest.mark.parametrize('option,value', [('api_timeout', 0), ('api_retries', -1), ('api_max_wait', -5)])
def test_bad_numbers_are_refused(make_client, option, value):
    with pytest.raises(InputError, match=option):
        make_client(**{option: value})


def test_validate_certs_and_ca_path_map_to_verify(make_client):
    assert make_client(validate_certs=False).session.verify is False
    assert make_client(ca_path='/etc/ssl/ca.pem').session.verify == '/etc/ssl/ca.pem'


# --- retries ------------------------------------------------------------------------------------

@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_retryable_status_then_success(make_client, api, clock, status):
    api.get(CERT, status=status, json=envelope(success=False, errors=[{'code': 971, 'message': 'slow down'}]))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    page = client.get(CERT[len(BASE):])
    assert page.result == {'id': 'x'}
    assert len(api.calls) == 2
    assert clock.sleeps == [1.0]  # first backoff step, jitter at its top
    assert len(client.module.warnings) == 1
    assert 'HTTP %d; retry 1 of 5' % status in client.module.warnings[0]


def test_retry_after_is_honoured(make_client, api, clock):
    api.get(CERT, status=429, headers={'Retry-After': '17'}, json=envelope(success=False))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    client.get(CERT[len(BASE):])
    assert clock.sleeps == [17.0]
    assert '(Retry-After)' in client.module.warnings[0]


def test_backoff_grows_and_gives_up_with_attempts_and_wait(make_client, api, clock):
    for dummy in range(4):
        api.get(CERT, status=503, json=envelope(success=False, errors=[]))
    client = make_client(api_retries=3)
    with pytest.raises(CloudflareError) as caught:
        client.get(CERT[len(BASE):])
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert caught.value.attempts == 4
    assert 'Gave up after 4 attempts and 7.0 s of waiting' in str(caught.value)
    assert 'HTTP 503' in str(caught.value)


def test_retry_after_beyond_budget_gives_up_without_sleeping(make_client, api, clock):
    api.get(CERT, status=429, headers={'Retry-After': '300'}, json=envelope(success=False, errors=[{'code': 971, 'message': 'rate limited'}]))
    client = make_client(api_max_wait=60)
    with pytest.raises(CloudflareError) as caught:
        client.get(CERT[len(BASE):])
    assert clock.sleeps == []
    assert 'more than the 60 s left of api_max_wait' in client.module.warnings[0]
    assert '971: rate limited' in str(caught.value)
    assert 'api_max_wait' in str(caught.value)


def test_post_is_not_repeated_after_a_5xx(make_client, api, clock):
    api.post(LIST, status=502, json=envelope(success=False))
    client = make_client()
    with pytest.raises(CloudflareError) as caught:
        client.request('POST', LIST[len(BASE):], body={'csr': 'x', 'validity_days': 1})
    assert len(api.calls) == 1
    assert caught.value.ambiguous is True
    assert clock.sleeps == []


def test_post_is_repeated_after_a_429(make_client, api, clock):
    api.post(LIST, status=429, headers={'Retry-After': '2'}, json=envelope(success=False))
    api.post(LIST, json=envelope({'id': 'new'}))
    page = make_client().request('POST', LIST[len(BASE):], body={'csr': 'x', 'validity_days': 1})
    assert page.result == {'id': 'new'}
    assert clock.sleeps == [2.0]


def test_get_is_retried_after_a_dropped_connection(make_client, api):
    api.get(CERT, body=requests.exceptions.ConnectionError('Connection aborted.'))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    assert client.get(CERT[len(BASE):]).result == {'id': 'x'}
    assert 'the connection was closed before a response arrived' in client.module.warnings[0]


def test_delete_after_a_dropped_connection_is_ambiguous_not_repeated(make_client, api):
    api.delete(CERT, body=requests.exceptions.ConnectionError('Connection aborted.'))
    with pytest.raises(CloudflareError) as caught:
        make_client().request('DELETE', CERT[len(BASE):])
    assert caught.value.ambiguous is True
    assert len(api.calls) == 1


def test_delete_is_repeated_when_no_connection_was_made(make_client, api):
    api.delete(CERT, body=requests.exceptions.ConnectionError('NewConnectionError: Connection refused'))
    api.delete(CERT, json=envelope({'id': 'x', 'status': 'pending_revocation'}))
    assert make_client().request('DELETE', CERT[len(BASE):]).result['status'] == 'pending_revocation'


def test_timeout_on_get_is_retried_and_reported(make_client, api):
    for dummy in range(2):
        api.get(CERT, body=requests.exceptions.ReadTimeout('read timed out'))
    client = make_client(api_retries=1)
    with pytest.raises(CloudflareError, match='no response within api_timeout'):
        client.get(CERT[len(BASE):])
    assert len(api.calls) == 2


def test_every_request_carries_the_timeout(make_client, monkeypatch):
    seen = []

    def fake_request(method, url, **kwargs):
        seen.append(kwargs.get('timeout'))
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(envelope({'id': 'x'})).encode()
        return response
    client = make_client(api_timeout=7.5)
    monkeypatch.setattr(client.session, 'request', fake_request)
    client.get('/x')
    assert seen == [7.5]


def test_ratelimit_header_paces_when_nearly_spent(make_client, api, clock):
    api.get(CERT, headers={'Ratelimit': '"default";r=3;t=40'}, json=envelope({'id': 'x'}))
    api.get(CERT, headers={'Ratelimit': '"default";r=900;t=40'}, json=envelope({'id': 'x'}))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    for dummy in range(3):
        client.get(CERT[len(BASE):])
    # 3 left and 40 s to the reset: spread them, 40 / (3 + 1) = 10 s before the next request;
    # with plenty left, no pacing.
    assert clock.sleeps == [10.0]
    assert 'only 3 requests left' in client.module.warnings[0]


def test_ratelimit_header_parser():
    assert _api._parse_ratelimit('"default";r=50;t=30') == (50, 30)
    assert _api._parse_ratelimit('"default";t=30;r=0') == (0, 30)
    assert _api._parse_ratelimit('garbage') is None
    assert _api._parse_ratelimit(None) is None


# --- envelope and errors -------------------------------------------------------------------------

def test_404_on_get_is_absent(make_client, api):
    api.get(CERT, status=404, json=envelope(success=False, errors=[{'code': 1415, 'message': 'not found'}]))
    assert make_client().get(CERT[len(BASE):], absent_ok=True) is None


def test_404_no_route_is_an_error_not_absent(make_client, api):
    api.get(CERT, status=404, json=envelope(success=False, errors=[{'code': 7003, 'message': 'No route for that URI'}]))
    with pytest.raises(CloudflareError, match='check api_base_url'):
        make_client().get(CERT[len(BASE):], absent_ok=True)


def test_error_message_names_request_status_codes_hint_and_ray(make_client, api):
    api.get(CERT, status=403, headers={'cf-ray': '8a1b2c3d4e5f6789-LHR'}, json=envelope(success=False, errors=[
        {'code': 10000, 'message': 'Authentication error'},
        {'code': 9109, 'message': 'Invalid access token', 'source': {'pointer': '/header/authorization'}},
    ], messages=[{'code': 1, 'message': 'see docs'}]))
    with pytest.raises(CloudflareError) as caught:
        make_client().get(CERT[len(BASE):])
    text = str(caught.value)
    assert text.startswith('Cloudflare API GET /zones/%s/client_certificates/0123456789abcdef0123456789abcdef failed with HTTP 403' % ZONE)
    assert '10000: Authentication error' in text and '9109: Invalid access token (at /header/authorization)' in text
    assert 'Hint: check the credentials' in text
    assert '[cf-ray 8a1b2c3d4e5f6789-LHR]' in text
    assert '\n' not in text
    assert caught.value.as_dict()['errors'][1]['code'] == 9109
    assert caught.value.as_dict()['cf_ray'] == '8a1b2c3d4e5f6789-LHR'


def test_empty_errors_list_still_gives_a_message(make_client, api):
    api.get(CERT, status=400, json=envelope(success=False, errors=[]))
    with pytest.raises(CloudflareError, match='failed with HTTP 400: no error details in the response'):
        make_client().get(CERT[len(BASE):])


def test_non_json_body_is_reported(make_client, api):
    api.get(CERT, status=200, body='<html>oops</html>', content_type='text/html')
    with pytest.raises(CloudflareError, match=r'not a Cloudflare JSON envelope \(text/html, 17 bytes\)'):
        make_client().get(CERT[len(BASE):])


def test_success_false_with_200_is_an_error(make_client, api):
    api.get(CERT, json=envelope(success=False, errors=[{'code': 1000, 'message': 'odd'}]))
    with pytest.raises(CloudflareError, match='HTTP 200: 1000: odd'):
        make_client().get(CERT[len(BASE):])


def test_no_secret_in_any_error_or_warning(make_client, api):
    api.get(CERT, status=429, json=envelope(success=False))
    api.get(CERT, status=401, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    client = make_client(api_token=None, api_email='admin@example.com', api_key=KEY)
    with pytest.raises(CloudflareError) as caught:
        client.get(CERT[len(BASE):])
    everything = json.dumps([str(caught.value), caught.value.as_dict(), client.module.warnings])
    assert KEY not in everything and TOKEN not in everything


def test_check_mode_never_sends_a_write(make_client, api):
    with pytest.raises(CloudflareError, match='check mode'):
        make_client(check_mode=True).request('DELETE', CERT[len(BASE):])
    assert len(api.calls) == 0


# --- pagination ----------------------------------------------------------------------------------

def _items(start, count):
    return [{'id': 'cert-%03d' % number} for number in range(start, start + count)]


def test_pagination_walks_three_pages(make_client, api):
    info = {'per_page': 50, 'total_count': 120, 'total_pages': 3}
    api.get(LIST, json=envelope(_items(0, 50), result_info=dict(info, page=1, count=50)))
    api.get(LIST, json=envelope(_items(50, 50), result_info=dict(info, page=2, count=50)))
    api.get(LIST, json=envelope(_items(100, 20), result_info=dict(info, page=3, count=20)))
    items = list(make_client().paginate(LIST[len(BASE):], params={'status': 'active'}))
    assert [item['id'] for item in items] == ['cert-%03d' % number for number in range(120)]
    queries = [call.request.url.split('?', 1)[1] for call in api.calls]
    # The query is built afresh for each page: never appended again.
    assert queries == ['status=active&page=1&per_page=50', 'status=active&page=2&per_page=50', 'status=active&page=3&per_page=50']


def test_pagination_without_total_pages_stops_on_short_page(make_client, api):
    api.get(LIST, json=envelope(_items(0, 50), result_info={'page': 1, 'per_page': 50}))
    api.get(LIST, json=envelope(_items(50, 50), result_info={'page': 2, 'per_page': 50}))
    api.get(LIST, json=envelope(_items(100, 1), result_info={'page': 3, 'per_page': 50}))
    assert len(list(make_client().paginate(LIST[len(BASE):]))) == 101


def test_pagination_stops_on_empty_page(make_client, api):
    api.get(LIST, json=envelope(_items(0, 50), result_info={}))
    api.get(LIST, json=envelope([], result_info={}))
    assert len(list(make_client().paginate(LIST[len(BASE):]))) == 50
    assert len(api.calls) == 2


def test_pagination_against_an_endpoint_that_ignores_page(make_client, api):
    # The same full page comes back whatever page is asked for, with no result_info at all.
    api.get(LIST, json=envelope(_items(0, 50)))
    api.get(LIST, json=envelope(_items(0, 50)))
    items = list(make_client().paginate(LIST[len(BASE):]))
    assert len(items) == 50
    assert len(api.calls) == 2


def test_pagination_stops_when_total_count_is_reached(make_client, api):
    api.get(LIST, json=envelope(_items(0, 50), result_info={'per_page': 50, 'total_count': 50}))
    assert len(list(make_client().paginate(LIST[len(BASE):]))) == 50
    assert len(api.calls) == 1


def test_pagination_stops_early_when_the_caller_stops(make_client, api):
    info = {'per_page': 50, 'total_count': 150, 'total_pages': 3}
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(50, 50), result_info=info))
    found = next(item for item in make_client().paginate(LIST[len(BASE):]) if item['id'] == 'cert-060')
    assert found['id'] == 'cert-060'
    assert len(api.calls) == 2


def test_pages_yields_one_list_per_page_without_repeats(make_client, api):
    info = {'per_page': 50, 'total_count': 100, 'total_pages': 2}
    # The second page repeats one item of the first (a list that shifted while paging).
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(49, 50), result_info=info))
    pages = list(make_client().pages(LIST[len(BASE):]))
    assert [len(page) for page in pages] == [50, 49]
    assert pages[1][0]['id'] == 'cert-050'


# --- zones and paths -----------------------------------------------------------------------------

def test_zone_name_resolves_with_one_request(make_client, api):
    api.get(BASE + '/zones', json=envelope([{'id': ZONE, 'name': 'example.com'}]))
    client = make_client(zone_id=None, zone='Example.com.')
    assert client.zone_id() == ZONE
    assert client.zone_id() == ZONE
    assert len(api.calls) == 1
    assert api.calls[0].request.url.endswith('/zones?name=example.com')


def test_unknown_zone_name_fails_clearly(make_client, api):
    api.get(BASE + '/zones', json=envelope([]))
    with pytest.raises(CloudflareError, match="zone 'nope.example' was not found"):
        make_client(zone_id=None, zone='nope.example').zone_id()


def test_bad_zone_id_fails_before_any_request(make_client, api):
    with pytest.raises(InputError, match='zone_id'):
        make_client(zone_id='../zones').zone_id()
    assert len(api.calls) == 0


def test_path_segments_are_quoted(make_client):
    assert make_client().path('zones', 'a/b', '..', 'x?y') == '/zones/a%2Fb/../x%3Fy'


# --- the shared options are documented as they are coded ------------------------------------------

def test_doc_fragment_matches_argument_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    coded = cloudflare_argument_spec()
    assert sorted(documented) == sorted(coded)
    for name, spec in coded.items():
        assert documented[name]['type'] == spec['type'], name
        assert documented[name].get('default') == spec.get('default'), name


def test_doc_fragment_names_every_environment_variable():
    text = ModuleDocFragment.DOCUMENTATION
    for variable in ('CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_TOKEN', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_API_BASE_URL'):
        assert 'E(%s)' % variable in text


def test_secrets_are_no_log():
    spec = cloudflare_argument_spec()
    assert spec['api_token']['no_log'] is True and spec['api_key']['no_log'] is True


def test_user_agent_version_matches_galaxy_yml():
    galaxy = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')
    with open(galaxy) as handle:
        assert yaml.safe_load(handle)['version'] == _api.COLLECTION_VERSION


def test_module_double_is_complete():
    # The fake module of these tests offers what the client uses of AnsibleModule.
    client = CloudflareClient(ModuleDouble(module_params()))
    assert client.session.headers['Authorization'] == 'Bearer ' + TOKEN
