# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import json
import os

import pytest
import requests
import yaml

from ansible_collections.mtls.cloudflare.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.mtls.cloudflare.plugins.module_utils import _api
from ansible_collections.mtls.cloudflare.plugins.module_utils._api import CloudflareClient, Envelope
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, check_shared_input, cloudflare_argument_spec
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError
from ansible_collections.mtls.cloudflare.plugins.module_utils._zones import zone_id_of

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
def test_bad_numbers_are_refused(option, value):
    # Checked with the other options, before the client exists (more in test_module.py).
    module = ModuleDouble(module_params(**{option: value}))
    module.given = dict(module.params)
    with pytest.raises(InputError, match=option):
        check_shared_input(module, CloudflareTask(module))


def test_validate_certs_and_ca_path_map_to_verify(make_client, tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    # Given per request (not on the session, where REQUESTS_CA_BUNDLE would override it): see test_tls.py.
    assert make_client(validate_certs=False).verify is False
    assert make_client(ca_path=str(bundle)).verify == str(bundle)
    assert make_client().verify is True


# --- retries ------------------------------------------------------------------------------------

@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_retryable_status_then_success(make_client, api, clock, status):
    api.get(CERT, status=status, json=envelope(success=False, errors=[{'code': 971, 'message': 'slow down'}]))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    answer = client.get(CERT[len(BASE):])
    assert isinstance(answer, Envelope) and answer.result == {'id': 'x'} and answer.status == 200
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
        client.send_write('POST', LIST[len(BASE):], body={'csr': 'x', 'validity_days': 1})
    assert len(api.calls) == 1
    # It reached Cloudflare and may have been carried out: the caller (Writer) re-reads.
    assert caught.value.retryable is True and caught.value.not_sent is False and caught.value.refused is False
    assert caught.value.status == 502 and clock.sleeps == []


def test_a_429_to_a_write_is_returned_with_its_retry_after_not_repeated_here(make_client, api, clock):
    # Sending a write again is the Writer's decision, after a read (see test_writes.py).
    api.post(LIST, status=429, headers={'Retry-After': '2'}, json=envelope(success=False))
    with pytest.raises(CloudflareError) as caught:
        make_client().send_write('POST', LIST[len(BASE):], body={'csr': 'x', 'validity_days': 1})
    assert len(api.calls) == 1 and clock.sleeps == []
    assert caught.value.status == 429 and caught.value.retry_after == 2.0 and caught.value.refused is False
    assert json.loads(api.calls[0].request.body) == {'csr': 'x', 'validity_days': 1}


def test_a_write_refused_with_a_4xx_is_marked_refused(make_client, api):
    api.delete(CERT, status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    with pytest.raises(CloudflareError) as caught:
        make_client().send_write('DELETE', CERT[len(BASE):])
    assert caught.value.refused is True and caught.value.retryable is False and len(api.calls) == 1


def test_get_is_retried_after_a_dropped_connection(make_client, api):
    api.get(CERT, body=requests.exceptions.ConnectionError('Connection aborted.'))
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    assert client.get(CERT[len(BASE):]).result == {'id': 'x'}
    assert 'the connection was closed before a response arrived' in client.module.warnings[0]


def test_delete_after_a_dropped_connection_is_ambiguous_not_repeated(make_client, api):
    api.delete(CERT, body=requests.exceptions.ConnectionError('Connection aborted.'))
    with pytest.raises(CloudflareError) as caught:
        make_client().send_write('DELETE', CERT[len(BASE):])
    assert caught.value.not_sent is False and 'the connection was closed before a response arrived' in str(caught.value)
    assert len(api.calls) == 1


def test_delete_is_repeated_when_no_connection_was_made(make_client, api):
    api.delete(CERT, body=requests.exceptions.ConnectionError('NewConnectionError: Connection refused'))
    api.delete(CERT, json=envelope({'id': 'x', 'status': 'pending_revocation'}))
    client = make_client()
    assert client.send_write('DELETE', CERT[len(BASE):]).result['status'] == 'pending_revocation'
    assert len(api.calls) == 2 and 'could not connect' in client.module.warnings[0]


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
        seen.append((kwargs.get('timeout'), kwargs.get('verify'), kwargs.get('allow_redirects'), kwargs.get('stream')))
        response = requests.Response()
        response.status_code = 200
        response.raw = io.BytesIO(json.dumps(envelope({'id': 'x'})).encode())
        return response
    client = make_client(api_timeout=7.5)
    monkeypatch.setattr(client.session, 'request', fake_request)
    client.get('/x')
    # Never a redirect followed (it would carry the credentials), and the body read under a deadline.
    assert seen == [(7.5, True, False, True)]


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


def test_non_json_body_is_reported(make_client, api, clock):
    # An odd answer to a read is retried like a 5xx, then reported.
    for dummy in range(2):
        api.get(CERT, status=200, body='<html>oops</html>', content_type='text/html')
    client = make_client(api_retries=1)
    with pytest.raises(CloudflareError, match=r'not a Cloudflare JSON envelope \(text/html, 17 bytes\)'):
        client.get(CERT[len(BASE):])
    assert len(api.calls) == 2 and clock.sleeps == [1.0]


def test_a_non_json_answer_once_is_retried_and_the_next_answer_used(make_client, api):
    api.get(CERT, status=200, body='', content_type='application/json')
    api.get(CERT, json=envelope({'id': 'x'}))
    client = make_client()
    assert client.get(CERT[len(BASE):]).result == {'id': 'x'}
    assert 'HTTP 200 with a body that is not a Cloudflare JSON envelope (application/json, 0 bytes)' in client.module.warnings[0]


def test_success_false_with_200_is_an_error(make_client, api):
    api.get(CERT, json=envelope(success=False, errors=[{'code': 1000, 'message': 'odd'}]))
    with pytest.raises(CloudflareError, match='HTTP 200: 1000: odd') as caught:
        make_client(api_retries=0).get(CERT[len(BASE):])
    assert 'the envelope says success: false' in str(caught.value)


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
        make_client(check_mode=True).send_write('DELETE', CERT[len(BASE):])
    assert len(api.calls) == 0


def test_check_mode_still_reads(make_client, api):
    api.get(CERT, json=envelope({'id': 'x'}))
    assert make_client(check_mode=True).get(CERT[len(BASE):]).result == {'id': 'x'}


# --- a malformed answer to a read: result null or of the wrong type -----------------------------

def test_a_null_result_is_retried_then_fails_clearly(make_client, api, clock):
    for dummy in range(3):
        api.get(CERT, json=envelope(None))
    client = make_client(api_retries=2)
    with pytest.raises(CloudflareError) as caught:
        client.get(CERT[len(BASE):])
    text = str(caught.value)
    assert 'the answer has result null where an object is due' in text and 'Gave up after 3 attempts' in text
    assert len(api.calls) == 3 and clock.sleeps == [1.0, 2.0]
    assert 'result null where an object is due; retry 1 of 2' in client.module.warnings[0]


def test_a_null_result_is_never_read_as_absent(make_client, api):
    api.get(CERT, json=envelope(None))
    api.get(CERT, json=envelope(None))
    with pytest.raises(CloudflareError, match='result null where an object is due'):
        make_client(api_retries=1).get(CERT[len(BASE):], absent_ok=True)


def test_a_null_result_once_is_retried_and_the_next_answer_used(make_client, api):
    api.get(CERT, json=envelope(None))
    api.get(CERT, json=envelope({'id': 'x'}))
    assert make_client().get(CERT[len(BASE):], absent_ok=True).result == {'id': 'x'}
    assert len(api.calls) == 2


@pytest.mark.parametrize('result,expect,text', [
    (None, 'list', 'result null where a list is due'),
    ({'id': 'x'}, 'list', 'result of type dict where a list is due'),
    ([{'id': 'x'}], 'object', 'result of type list where an object is due'),
    ('text', 'object', 'result of type str where an object is due'),
])
def test_a_result_of_the_wrong_type_is_refused(make_client, api, result, expect, text):
    api.get(LIST, json=envelope(result))
    with pytest.raises(CloudflareError, match=text):
        make_client(api_retries=0).get(LIST[len(BASE):], expect=expect)


def test_a_null_list_is_never_read_as_empty(make_client, api):
    api.get(LIST, json=envelope(None, result_info={'page': 1, 'per_page': 50, 'count': 0, 'total_count': 0}))
    with pytest.raises(CloudflareError, match='result null where a list is due'):
        list(make_client(api_retries=0).pages(LIST[len(BASE):]))


# --- pagination ----------------------------------------------------------------------------------

def _items(start, count):
    return [{'id': 'cert-%03d' % number} for number in range(start, start + count)]


def _flat(pages):
    return [item for items in pages for item in items]


def test_pagination_walks_three_pages(make_client, api):
    info = {'per_page': 50, 'total_count': 120, 'total_pages': 3}
    api.get(LIST, json=envelope(_items(0, 50), result_info=dict(info, page=1, count=50)))
    api.get(LIST, json=envelope(_items(50, 50), result_info=dict(info, page=2, count=50)))
    api.get(LIST, json=envelope(_items(100, 20), result_info=dict(info, page=3, count=20)))
    items = _flat(make_client().pages(LIST[len(BASE):], params={'status': 'active'}))
    assert [item['id'] for item in items] == ['cert-%03d' % number for number in range(120)]
    queries = [call.request.url.split('?', 1)[1] for call in api.calls]
    # The query is built afresh for each page: never appended again.
    assert queries == ['status=active&page=1&per_page=50', 'status=active&page=2&per_page=50', 'status=active&page=3&per_page=50']


def test_pagination_without_total_pages_stops_on_short_page(make_client, api):
    api.get(LIST, json=envelope(_items(0, 50), result_info={'page': 1, 'per_page': 50}))
    api.get(LIST, json=envelope(_items(50, 50), result_info={'page': 2, 'per_page': 50}))
    api.get(LIST, json=envelope(_items(100, 1), result_info={'page': 3, 'per_page': 50}))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 101


def test_pagination_stops_on_empty_page(make_client, api):
    api.get(LIST, json=envelope(_items(0, 50), result_info={}))
    api.get(LIST, json=envelope([], result_info={}))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 50
    assert len(api.calls) == 2


def test_pagination_against_an_endpoint_that_ignores_page(make_client, api):
    # The same full page comes back whatever page is asked for, with no result_info at all.
    api.get(LIST, json=envelope(_items(0, 50)))
    api.get(LIST, json=envelope(_items(0, 50)))
    items = _flat(make_client().pages(LIST[len(BASE):]))
    assert len(items) == 50
    assert len(api.calls) == 2


def test_a_listing_that_still_has_pages_at_the_page_limit_fails(make_client, api):
    # Cloudflare announces 10**9 pages; stopping at the limit must not pass for the whole list.
    for start in (0, 1, 2):
        api.get(LIST, json=envelope(_items(start, 1), result_info={'per_page': 50, 'total_pages': 10 ** 9}))
    with pytest.raises(CloudflareError, match='still had more after 3 pages'):
        _flat(make_client().pages(LIST[len(BASE):], max_pages=3))


def test_a_short_page_does_not_end_a_listing_whose_total_pages_says_more(make_client, api):
    api.get(LIST, json=envelope(_items(0, 1), result_info={'per_page': 50, 'total_pages': 2}))
    api.get(LIST, json=envelope(_items(1, 1), result_info={'per_page': 50, 'total_pages': 2}))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 2


@pytest.mark.parametrize('info', [{'total_count': 'many'}, {'total_pages': -1}, {'per_page': 1.5}, {'total_count': True}])
def test_result_info_counts_that_are_not_whole_numbers_fail(make_client, api, info):
    api.get(LIST, json=envelope(_items(0, 1), result_info=info))
    with pytest.raises(CloudflareError, match='where a whole number is due'):
        _flat(make_client().pages(LIST[len(BASE):]))


def test_pagination_stops_when_total_count_is_reached(make_client, api):
    api.get(LIST, json=envelope(_items(0, 50), result_info={'per_page': 50, 'total_count': 50}))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 50
    assert len(api.calls) == 1


def test_pagination_stops_early_when_the_caller_stops(make_client, api):
    info = {'per_page': 50, 'total_count': 150, 'total_pages': 3}
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(50, 50), result_info=info))
    # A lookup stops at the end of the page that settled it: page 3 is never asked for.
    found = None
    for items in make_client().pages(LIST[len(BASE):]):
        found = next((item for item in items if item['id'] == 'cert-060'), None)
        if found:
            break
    assert found['id'] == 'cert-060'
    assert len(api.calls) == 2


