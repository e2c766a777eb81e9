# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The one error type of the collection and its formatter for Cloudflare's envelope."""

from __future__ import annotations

# Codes from Cloudflare's docs that a user can act on; the hint says how.
# The statuses of a request whose credentials Cloudflare refused (unknown, or without the permission).
DENIED_STATUSES = (401, 403)

# Codes whose hint names the permission a credential lacks: Read for a GET, Write for a change.
PERMISSION_CODES = (9109, 10000, 10001)

HINTS = {
    1406: "the certificate is already uploaded to this zone (or its deleted copy is still pending_deletion, which clears in "
          "about 10 s): find the existing one and use it, or upload it again once the deletion completed",
    1407: "the client certificate is already revoked",
    1414: "the hostname certificate is already being deleted (pending_deletion)",
    1433: "the hostname certificate is still in use by hostname associations: detach them first (hostname_certificate "
          "detach_hostnames, or hostname_association state=absent), then delete it again",
    1434: "the hostname certificate is still pending_deployment: Cloudflare deletes it only once its deployment completed; "
          "delete it again in a few minutes",
    1551: "no such hostname certificate in this zone: check the certificate id",
    1552: "no such hostname certificate in this zone: check the certificate id",
    1553: "the hostname has no association (never configured)",
    1415: "check the certificate id; a zone-level Authenticated Origin Pulls certificate id is not a hostname certificate id",
    6003: "an API token was probably given as a global API key (use api_token)",
    6103: "an API token was probably given as a global API key (use api_token)",
    9109: "check the API token and its permissions (SSL and Certificates %s)",
    10000: "check the credentials and their permissions (SSL and Certificates %s)",
    10001: "check the credentials and their permissions (SSL and Certificates %s)",
    971: "rate limited: raise api_max_wait so the module can wait out Cloudflare's block, or run fewer requests in parallel",
    10100: "rate limited: raise api_max_wait so the module can wait out Cloudflare's block, or run fewer requests in parallel",
    7003: "no such route: check api_base_url and the ids in the path",
}


class CloudflareError(Exception):
    """A request that failed, an answer that made no sense, or input refused before any request.

    For a failed request: ``reason`` says what went wrong in a few words; ``refused`` is true
    when Cloudflare answered with an error envelope and a 4xx other than 429 (it did nothing);
    ``retryable`` when another attempt may succeed (429, 5xx, timeouts, odd answers);
    ``not_sent`` when the request never reached Cloudflare; ``retry_after`` is the seconds
    Cloudflare asked to wait.
    """

    def __init__(self, message, method=None, path=None, status=None, errors=None, messages=None,
                 cf_ray=None, attempts=None, waited=None, reason=None, refused=False, retryable=False,
                 not_sent=False, retry_after=None):
        super(CloudflareError, self).__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.messages = messages or []
        self.cf_ray = cf_ray
        self.attempts = attempts
        self.waited = waited
        self.reason = reason
        self.refused = refused
        self.retryable = retryable
        self.not_sent = not_sent
        self.retry_after = retry_after

    def restated(self, message):
        """The same failed request with another message (``api_error`` keeps the request's details)."""
        copy = CloudflareError(message)
        copy.__dict__.update(dict((key, value) for key, value in self.__dict__.items() if key != 'message'))
        copy.message = message
        copy.args = (message,)
        return copy

    @property
    def codes(self):
        return [item.get('code') for item in self.errors if isinstance(item, dict)]

    @property
    def denied(self):
        """Cloudflare refused the credentials (HTTP 401 or 403): nothing about the object explains it."""
        return self.status in DENIED_STATUSES

    def as_dict(self):
        """The structured ``api_error`` return value (no credentials ever reach it)."""
        return {
            'method': self.method,
            'path': self.path,
            'status': self.status,
            'errors': self.errors,
            'messages': self.messages,
            'cf_ray': self.cf_ray,
            'attempts': self.attempts,
            'waited': self.waited,
        }

    def __str__(self):
        return self.message


def _describe_items(items):
    parts = []
    for item in items:
        if isinstance(item, dict):
            code = item.get('code')
            text = str(item.get('message', '')).strip()
            pointer = (item.get('source') or {}).get('pointer') if isinstance(item.get('source'), dict) else None
            described = '%s: %s' % (code, text) if code is not None else text
            if pointer:
                described += ' (at %s)' % pointer
            parts.append(described)
        elif item:
            parts.append(str(item))
    return parts


def permission_needed(method):
    """The permission a request of ``method`` needs: Read for a GET (or HEAD), Write for any change."""
    return 'Read' if str(method or '').upper() in ('GET', 'HEAD') else 'Write'


def hint_for(code, method):
    """The hint of ``code`` for a request of ``method``, or None."""
    hint = HINTS.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
    if hint and code in PERMISSION_CODES:
        hint = hint % permission_needed(method)
    return hint


def format_api_failure(method, path, status, errors, messages=None, cf_ray=None, detail=None, attempts=None, waited=None):
    """One line naming the request, the status, every code and message, a hint and the cf-ray."""
    text = 'Cloudflare API %s %s failed' % (method, path)
    if status is not None:
        text += ' with HTTP %s' % status
    described = _describe_items(errors or [])
    if described:
        text += ': ' + '; '.join(described)
    elif detail:
        text += ': ' + detail
    else:
        text += ': no error details in the response'
    if described and detail:
        text += ' (%s)' % detail
    extra = _describe_items(messages or [])
    if extra:
        text += '. Messages: ' + '; '.join(extra)
    hints = []
    for item in errors or []:
        code = item.get('code') if isinstance(item, dict) else None
        hint = hint_for(code, method)
        if hint and hint not in hints:
            hints.append(hint)
    if not hints and status in DENIED_STATUSES:
        hints.append(hint_for(10000, method))
    if hints:
        text += '. Hint: ' + '; '.join(hints)
    if attempts and attempts > 1:
        text += '. Gave up after %d attempts and %.1f s of waiting (api_retries, api_max_wait)' % (attempts, waited or 0.0)
    if cf_ray:
        text += ' [cf-ray %s]' % cf_ray
    return text
