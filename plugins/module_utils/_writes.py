# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The one way a write (POST, PUT, PATCH, DELETE) is sent, and what a lost or odd answer means.

A write whose answer is lost or odd (a timeout, a dropped connection, a 5xx, a body that is
not JSON or is empty, ``success: false`` with HTTP 200, a result of the wrong type) may or
may not have been carried out. It is never repeated blindly: what Cloudflare holds is read
again, and that decides.

* The effect is there: the write counts as applied (``changed``), with a warning.
* It is not there, and every attempt was refused before any work (HTTP 429): nothing was
  changed; the write is sent again while the retry budget lasts.
* It is not there, but an attempt may still be carried out later (Cloudflare's edge answers
  502/504 while the request goes on): a write whose repetition cannot do it twice
  (``resendable``) is sent again; otherwise, or once the budget is spent, the task fails
  saying that the outcome is unknown. A re-run is safe: every module reads first.
"""

from __future__ import annotations

import threading

from dataclasses import dataclass
from typing import Callable

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError, format_api_failure


def _never(error):
    """The default ``settled_by_read``: no refusal is judged by a read."""
    del error
    return False


@dataclass(eq=False)
class Write:
    """One write and how to tell whether it was applied.

    ``read(client)`` reads what Cloudflare holds now, through the client that sends the write (a
    worker's own, in the bulk module); ``applied(current)`` says whether the write's
    effect is in it; ``answer_ok(result)`` whether an answer's ``result`` is what a success
    returns. ``resendable``: sending it twice has the effect of sending it once (a PUT of the
    same associations; a DELETE; an upload, which Cloudflare refuses a second time with
    1406). ``settled_by_read(error)``: whether this refusal (4xx) is judged by a read, for
    the refusals Cloudflare gives when the effect is already there (1406 after an upload, 404
    after a delete). ``what`` names the object in messages; ``check`` says how a user can look.
    ``items``: the keys of the per-item results the write changes (hostnames, certificate ids),
    for a module that reports per item; they count as changed when this run applied the write.
    """

    method: str
    path: str
    body: object
    what: str
    read: Callable
    applied: Callable
    answer_ok: Callable
    check: str
    resendable: bool = False
    settled_by_read: Callable = _never
    items: tuple = ()


class Writer(object):
    """Sends the writes of one module run, and records each one this run applied: the one record ``changed`` is decided from.

    Workers of a pool may send at the same time, each through its own client (``send(write, client)``).
    """

    def __init__(self, client, warn):
        self.client = client
        self.warn = warn
        self._applied = []
        self._lock = threading.Lock()

    @property
    def changed(self):
        """Whether any write was applied by this run."""
        return bool(self._applied)

    def applied(self):
        """The writes this run applied, in the order their outcome was known."""
        with self._lock:
            return list(self._applied)

    def send(self, write, client=None):
        """Return (the answer's result or the object read again, whether this run applied it); CloudflareError otherwise.

        ``client``: the client to send it with (a worker's); by default the run's.
        """
        result, by_this_run = self._send(write, client or self.client)
        if by_this_run:
            with self._lock:
                self._applied.append(write)
        return result, by_this_run

    def _send(self, write, client):
        attempts = 0
        doubt = None
        while True:
            attempts += 1
            try:
                envelope = client.send_write(write.method, write.path, write.body)
                if write.answer_ok(envelope.result):
                    return envelope.result, True
                reason = 'HTTP %d with a result %s' % (envelope.status, 'null' if envelope.result is None else 'of an unexpected shape')
                error = CloudflareError(format_api_failure(write.method, write.path, envelope.status, [], detail='the answer has %s'
                                                           % reason.split(' with ', 1)[1]),
                                        method=write.method, path=write.path, status=envelope.status, attempts=attempts,
                                        reason=reason, retryable=True)
            except CloudflareError as failure:
                error = failure
            if (error.refused and not doubt and not write.settled_by_read(error)) or (error.not_sent and not doubt):
                # Cloudflare refused it, or it never reached Cloudflare: nothing was done.
                raise error
            current = self._read_again(write, client, error, doubt)
            if write.applied(current):
                if (error.refused or error.status == 429) and not doubt:
                    # Refused (a 429 is refused before any work): the effect is someone else's doing, not this run's.
                    return current, False
                self.warn('Cloudflare API %s %s: the answer was lost or unusable (%s), but a new read shows that it was applied (%s)'
                          % (write.method, write.path, error.reason or 'no usable answer', write.what))
                return current, True
            if error.refused:
                if doubt:
                    raise self._unknown(write, error, doubt)
                raise error.restated('%s. Yet a new read does not show %s with the change either; run the task again to read '
                                     'the state afresh' % (error.message, write.what))
            if error.status != 429 and not error.not_sent:
                doubt = doubt or error.reason or 'the answer was lost'
            may_resend = error.status == 429 or write.resendable
            if may_resend and (error.retryable or error.not_sent) and client.backoff(
                    write.method, write.path, attempts, '%s and a new read shows no change' % (error.reason or 'no usable answer'),
                    error.retry_after):
                continue
            if doubt:
                raise self._unknown(write, error, doubt)
            raise error.restated('%s; a new read shows that %s has not changed, so nothing was changed' % (error.message, write.what))

    @staticmethod
    def _read_again(write, client, error, doubt):
        try:
            return write.read(client)
        except CloudflareError as again:
            if error.status == 429 and not doubt and getattr(again, 'held', False):
                # Rate limited (refused before any work) and the hold is longer than api_max_wait allows.
                raise error.restated('%s; %s' % (error.message, again.reason or again.message)) from None
            raise error.restated(
                '%s; reading %s again, to learn whether the %s was applied, failed too (%s): the outcome is unknown. %s'
                % (error.message, write.what, write.method, again.message, write.check)) from None

    @staticmethod
    def _unknown(write, error, doubt):
        return error.restated(
            '%s. An earlier attempt (%s) may still be carried out by Cloudflare, although a new read shows no change to %s yet: '
            'the outcome is unknown. %s; running the task again is safe, it reads the state first'
            % (error.message, doubt, write.what, write.check))
