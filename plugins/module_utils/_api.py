# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The HTTP transport every module of the collection uses.

One ``requests`` session per module run, a timeout on every call, retries of reads with a
visible budget, Cloudflare's envelope, and pagination that always ends. Writes are sent
once per call: deciding what a lost or odd answer to a write means is ``_writes.py``'s job.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import re
import time
import traceback

from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError, format_api_failure
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, quote_segment, shorten

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    import urllib3
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
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# Plain http:// carries credentials unencrypted: only to these names, which never reach DNS.
LOOPBACK_NAMES = ('localhost',)
# A Cloudflare answer is a page of at most a few hundred KiB: a body past this is not Cloudflare's.
MAX_BODY_BYTES = 8 * 1024 * 1024
READ_CHUNK = 64 * 1024


def _ratelimit_items(header, wanted=('r', 't')):
    """The items of a ``Ratelimit`` (or, with ``('q', 'w')``, ``Ratelimit-Policy``) header.

    Cloudflare follows the IETF draft (draft-ietf-httpapi-ratelimit-headers): a list of
    items, each a name and its parameters, such as ``"default";r=50;t=30, "burst";r=2;t=5``
    (``r`` requests left, ``t`` seconds to the reset; in the policy ``q`` the quota and ``w``
    the window). Returns ``[(name, first, second)]`` of the items that carry both integers;
    a parameter of one item is never paired with one of another. Unreadable items are skipped.
    """
    items = []
    for raw in (header or '').split(','):
        parts = [part.strip() for part in raw.split(';')]
        name = parts[0].strip('"')
        params = {}
        for part in parts[1:]:
            key, separator, value = part.partition('=')
            if separator and value.strip().isdigit():
                params.setdefault(key.strip().lower(), int(value.strip()))
        if name and all(key in params for key in wanted):
            items.append((name, params[wanted[0]], params[wanted[1]]))
    return items


def _parse_ratelimit(header):
    """The (requests left, seconds to reset) of the tightest item of a ``Ratelimit`` header; None when none is readable.

    The tightest item is the one that needs the longest spacing between requests to last
    until its reset: ``"default";r=50;t=30, "burst";r=2;t=5`` -> (2, 5).
    """
    items = _ratelimit_items(header)
    if not items:
        return None
    _name, left, reset = max(items, key=lambda item: (item[2] / (item[1] + 1.0), -item[1]))
    return left, reset


def _retry_after_seconds(header):
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        # Cloudflare sends seconds; an HTTP date is possible per RFC 9110 but not worth a parser here.
        return None


class Envelope(object):
    """One decoded Cloudflare answer: its HTTP status, ``result`` and ``result_info``."""

    def __init__(self, status, result, result_info):
        self.status = status
        self.result = result
        self.result_info = result_info if isinstance(result_info, dict) else {}


def checked_base_url(url):
    """``api_base_url`` without a trailing slash; InputError naming the option (never echoing a password)."""
    text = url if isinstance(url, str) else ''
    shown = without_credentials(text)
    if not text or text != text.strip() or any(ch.isspace() for ch in text):
        raise InputError('api_base_url must be a URL without spaces such as %s, got %s' % (DEFAULT_BASE_URL, shorten(shown)))
    parts = urlsplit(text)
    if parts.username or parts.password:
        raise InputError('api_base_url must not carry credentials (user:password@); use api_token or api_email and api_key')
    if parts.scheme not in ('https', 'http') or not parts.hostname:
        raise InputError('api_base_url must be an https:// URL such as %s, got %s' % (DEFAULT_BASE_URL, shorten(shown)))
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (port is None and parts.netloc.endswith(':')):
        raise InputError('api_base_url has a port that is not a number from 1 to 65535, got %s' % shorten(shown))
    if parts.query or parts.fragment:
        raise InputError('api_base_url must not carry a query or a fragment, got %s' % shorten(shown))
    if parts.scheme == 'http' and not is_loopback(parts.hostname):
        raise InputError(
            'api_base_url uses plain http:// to %s; credentials are only sent unencrypted to a loopback '
            'address (127.0.0.0/8, ::1) or to localhost itself: use https://' % parts.hostname)
    return text.rstrip('/')


def url_password(url):
    """The password of ``user:password@`` in ``url``, read up to the last '@'; None when there is none."""
    match = re.search(r'//([^@]*):(.*)@', url) if isinstance(url, str) else None
    return match.group(2) if match and match.group(2) else None


