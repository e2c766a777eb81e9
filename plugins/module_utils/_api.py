# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The Cloudflare API layer every module of the collection uses.

One ``requests`` session per module run, a timeout on every call, retries with a visible
budget, Cloudflare's envelope, pagination that always ends, and zone lookup.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import time
import traceback

from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError, format_api_failure
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, quote_segment, validate_id

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:  # pragma: no cover - exercised by the sanity import test
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'mtls.cloudflare/%s' % COLLECTION_VERSION
DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4'

TOKEN_ENV = ('CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_TOKEN')
EMAIL_ENV = 'CLOUDFLARE_EMAIL'
KEY_ENV = 'CLOUDFLARE_API_KEY'

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
# Methods whose repetition cannot change the outcome; others are never blindly repeated
# once the request may have reached Cloudflare (the caller re-reads instead).
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'PUT'))
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# Below this many requests left in the window, spread the rest over the time to the reset.
PACE_BELOW = 10
_RATELIMIT_RE = re.compile(r'r=(\d+).*?t=(\d+)|t=(\d+).*?r=(\d+)')


def cloudflare_argument_spec():
    """The options every module shares; keep in sync with plugins/doc_fragments/api.py (a unit test checks)."""
    return dict(
        api_token=dict(type='str', no_log=True),
        api_email=dict(type='str'),
        api_key=dict(type='str', no_log=True),
        api_base_url=dict(type='str', default=DEFAULT_BASE_URL, fallback=(env_fallback, ['CLOUDFLARE_API_BASE_URL'])),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        api_timeout=dict(type='float', default=30.0),
        api_retries=dict(type='int', default=5),
        api_max_wait=dict(type='float', default=360.0),
        zone_id=dict(type='str'),
        zone=dict(type='str'),
    )


def cloudflare_module_kwargs(mutually_exclusive=None, required_together=None, required_one_of=None, **kwargs):
    """AnsibleModule keyword arguments with the shared option rules added to a module's own."""
    kwargs['mutually_exclusive'] = [['api_token', 'api_email'], ['api_token', 'api_key'], ['zone_id', 'zone']] + list(mutually_exclusive or [])
    kwargs['required_together'] = [['api_email', 'api_key']] + list(required_together or [])
    # zone_id/zone is required too, but checked in CloudflareClient (before any request): linters
    # that validate task arguments cannot see module_defaults, where playbooks usually set it.
    kwargs['required_one_of'] = list(required_one_of or [])
    return kwargs


def _parse_ratelimit(header):
    """``"default";r=50;t=30`` -> (50, 30); None when absent or unreadable."""
    if not header:
        return None
    match = _RATELIMIT_RE.search(header)
    if not match:
        return None
    if match.group(1) is not None:
        return int(match.group(1)), int(match.group(2))
    return int(match.group(4)), int(match.group(3))


def _retry_after_seconds(header):
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        # Cloudflare sends seconds; an HTTP date is possible per RFC 9110 but not worth a parser here.
        return None


class Page(object):
    """One decoded envelope."""

    def __init__(self, status, result, result_info, messages, headers):
        self.status = status
        self.result = result
        self.result_info = result_info or {}
        self.messages = messages or []
        self.headers = headers


