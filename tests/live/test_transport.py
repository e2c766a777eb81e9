# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP client under a hostile network: redirects, answers that never end or never stop, odd envelopes.

Each case is a module run against the local API with one injected fault; a second real HTTP
server (``Catcher``) stands where a redirect points, and records every request that reaches it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import OMIT  # pylint: disable=import-error
from fault_cases import MALFORMED  # pylint: disable=import-error

GLOBAL_EMAIL = 'admin@example.com'
GLOBAL_KEY = '0123456789abcdef0123456789abcdef01234'
CLIENT_CERTIFICATES = '/client_certificates'


class Catcher(object):
    """A real HTTP server on loopback that records the headers and body of every request it gets."""

    def __init__(self):
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get('Content-Length') or 0)
                seen.append(dict(method=self.command, path=self.path, headers=dict(self.headers),
                                 body=self.rfile.read(length).decode('utf-8', 'replace') if length else ''))
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', '2')
                self.end_headers()
                self.wfile.write(b'{}')

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def catcher():
    server = Catcher()
    yield server
    server.close()


def _no_crash(result):
    assert 'exception' not in result and 'Traceback' not in result.get('msg', ''), result
    assert not result.get('msg', '').startswith('MODULE FAILURE'), result


@pytest.mark.parametrize('status', [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_and_carries_no_key(local_api, run_module, catcher, status):
    material = local_api.material('hostname_certificate', 'redirect.example.com')
    local_api.fault(method='POST', path='/certificates$', action='redirect', status=status,
                    location=catcher.url + '/client/v4/zones/x/origin_tls_client_auth/hostnames/certificates')
    code, result = run_module('hostname_certificate', dict(
        api_token=OMIT, api_email=GLOBAL_EMAIL, api_key=GLOBAL_KEY, api_retries=3,
        certificate=material['certificate'], private_key=material['private_key']))
    assert catcher.seen == []
    assert code == 1
    assert 'HTTP %d' % status in result['msg'] and '127.0.0.1' in result['msg'], result['msg']
    assert "never redirects" in result['msg']
    _no_crash(result)
    # Not retried: one POST; what happened is decided by a read of the certificates, which finds none.
    posts = [entry for entry in local_api.journal() if entry['method'] == 'POST']
    assert len(posts) == 1
    assert result['changed'] is False


def test_a_redirect_on_a_read_names_the_status_and_host(local_api, run_module, catcher):
    local_api.fault(method='GET', path=CLIENT_CERTIFICATES, action='redirect', status=301, location=catcher.url + '/elsewhere')
    code, result = run_module('client_certificate_info', dict(api_retries=3))
    assert catcher.seen == []
    assert code == 1 and 'HTTP 301' in result['msg'] and '127.0.0.1' in result['msg']
    assert len(local_api.journal()) == 1, 'a redirect is not retried'


def test_a_body_that_trickles_is_cut_at_api_timeout(local_api, run_module):
    # 1024 bytes at one every 0.5 s would take 512 s; api_timeout bounds the whole answer.
    local_api.fault(method='GET', path=CLIENT_CERTIFICATES, action='drip', delay=0.5, size=1024)
    code, result = run_module('client_certificate_info', dict(api_timeout=2, api_retries=0))
    assert code == 1
    assert 'did not arrive whole within api_timeout' in result['msg'], result['msg']
    _no_crash(result)


def test_a_body_without_end_is_cut_at_the_size_cap(local_api, run_module):
    local_api.fault(method='GET', path=CLIENT_CERTIFICATES, action='huge', size=50 * 1024 * 1024)
    code, result = run_module('client_certificate_info', dict(api_retries=3))
    assert code == 1
    assert 'more than 8 MiB' in result['msg'], result['msg']
    assert len(local_api.journal()) == 1, 'an oversized answer is not fetched again'
    _no_crash(result)


@pytest.mark.parametrize('name', sorted(MALFORMED))
def test_an_odd_envelope_on_a_read_is_an_honest_failure(local_api, run_module, name):
    local_api.seed_client_certificates(count=1)
    local_api.fault(method='GET', path=CLIENT_CERTIFICATES, action='raw', status=200, body=MALFORMED[name], count=50)
    code, result = run_module('client_certificate_info', dict(api_retries=1))
    _no_crash(result)
    assert code == 1, result
    assert 'Cloudflare API GET' in result['msg']


@pytest.mark.parametrize('name', sorted(MALFORMED))
def test_an_odd_envelope_after_a_revocation_is_decided_by_a_read(local_api, run_module, name):
    certificate_id = local_api.seed_client_certificates(count=1)[0]
    local_api.fault(method='DELETE', path=CLIENT_CERTIFICATES, action='raw', status=400, body=MALFORMED[name], after_apply=True)
    code, result = run_module('client_certificate', dict(id=certificate_id, state='revoked'))
    _no_crash(result)
    assert code == 0, result.get('msg')
    assert result['changed'] is True
    assert result['client_certificate']['status'] in ('pending_revocation', 'revoked')


@pytest.mark.parametrize('password', ['i', 'hunter2pw'])
def test_a_url_password_in_the_environment_is_never_shown(local_api, run_module, monkeypatch, password):
    url = 'https://user:%s@api.example.com/client/v4' % password
    monkeypatch.setenv('CLOUDFLARE_API_BASE_URL', url)
    code, result = run_module('client_certificate_info', dict(api_base_url=OMIT))
    assert code == 1
    assert 'api_base_url must not carry credentials' in result['msg'], result['msg']
    assert url not in json.dumps(result) and ':%s@' % password not in json.dumps(result)
    assert local_api.journal() == []