def test_pages_yields_one_list_per_page_without_repeats(make_client, api):
    info = {'per_page': 50, 'total_pages': 2}
    # The second page repeats one item of the first (a list that shifted while paging).
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(49, 50), result_info=info))
    pages = list(make_client().pages(LIST[len(BASE):]))
    assert [len(page) for page in pages] == [50, 49]
    assert pages[1][0]['id'] == 'cert-050'


def test_a_repeat_that_leaves_the_listing_short_of_its_total_count_fails(make_client, api):
    # The same shift with a total_count: one certificate was never seen, so the list is refused.
    info = {'per_page': 50, 'total_count': 100, 'total_pages': 2}
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(49, 50), result_info=info))
    with pytest.raises(CloudflareError, match='ended after 99 of the 100 items'):
        _flat(make_client().pages(LIST[len(BASE):]))


def test_pages_walks_four_pages_without_total_pages(make_client, api):
    info = {'per_page': 50, 'total_count': 160}
    for start, count in ((0, 50), (50, 50), (100, 50), (150, 10)):
        api.get(LIST, json=envelope(_items(start, count), result_info=dict(info, count=count)))
    pages = list(make_client().pages(LIST[len(BASE):]))
    assert [len(items) for items in pages] == [50, 50, 50, 10]
    assert [dict(pair.split('=') for pair in call.request.url.split('?')[1].split('&'))['page'] for call in api.calls] == ['1', '2', '3', '4']