class CloudflareClient(object):
    """HTTP client for one module run; raises CloudflareError for every failure."""

    def __init__(self, module, sleep=None, clock=None, jitter=None):
        if requests is None:
            module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.module = module
        self.params = module.params
        # Injectable for tests; looked up at run time so a patched time.sleep is honoured too.
        self._sleep = sleep or _sleep
        self._clock = clock or _clock
        self._jitter = jitter or _jitter
        self.base_url = self._checked_base_url(self.params['api_base_url'])
        self.timeout = self.params['api_timeout']
        self.retries = self.params['api_retries']
        self.max_wait = self.params['api_max_wait']
        self._check_numbers()
        if not self.params.get('zone_id') and not self.params.get('zone'):
            raise InputError('one of the following is required: zone_id, zone (give them once for all tasks with '
                             'module_defaults and group/mtls.cloudflare.all)')
        self.session = requests.Session()
        self.session.headers.update(self._auth_headers())
        self.session.headers.update({'User-Agent': USER_AGENT, 'Accept': 'application/json'})
        if not self.params['validate_certs']:
            self.session.verify = False
        elif self.params.get('ca_path'):
            self.session.verify = self.params['ca_path']
        self.requests_sent = 0
        self.waited = 0.0
        # From the last Ratelimit header: requests left, and when (client clock) the window resets.
        self._requests_left = None
        self._window_resets_at = None
        self._zone_id = None

    # --- set-up checks: all of them run before the first request -------------------------

    def _check_numbers(self):
        if self.timeout is None or self.timeout <= 0:
            raise InputError('api_timeout must be a positive number of seconds, got %r' % self.timeout)
        if self.retries is None or self.retries < 0:
            raise InputError('api_retries must be 0 or more, got %r' % self.retries)
        if self.max_wait is None or self.max_wait < 0:
            raise InputError('api_max_wait must be 0 or more seconds, got %r' % self.max_wait)

    @staticmethod
    def _checked_base_url(url):
        parts = urlsplit(url or '')
        if parts.scheme not in ('https', 'http') or not parts.hostname:
            raise InputError("api_base_url must be an https:// URL such as %s, got %r" % (DEFAULT_BASE_URL, url))
        if parts.query or parts.fragment:
            raise InputError('api_base_url must not carry a query or a fragment, got %r' % url)
        if parts.username or parts.password:
            raise InputError('api_base_url must not carry credentials; use api_token or api_email and api_key')
        if parts.scheme == 'http' and not _is_loopback(parts.hostname):
            raise InputError(
                'api_base_url uses plain http:// to %s; credentials are only sent unencrypted to a loopback '
                'address (127.0.0.0/8, ::1, localhost): use https://' % parts.hostname)
        return url.rstrip('/')

    def _auth_headers(self):
        token = self.params.get('api_token')
        email = self.params.get('api_email')
        key = self.params.get('api_key')
        if not token and not (email or key):
            # Environment variables only when no scheme was given as options, so an explicit
            # option always wins over a variable left in the environment.
            token = next((os.environ[name] for name in TOKEN_ENV if os.environ.get(name)), None)
            if not token:
                email = os.environ.get(EMAIL_ENV)
                key = os.environ.get(KEY_ENV)
                if bool(email) != bool(key):
                    missing = EMAIL_ENV if key else KEY_ENV
                    raise InputError('the global API key scheme needs both %s and %s in the environment; %s is not set'
                                     % (EMAIL_ENV, KEY_ENV, missing))
        for secret in (token, key):
            if secret:
                # Values read from the environment are secrets too: mask them in any output.
                self.module.no_log_values.add(secret)
        if token:
            if any(ch.isspace() for ch in token.strip()):
                raise InputError('api_token must be a single API token without spaces')
            return {'Authorization': 'Bearer %s' % token.strip()}
        if email and key:
            return {'X-Auth-Email': email.strip(), 'X-Auth-Key': key.strip()}
        raise InputError('no Cloudflare credentials: set api_token (or the environment variable CLOUDFLARE_API_TOKEN), '
                         'or api_email and api_key (CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)')

    # --- requests -------------------------------------------------------------------------

    def path(self, *segments):
        """Join path segments, URL-quoting each so no value can change the route."""
        return '/' + '/'.join(quote_segment(segment) for segment in segments)

    def get(self, path, params=None, absent_ok=False):
        """GET ``path``; with ``absent_ok`` a 404 returns None ("absent") instead of failing."""
        return self.request('GET', path, params=params, absent_ok=absent_ok)

    def request(self, method, path, params=None, body=None, absent_ok=False):
        if method not in ('GET', 'HEAD') and self.module.check_mode:
            # A safety net under the modules' own planning: check mode never sends a write.
            raise CloudflareError('internal error: %s %s attempted in check mode' % (method, path), method=method, path=path)
        url = self.base_url + path
        attempts = 0
        while True:
            attempts += 1
            self._pace(method, path)
            try:
                self.requests_sent += 1
                response = self.session.request(method, url, params=params, json=body, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                not_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or (
                    isinstance(exc, requests.exceptions.ConnectionError) and _connect_failed(exc))
                reason = _describe_network_error(exc)
                if (not_sent or method in IDEMPOTENT_METHODS) and self._may_retry(method, path, attempts, reason, None):
                    continue
                raise CloudflareError(
                    format_api_failure(method, path, None, [], detail=reason, attempts=attempts, waited=self.waited),
                    method=method, path=path, attempts=attempts, waited=round(self.waited, 1), ambiguous=not not_sent)
            self._remember_ratelimit(response)
            if response.status_code in RETRY_STATUSES:
                # A 429 was refused before any work was done, so even a POST may be repeated.
                if (response.status_code == 429 or method in IDEMPOTENT_METHODS) and self._may_retry(
                        method, path, attempts, 'HTTP %d' % response.status_code, response):
                    continue
            return self._decode(method, path, response, absent_ok, attempts)

    def _may_retry(self, method, path, attempts, reason, response):
        """Sleep before the next attempt and return True, or return False when the budget is spent."""
        if attempts > self.retries:
            return False
        backoff = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempts - 1)))
        # Full jitter keeps parallel hosts of one play from retrying in lockstep.
        delay = backoff * (0.5 + self._jitter() / 2)
        source = 'backoff'
        retry_after = _retry_after_seconds(response.headers.get('Retry-After')) if response is not None else None
        if retry_after is not None:
            delay = max(retry_after, 0.0)
            source = 'Retry-After'
        remaining = self.max_wait - self.waited
        if delay > remaining:
            if retry_after is not None:
                self.module.warn('Cloudflare API %s %s: %s asks to wait %.0f s, more than the %.0f s left of api_max_wait; giving up'
                                 % (method, path, reason, delay, max(remaining, 0)))
            return False
        self.module.warn('Cloudflare API %s %s: %s; retry %d of %d in %.1f s (%s)'
                         % (method, path, reason, attempts, self.retries, delay, source))
        self._wait(delay)
        return True

    def _pace(self, method, path):
        remaining = self._requests_left
        if remaining is None:
            return
        seconds_left = self._window_resets_at - self._clock()
        if remaining >= PACE_BELOW or seconds_left <= 0:
            return
        delay = seconds_left / (remaining + 1)
        if delay <= 0 or delay > self.max_wait - self.waited:
            return
        self.module.warn('Cloudflare API %s %s: only %d requests left in the rate-limit window; pacing %.1f s'
                         % (method, path, remaining, delay))
        self._wait(delay)
        # Pace once per answer: the next answer brings a fresh figure.
        self._requests_left = None

    def clock(self):
        return self._clock()

    def sleep(self, seconds):
        """Sleep outside the retry budget (waiting for a state is budgeted by wait_timeout)."""
        self._sleep(seconds)

    def _wait(self, delay):
        self._sleep(delay)
        self.waited += delay

    def _remember_ratelimit(self, response):
        parsed = _parse_ratelimit(response.headers.get('Ratelimit'))
        if parsed is None:
            self._requests_left = None
        else:
            self._requests_left = parsed[0]
            self._window_resets_at = self._clock() + parsed[1]

    def _decode(self, method, path, response, absent_ok, attempts):
        status = response.status_code
        cf_ray = response.headers.get('cf-ray')
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            content_type = response.headers.get('Content-Type', 'no content type')
            raise CloudflareError(
                format_api_failure(method, path, status, [], cf_ray=cf_ray, attempts=attempts, waited=self.waited,
                                   detail='the response is not a Cloudflare JSON envelope (%s, %d bytes)' % (content_type, len(response.content or b''))),
                method=method, path=path, status=status, cf_ray=cf_ray, attempts=attempts, waited=round(self.waited, 1),
                ambiguous=method not in IDEMPOTENT_METHODS and (status >= 500 or status < 400))
        errors = envelope.get('errors') or []
        messages = envelope.get('messages') or []
        if status == 404 and absent_ok and not any(isinstance(e, dict) and e.get('code') == 7003 for e in errors):
            return None
        if status >= 400 or envelope.get('success') is not True:
            raise CloudflareError(
                format_api_failure(method, path, status, errors, messages, cf_ray=cf_ray, attempts=attempts, waited=self.waited,
                                   detail=None if status >= 400 else 'the envelope says success: false'),
                method=method, path=path, status=status, errors=errors, messages=messages, cf_ray=cf_ray,
                attempts=attempts, waited=round(self.waited, 1),
                ambiguous=method not in IDEMPOTENT_METHODS and status >= 500)
        return Page(status, envelope.get('result'), envelope.get('result_info'), messages, response.headers)

    # --- pagination and zones ----------------------------------------------------------------

    def paginate(self, path, params=None, per_page=50, max_pages=1000):
        """Yield the items of every page; stop the loop (break) to stop requesting pages.

        Ends on the first of: an empty page, a short page, ``total_pages`` or ``total_count``
        reached, or a page that brings nothing new (an endpoint that ignores ``page``).
        """
        for items in self.pages(path, params=params, per_page=per_page, max_pages=max_pages):
            yield from items

    def pages(self, path, params=None, per_page=50, max_pages=1000):
        """Like paginate(), one list of new items per page: a lookup can stop at the end of the page that settled it."""
        seen = set()
        delivered = 0
        for page_number in range(1, max_pages + 1):
            query = dict(params or {})
            query.update(page=page_number, per_page=per_page)
            page = self.get(path, params=query)
            items = page.result if isinstance(page.result, list) else []
            keys = [_item_key(item) for item in items]
            fresh = [item for item, key in zip(items, keys) if key not in seen]
            seen.update(keys)
            delivered += len(fresh)
            if fresh:
                yield fresh
            info = page.result_info
            if (not items or not fresh or len(items) < _as_int(info.get('per_page'), per_page)
                    or page_number >= _as_int(info.get('total_pages'), page_number + 1)
                    or delivered >= _as_int(info.get('total_count'), delivered + 1)):
                return

    def zone_id(self):
        """The zone id from ``zone_id``, or from ``zone`` resolved with one GET (cached)."""
        if self._zone_id:
            return self._zone_id
        if self.params.get('zone_id'):
            self._zone_id = validate_id(self.params['zone_id'], 'zone_id')
            return self._zone_id
        name = (self.params.get('zone') or '').strip().lower().rstrip('.')
        if not name or '/' in name or len(name) > 253:
            raise InputError('zone must be a zone name such as example.com, got %r' % self.params.get('zone'))
        zones = self.get('/zones', params={'name': name}).result or []
        matches = [zone for zone in zones if isinstance(zone, dict) and zone.get('name', '').lower() == name]
        if not matches:
            raise CloudflareError("zone %r was not found; check the name or that the credentials can read it (or give zone_id)" % name,
                                  method='GET', path='/zones', status=200)
        if len(matches) > 1:
            raise CloudflareError('zone %r matches several zones (%s); give zone_id' % (name, ', '.join(z.get('id', '?') for z in matches)),
                                  method='GET', path='/zones', status=200)
        self._zone_id = validate_id(matches[0].get('id', ''), 'the id Cloudflare returned for zone %s' % name)
        return self._zone_id