def without_credentials(url):
    # Up to the last '@': a password may hold '/' or '@' that a URL parser reads otherwise.
    return re.sub(r'//.*@', '//***@', url)


def is_loopback(hostname):
    """A literal loopback address, or ``localhost`` itself (names like ``x.localhost`` may go to DNS)."""
    if hostname.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(hostname.strip('[]')).is_loopback
    except ValueError:
        return False


class CloudflareClient(object):
    """HTTP client for one module run; raises CloudflareError for every failure.

    ``module`` gives ``params``, ``check_mode``, ``warn`` and ``no_log_values``. ``budget``:
    the rate budget every request asks first (``_pool.RateBudget``, shared by the processes of
    this controller and the workers of a pool); a module run always has one (``_module.run``).
    """

    budget = None

    def __init__(self, module):
        if requests is None:
            module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.module = module
        params = module.params
        self.base_url = checked_base_url(params['api_base_url'])
        self.timeout = params['api_timeout']
        self.retries = params['api_retries']
        self.max_wait = params['api_max_wait']
        self.verify = self._verify(params)
        self.session = requests.Session()
        self.session.headers.update(self._auth_headers(params))
        self.session.headers.update({'User-Agent': USER_AGENT, 'Accept': 'application/json'})
        self.waited = 0.0

    # --- set-up checks: all of them run before the first request -------------------------

    def _verify(self, params):
        if not params['validate_certs']:
            self.module.warn('validate_certs is false: the TLS certificate of %s is not verified, so anyone on the path can read '
                             'the credentials' % urlsplit(self.base_url).hostname)
            return False
        if params.get('ca_path'):
            if not os.path.isfile(params['ca_path']):
                raise InputError('ca_path %s is not a readable file of PEM CA certificates' % shorten(params['ca_path']))
            return params['ca_path']
        return True

    def _auth_headers(self, params):
        token = params.get('api_token')
        email = params.get('api_email')
        key = params.get('api_key')
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

    @staticmethod
    def path(*segments):
        """Join path segments, URL-quoting each so no value can change the route."""
        return '/' + '/'.join(quote_segment(segment) for segment in segments)

    def get(self, path, params=None, expect='object', absent_ok=False, gone_codes=()):
        """GET ``path`` and return its Envelope, retried within the budget.

        ``expect`` (``object`` or ``list``) is the type ``result`` must have: a null or other
        type is a malformed answer, retried and then refused, never read as "absent" or
        "empty". With ``absent_ok``, a 404 (or a 4xx with one of ``gone_codes``) returns None.
        """
        attempts = 0
        while True:
            attempts += 1
            try:
                envelope = self._send('GET', path, params, None, attempts)
            except CloudflareError as error:
                if absent_ok and error.status is not None and error.status < 500 and (
                        (error.status == 404 and 7003 not in error.codes) or set(error.codes) & set(gone_codes)):
                    return None
                if error.retryable and error.status != 404 and self.backoff('GET', path, attempts, error.reason, error.retry_after):
                    continue
                raise
            wanted = dict if expect == 'object' else list if expect == 'list' else None
            if wanted is None or isinstance(envelope.result, wanted):
                return envelope
            reason = 'the answer has result %s where %s is due' % (_kind_of(envelope.result), 'an object' if wanted is dict else 'a list')
            if not self.backoff('GET', path, attempts, reason, None):
                raise CloudflareError(format_api_failure('GET', path, envelope.status, [], detail=reason, attempts=attempts,
                                                         waited=self.waited),
                                      method='GET', path=path, status=envelope.status, attempts=attempts, waited=round(self.waited, 1))

    def send_write(self, method, path, body=None):
        """Send a write once and return its Envelope; CloudflareError when it failed or its answer is odd.

        Only a connection that was never made is tried again here (the request cannot have
        reached Cloudflare); every other failure goes back to the caller, which re-reads.
        """
        if self.module.check_mode:
            # A safety net under the run contract: check mode never sends a write.
            raise CloudflareError('internal error: %s %s attempted in check mode' % (method, path), method=method, path=path)
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._send(method, path, None, body, attempts)
            except CloudflareError as error:
                if error.not_sent and error.retryable and self.backoff(method, path, attempts, error.reason, None):
                    continue
                raise

    def _send(self, method, path, params, body, attempts):
        if self.budget is not None:
            # The rate budget of this controller's processes and their workers (_pool.py) paces every request.
            self.budget.acquire(self, method, path)
        # api_timeout bounds the whole answer, not only each socket read: a body that trickles
        # in a byte at a time must not hold the run.
        deadline = time.monotonic() + self.timeout
        try:
            # Cloudflare's API never redirects; following one would send the credentials (and an
            # upload's private key) to whatever host the Location names.
            response = self.session.request(method, self.base_url + path, params=params, json=body, timeout=self.timeout,
                                            verify=self.verify, allow_redirects=False, stream=True)
            try:
                content = _read_body(response, deadline)
            finally:
                response.close()
        except _BodyRefused as exc:
            if self.budget is not None:
                self.budget.not_answered()
            raise CloudflareError(
                format_api_failure(method, path, response.status_code, [], detail=exc.reason, attempts=attempts, waited=self.waited,
                                   cf_ray=response.headers.get('cf-ray')),
                method=method, path=path, status=response.status_code, attempts=attempts, waited=round(self.waited, 1),
                reason=exc.reason, retryable=exc.retryable)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if self.budget is not None:
                self.budget.not_answered()
            not_sent = _never_sent(exc)
            reason = _describe_network_error(exc)
            raise CloudflareError(
                format_api_failure(method, path, None, [], detail=reason, attempts=attempts, waited=self.waited),
                method=method, path=path, attempts=attempts, waited=round(self.waited, 1), reason=reason,
                retryable=not isinstance(exc, requests.exceptions.SSLError), not_sent=not_sent)
        if self.budget is not None:
            self.budget.observe(response.status_code, response.headers)
        return self._decode(method, path, response, content, attempts)

    def backoff(self, method, path, attempts, reason, retry_after):
        """Sleep before attempt ``attempts + 1`` and return True, or return False when the budget is spent."""
        if attempts > self.retries:
            return False
        delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempts - 1)))
        # Full jitter keeps parallel hosts of one play from retrying in lockstep.
        delay *= 0.5 + _jitter() / 2
        source = 'backoff'
        if retry_after is not None and self.budget is not None:
            # The 429 holds the shared budget: what is left of the hold (nothing once a re-read waited it out) is
            # waited by the budget before the retry, never the whole Retry-After again.
            delay, source = self.budget.held_for(), 'what is left of the Retry-After hold'
        elif retry_after is not None:
            delay, source = retry_after, 'Retry-After'
        remaining = self.max_wait - self.waited
        if delay > remaining:
            if retry_after is not None:
                self.module.warn('Cloudflare API %s %s: %s asks to wait %.0f s, more than the %.0f s left of api_max_wait; giving up'
                                 % (method, path, reason, delay, max(remaining, 0)))
            return False
        self.module.warn('Cloudflare API %s %s: %s; retry %d of %d in %.1f s (%s)'
                         % (method, path, reason, attempts, self.retries, delay, source))
        if retry_after is None or self.budget is None:
            self._wait(delay)
        return True

    @staticmethod
    def clock():
        return _clock()

    @staticmethod
    def sleep(seconds):
        """Sleep outside the retry budget (waiting for a state is budgeted by wait_timeout)."""
        _sleep(seconds)

    def wait_within_budget(self, seconds):
        """Sleep ``seconds`` out of the api_max_wait budget: counted in ``waited``, as the retries' waits are."""
        self._wait(seconds)

    def _wait(self, delay):
        _sleep(delay)
        self.waited += delay

    def _decode(self, method, path, response, content, attempts):
        status = response.status_code
        cf_ray = _header_text(response.headers.get('cf-ray'))
        retry_after = _retry_after_seconds(response.headers.get('Retry-After'))
        details = dict(method=method, path=path, status=status, cf_ray=cf_ray, attempts=attempts, waited=round(self.waited, 1),
                       retry_after=retry_after)
        if 300 <= status < 400:
            reason = 'HTTP %d redirect to %s, which is not followed' % (status, _location_host(response.headers.get('Location')))
            raise CloudflareError(
                format_api_failure(method, path, status, [], cf_ray=cf_ray, attempts=attempts, waited=self.waited,
                                   detail="a redirect to %s; Cloudflare's API never redirects, so it was not followed "
                                          "(credentials stay here): check api_base_url" % _location_host(response.headers.get('Location'))),
                reason=reason, retryable=False, **dict((key, value) for key, value in details.items() if key != 'retry_after'))
        envelope = _parse_json(content)
        if not isinstance(envelope, dict):
            reason = 'HTTP %d with a body that is not a Cloudflare JSON envelope (%s, %d bytes)' % (
                status, _header_text(response.headers.get('Content-Type')) or 'no content type', len(content))
            raise CloudflareError(format_api_failure(method, path, status, [], cf_ray=cf_ray, attempts=attempts, waited=self.waited,
                                                     detail=reason.split(' with ', 1)[1]),
                                  reason=reason, retryable=True, **details)
        errors, odd_errors = _envelope_items(envelope.get('errors'))
        messages, odd_messages = _envelope_items(envelope.get('messages'))
        success = envelope.get('success')
        if status >= 400 or success is not True:
            reason = 'HTTP %d' % status if status >= 400 else 'HTTP %d with success: false' % status
            # A 4xx with Cloudflare's envelope is Cloudflare refusing the request: nothing was done. An
            # envelope of another shape (errors not a list of objects, success not false) proves nothing.
            well_formed = success is False and not odd_errors and not odd_messages
            refused = 400 <= status < 500 and status != 429 and well_formed
            raise CloudflareError(
                format_api_failure(method, path, status, errors, messages, cf_ray=cf_ray, attempts=attempts, waited=self.waited,
                                   detail=None if status >= 400 else 'the envelope says success: false'),
                errors=errors, messages=messages, reason=reason, refused=refused,
                retryable=status in RETRY_STATUSES or status < 400, **details)
        return Envelope(status, envelope.get('result'), envelope.get('result_info'))

    # --- pagination ------------------------------------------------------------------------

    def pages(self, path, params=None, per_page=50, max_pages=1000):
        """Yield one list of new items per page; a lookup can stop at the end of the page that settled it.

        Ends on the first of: an empty page, ``total_pages`` or ``total_count`` reached, a
        short page when no total is given, or a page that brings nothing new (an endpoint that
        ignores ``page``). A listing that ends before the ``total_count`` Cloudflare announced
        fails: a partial list would hide certificates.
        """
        seen = set()
        total = None
        for page_number in range(1, max_pages + 1):
            query = dict(params or {})
            query.update(page=page_number, per_page=per_page)
            envelope = self.get(path, params=query, expect='list')
            items = envelope.result
            keys = [_item_key(item) for item in items]
            fresh = [item for item, key in zip(items, keys) if key not in seen]
            seen.update(keys)
            if fresh:
                yield fresh
            info = envelope.result_info
            odd = [key for key in ('total_count', 'total_pages', 'per_page') if info.get(key) is not None and _as_int(info[key], None) is None]
            if odd:
                raise CloudflareError(
                    format_api_failure('GET', path, envelope.status, [], detail='the answer has result_info.%s %s where a whole number '
                                       'is due; a list it cannot be told complete is not used' % (odd[0], shorten(repr(info[odd[0]])))),
                    method='GET', path=path, status=envelope.status)
            total = _as_int(info.get('total_count'), total)
            if total is not None and len(seen) >= total:
                return
            if page_number >= _as_int(info.get('total_pages'), max_pages + 1):
                break
            pages_known = _as_int(info.get('total_pages'), None) is not None
            if not items or not fresh or (total is None and not pages_known and len(items) < _as_int(info.get('per_page'), per_page)):
                break
        else:
            raise CloudflareError('Cloudflare API GET %s: the listing still had more after %d pages (%d items); a partial list is '
                                  'not used' % (path, max_pages, len(seen)), method='GET', path=path, status=200)
        if total is not None and len(seen) < total:
            raise CloudflareError('Cloudflare API GET %s: the listing ended after %d of the %d items its result_info announced; '
                                  'a partial list is not used. Run the task again' % (path, len(seen), total),
                                  method='GET', path=path, status=200)