def test_total_count_stops_the_loop_even_on_a_full_page(make_client, api):
    # 100 announced, 100 seen after two full pages: no third request for an empty page.
    info = {'per_page': 50, 'total_count': 100}
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(50, 50), result_info=info))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 100
    assert len(api.calls) == 2


def test_a_short_page_does_not_end_a_listing_that_announced_more(make_client, api):
    # Fewer items than per_page, but total_count says there are more: the next page is read.
    info = {'per_page': 50, 'total_count': 70}
    api.get(LIST, json=envelope(_items(0, 40), result_info=info))
    api.get(LIST, json=envelope(_items(40, 30), result_info=info))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 70
    assert len(api.calls) == 2


@pytest.mark.parametrize('last_page', [
    dict(json=envelope([], result_info={'per_page': 50, 'total_count': 120})),
    dict(json=envelope(_items(0, 50), result_info={'per_page': 50, 'total_count': 120})),
])
def test_a_listing_that_ends_short_of_total_count_fails(make_client, api, last_page):
    # An empty second page, or one that repeats the first (an endpoint that ignores page).
    api.get(LIST, json=envelope(_items(0, 50), result_info={'per_page': 50, 'total_count': 120}))
    api.get(LIST, **last_page)
    with pytest.raises(CloudflareError) as caught:
        _flat(make_client().pages(LIST[len(BASE):]))
    assert 'the listing ended after 50 of the 120 items its result_info announced' in str(caught.value)
    assert 'a partial list is not used' in str(caught.value)
    assert caught.value.method == 'GET' and caught.value.path == LIST[len(BASE):]