def _sleep(seconds):
    time.sleep(seconds)


def _clock():
    return time.monotonic()


def _jitter():
    return random.random()


def _as_int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _item_key(item):
    if isinstance(item, dict) and item.get('id'):
        return item['id']
    return repr(item)


def _is_loopback(hostname):
    if hostname.lower() in ('localhost', 'localhost.localdomain') or hostname.lower().endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(hostname.strip('[]')).is_loopback
    except ValueError:
        return False


def _connect_failed(exc):
    # The connection was never made (refused, DNS): the request did not reach Cloudflare.
    text = repr(exc)
    return any(marker in text for marker in ('NewConnectionError', 'NameResolutionError', 'Connection refused', 'Failed to resolve'))


def _describe_network_error(exc):
    if isinstance(exc, requests.exceptions.SSLError):
        return 'TLS error (%s); check validate_certs and ca_path' % _first_line(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'connection timed out'
    if isinstance(exc, requests.exceptions.Timeout):
        return 'no response within api_timeout'
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _connect_failed(exc):
            return 'could not connect (%s)' % _first_line(exc)
        return 'the connection was closed before a response arrived'
    return 'request error (%s)' % type(exc).__name__


def _first_line(exc):
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def fail_from_error(module, error, **result):
    """End the module run with a one-line message, and the structured ``api_error`` when a request failed.

    Refused input, a status that rules the task out and a wait that timed out name no request,
    so they carry no ``api_error`` (it would only hold nulls).
    """
    if error.method is None:
        module.fail_json(msg=error.message, **result)
    module.fail_json(msg=error.message, api_error=error.as_dict(), **result)