def _sleep(seconds):
    time.sleep(seconds)


def _clock():
    return time.monotonic()


def _wall():
    # The clock the processes of one controller share (the budget file); each has a monotonic clock of its own.
    return time.time()


def _jitter():
    return random.random()


def _as_int(value, default):
    """A count or page number of ``result_info``: a whole number of 0 or more (or its decimal text), else ``default``."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value >= 0 else default


class _BodyRefused(Exception):
    """An answer whose body was not read whole: too slow (retryable) or too large (not)."""

    def __init__(self, reason, retryable):
        super(_BodyRefused, self).__init__(reason)
        self.reason = reason
        self.retryable = retryable


def _read_body(response, deadline):
    """The whole body of a streamed ``response``, within ``deadline`` (time.monotonic) and MAX_BODY_BYTES."""
    declared = _as_int(response.headers.get('Content-Length'), None)
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _BodyRefused('an answer of %d bytes, more than any Cloudflare answer (%d MiB at most are read)'
                           % (declared, MAX_BODY_BYTES // (1024 * 1024)), retryable=False)
    raw = response.raw
    # read1 (urllib3 2) returns after one read from the socket, so a trickle is seen at once;
    # urllib3 1.26 has only read(), which waits for a whole chunk: read small ones there.
    read = getattr(raw, 'read1', None)
    if read is None:
        def read(size):
            return raw.read(min(size, 1024))
    chunks = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _BodyRefused('the answer did not arrive whole within api_timeout (%d bytes so far)' % size, retryable=True)
        chunk = read(READ_CHUNK)
        if not chunk:
            return b''.join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyRefused('an answer of more than %d MiB, more than any Cloudflare answer' % (MAX_BODY_BYTES // (1024 * 1024)),
                               retryable=False)
        chunks.append(chunk)


def _reject_constant(name):
    # NaN and Infinity are not JSON (RFC 8259); Python's parser accepts them unless told otherwise.
    raise ValueError('not JSON: %s' % name)


def _parse_json(content):
    """The decoded JSON of ``content``, or None when it is not JSON (or nested too deep to be Cloudflare's)."""
    try:
        return json.loads(content.decode('utf-8'), parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def _envelope_items(value):
    """(items, odd) of an envelope's ``errors`` or ``messages``: dicts whose ``code`` is an int or None.

    Anything else in the list (a string, a number) becomes a message; a field that is not a list
    at all becomes one item saying so; ``odd`` says the field was not Cloudflare's shape. Nothing
    of an odd shape gets past this to the code that compares codes.
    """
    if value is None:
        return [], False
    if not isinstance(value, list):
        return [{'code': None, 'message': 'malformed (%s where a list is due)' % _kind_of(value)}], True
    items = []
    odd = False
    for item in value:
        if isinstance(item, dict):
            code = item.get('code')
            message = item.get('message')
            clean = {'code': code if isinstance(code, int) and not isinstance(code, bool) else None,
                     'message': message if isinstance(message, str) else ('' if message is None else shorten(repr(message)))}
            odd = odd or (code is not None and clean['code'] is None) or not isinstance(message, (str, type(None)))
            if isinstance(item.get('source'), dict) and isinstance(item['source'].get('pointer'), str):
                clean['source'] = {'pointer': item['source']['pointer']}
            if clean['code'] is not None or clean['message']:
                items.append(clean)
        else:
            odd = True
            if isinstance(item, str) and item:
                items.append({'code': None, 'message': item})
            elif item:
                items.append({'code': None, 'message': shorten(repr(item))})
    return items, odd


def _header_text(value):
    return value if isinstance(value, str) else None


def _location_host(location):
    """The host a redirect names (never its path, query or user part), or a note that it named none."""
    try:
        host = urlsplit(location or '').hostname
    except ValueError:
        host = None
    return host or ('the same host' if location else 'nowhere (no Location header)')


def _kind_of(value):
    return 'null' if value is None else 'of type %s' % type(value).__name__


def _item_key(item):
    if isinstance(item, dict) and item.get('id'):
        return item['id']
    return repr(item)


def _never_sent(exc):
    # The connection was never made (refused, DNS): the request did not reach Cloudflare.
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return True
    text = repr(exc)
    return isinstance(exc, requests.exceptions.ConnectionError) and any(
        marker in text for marker in ('NewConnectionError', 'NameResolutionError', 'Connection refused', 'Failed to resolve'))


def _describe_network_error(exc):
    if isinstance(exc, requests.exceptions.SSLError):
        return ('TLS verification failed (%s); check the API host, or give its CA bundle with ca_path (validate_certs: false '
                'only against a test server you trust)' % _first_line(exc))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'connection timed out'
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)):
        return 'no response within api_timeout'
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)) and not isinstance(exc, requests.exceptions.RequestException):
        # Raised while the body was read (stream=True): the answer had begun.
        return 'the connection was closed before the whole answer arrived'
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _never_sent(exc):
            return 'could not connect (%s)' % _first_line(exc)
        return 'the connection was closed before a response arrived'
    return 'request error (%s)' % type(exc).__name__


def _first_line(exc):
    # The innermost reason (certificate verify failed, hostname mismatch) is the useful part.
    text = str(exc).replace('\n', ' ') if str(exc) else type(exc).__name__
    match = re.search(r"(certificate verify failed[^'\")]*|hostname [^'\")]* doesn't match[^'\")]*|"
                      r"Hostname mismatch[^'\")]*|SSLError\([^)]*\))", text)
    return (match.group(1) if match else text)[:240]