def test_a_listing_that_ends_at_total_pages_short_of_total_count_fails(make_client, api):
    info = {'per_page': 50, 'total_count': 120, 'total_pages': 2}
    api.get(LIST, json=envelope(_items(0, 50), result_info=info))
    api.get(LIST, json=envelope(_items(50, 50), result_info=info))
    with pytest.raises(CloudflareError, match='ended after 100 of the 120 items'):
        _flat(make_client().pages(LIST[len(BASE):]))
    assert len(api.calls) == 2


def test_an_endpoint_that_ignores_page_and_announces_its_total_is_read_once(make_client, api):
    api.get(LIST, json=envelope(_items(0, 30), result_info={'page': 1, 'per_page': 50, 'total_count': 30}))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 30
    assert len(api.calls) == 1


def test_a_page_is_retried_like_any_read(make_client, api, clock):
    api.get(LIST, json=envelope(_items(0, 50), result_info={'per_page': 50, 'total_count': 60}))
    api.get(LIST, status=503, json=envelope(success=False))
    api.get(LIST, json=envelope(_items(50, 10), result_info={'per_page': 50, 'total_count': 60}))
    assert len(_flat(make_client().pages(LIST[len(BASE):]))) == 60
    assert clock.sleeps == [1.0]
    assert api.calls[1].request.url == api.calls[2].request.url


