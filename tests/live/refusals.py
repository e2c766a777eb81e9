# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What "refused before any request" means, for the bad-input and null-selector tables.

A refusal is: the run failed (rc 1), ``msg`` names the option, nothing reached the local API
(its journal is empty) and nothing was even attempted anywhere else (``NetworkGuard`` sees
every request the modules hand to ``requests`` and blocks those to other hosts, so a bad
``api_base_url`` that slips through costs no DNS and no real connection), no traceback, and
no secret anywhere in the result (``invocation`` included).
"""

from __future__ import annotations

import json
import re
import traceback

from urllib.parse import urlsplit

import requests

# Values that must never appear in a result, whatever the case: the harness's token (conftest.TOKEN), the
# password of the api_base_url case, and the local API's global key.
ALWAYS_SECRET = ('local-demo-token', 's3cretpw', '0123456789abcdef0123456789abcdef01234')
_PEM_RE = re.compile(r'-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----(.*?)-----END \1-----', re.S)


class NetworkGuard(object):
    """Records each HTTP request a module sends; passes only those to the local API, blocks the rest."""

    def __init__(self, local_api, extra_allowed=()):
        self.control_url = local_api.control_url
        parts = urlsplit(local_api.base_url)
        self.port = parts.port
        self.allowed_hosts = set(('127.0.0.1', 'localhost') + tuple(extra_allowed))
        self.attempts = []
        self.blocked = []

    def install(self, monkeypatch):
        original = requests.adapters.HTTPAdapter.send
        guard = self

        def send(adapter, request, *args, **kwargs):
            if request.url.startswith(guard.control_url):
                return original(adapter, request, *args, **kwargs)
            guard.attempts.append('%s %s' % (request.method, request.url))
            parts = urlsplit(request.url)
            if parts.hostname in guard.allowed_hosts and parts.port == guard.port:
                return original(adapter, request, *args, **kwargs)
            guard.blocked.append('%s %s' % (request.method, request.url))
            raise requests.exceptions.ConnectionError('blocked by the test: no request may leave for %s' % parts.hostname)

        monkeypatch.setattr(requests.adapters.HTTPAdapter, 'send', send)
        return self


def run_guarded(run_module, name, args, check_mode=False):
    """run_module, but an exception escaping main() becomes a result with ``exception`` (a traceback a user would see)."""
    try:
        return run_module(name, args, check_mode=check_mode)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return None, {'msg': 'main() raised %s: %s' % (type(exc).__name__, str(exc)[:200]), 'exception': traceback.format_exc()}


def secrets_in(args):
    """Strings of ``args`` that must not be echoed: each base64 line of every private key they carry."""
    found = []
    for value in args.values():
        values = value if isinstance(value, list) else [value]
        for text in values:
            if not isinstance(text, str):
                continue
            for _kind, body in _PEM_RE.findall(text):
                found.extend(line.strip() for line in body.splitlines() if len(line.strip()) >= 16 and ':' not in line)
    return found


def names_option(msg, option):
    return re.search(r'(?<![\w.])%s(?!\w)' % re.escape(option), msg or '') is not None


def refusal_problems(rc, result, option, journal, guard, secrets=()):
    """The ways a run fails to be a clean refusal naming ``option``; an empty list when it is one.

    Each problem starts with a short word for the table (one of SEVERITY).
    """
    problems = []
    msg = result.get('msg') or ''
    if 'exception' in result or 'Traceback' in msg:
        problems.append('traceback: %s' % msg[:160])
    if rc != 1 or not result.get('failed'):
        problems.append('rc: rc=%s failed=%s (the input was accepted)' % (rc, result.get('failed')))
    if journal:
        problems.append('sent: the local API received %s' % ', '.join('%s %s' % (e['method'], e['path']) for e in journal[:3]))
    if guard.blocked:
        problems.append('sent: requests attempted elsewhere: %s' % ', '.join(guard.blocked[:3]))
    if not names_option(msg, option):
        problems.append('msg: does not name %s: %s' % (option, msg[:200]))
    dumped = json.dumps(result)
    leaked = [secret for secret in tuple(ALWAYS_SECRET) + tuple(secrets) if secret and secret in dumped]
    if leaked:
        problems.append('leak: the result echoes %d secret value(s), e.g. %s...' % (len(leaked), leaked[0][:6]))
    return problems


# The worst first: a cell shows the one problem a user would feel most.
SEVERITY = ('changed', 'leak', 'traceback', 'sent', 'rc', 'msg')


def verdict(problems):
    """The table cell: ``ok``, or ``WRONG`` with the short word of the worst problem."""
    if not problems:
        return 'ok'
    words = [problem.split(':', 1)[0] for problem in problems]
    return 'WRONG:%s' % min(words, key=lambda word: SEVERITY.index(word) if word in SEVERITY else len(SEVERITY))