# --- zones and paths -----------------------------------------------------------------------------

def test_zone_name_resolves_with_one_request(make_client, api):
    api.get(BASE + '/zones', json=envelope([{'id': ZONE, 'name': 'example.com'}]))
    client = make_client(zone_id=None, zone='Example.com.')
    assert zone_id_of(client, client.module.params) == ZONE
    assert len(api.calls) == 1
    # Lower-cased, without the trailing dot.
    assert api.calls[0].request.url.endswith('/zones?name=example.com')


def test_zone_id_costs_no_request(make_client, api):
    client = make_client()
    assert zone_id_of(client, client.module.params) == ZONE
    assert len(api.calls) == 0


def test_unknown_zone_name_fails_clearly(make_client, api):
    api.get(BASE + '/zones', json=envelope([]))
    client = make_client(zone_id=None, zone='nope.example')
    with pytest.raises(CloudflareError, match="zone 'nope.example' was not found") as caught:
        zone_id_of(client, client.module.params)
    # A token without Zone Read sees no zone: the message says so.
    assert 'Zone Read' in str(caught.value) and 'zone_id' in str(caught.value)


@pytest.mark.parametrize('zone_id', ['../zones', ZONE + '\n', 'a/b'])
def test_bad_zone_id_fails_before_any_request(api, zone_id):
    # Checked with the shared options, before the client exists or any request is sent.
    module = ModuleDouble(module_params(zone_id=zone_id))
    module.given = dict(module.params)
    with pytest.raises(InputError, match='^zone_id'):
        check_shared_input(module, CloudflareTask(module))
    assert len(api.calls) == 0


def test_an_empty_zone_id_is_no_zone(api):
    module = ModuleDouble(module_params(zone_id=''))
    module.given = dict(module.params)
    with pytest.raises(InputError, match='one of the following is required: zone_id, zone'):
        check_shared_input(module, CloudflareTask(module))


def test_a_zone_listing_with_a_null_result_is_not_read_as_no_zone(make_client, api):
    api.get(BASE + '/zones', json=envelope(None))
    client = make_client(zone_id=None, zone='example.com', api_retries=0)
    with pytest.raises(CloudflareError, match='result null where a list is due'):
        zone_id_of(client, client.module.params)


def test_a_zone_name_matching_several_zones_fails_listing_them(make_client, api):
    api.get(BASE + '/zones', json=envelope([{'id': ZONE, 'name': 'example.com'}, {'id': 'f' * 32, 'name': 'EXAMPLE.com'}]))
    client = make_client(zone_id=None, zone='example.com')
    with pytest.raises(CloudflareError, match='matches several zones') as caught:
        zone_id_of(client, client.module.params)
    assert ZONE in str(caught.value) and 'f' * 32 in str(caught.value)


def test_a_bad_zone_id_from_cloudflare_is_refused(make_client, api):
    api.get(BASE + '/zones', json=envelope([{'id': '../x', 'name': 'example.com'}]))
    client = make_client(zone_id=None, zone='example.com')
    with pytest.raises(InputError, match='the id Cloudflare returned for zone example.com'):
        zone_id_of(client, client.module.params)


@pytest.mark.parametrize('name', ['exa mple.com', 'example', '-x.example.com', 'a/b.example.com', ''])
def test_a_bad_zone_name_fails_before_any_request(make_client, api, name):
    client = make_client(zone_id=None, zone=name)
    with pytest.raises(InputError, match='zone must be a zone name'):
        zone_id_of(client, client.module.params)
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
