# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Waiting for Cloudflare's asynchronous states (pending_* -> final), for one object or many.

A wait is data: the objects to watch (by key), how to read one, the state word of an
object, the wanted states and the states it may pass through on the way. Any other state
ends the wait with a failure naming the objects that left the path (someone else changed
them); a state listed in ``failed`` ends it with that state's own message.
"""

from __future__ import annotations

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

FIRST_INTERVAL = 1.0
MAX_INTERVAL = 10.0


def poll_intervals():
    """1, 1, 2, 2, 4, 4, 8, 8, 10, 10, ... seconds: a 2 s transition is seen at 2 s, not 3 s, and one of
    Cloudflare's minutes-long ones costs a read every 10 s after the first half minute."""
    interval = FIRST_INTERVAL
    while True:
        yield interval
        yield interval
        interval = min(interval * 2, MAX_INTERVAL)


class Wait(object):
    """``read(key)`` -> the object (None when gone); ``state_of(object)`` -> its state word.

    ``latest`` holds the last object read of each key, also after a failure, so a module
    can return what it saw last.
    """

    def __init__(self, what, read, state_of, wanted, passing, failed=None, name_keys=True, read_many=None):
        self.what = what
        # Messages name each object by its key ("app.example.com: pending_deployment") unless
        # the one object is named in ``what`` already.
        self.name_keys = name_keys
        self.read = read
        # ``read_many(keys)`` -> {key: object} reads every key still waiting at once (a listing
        # rather than one GET each); it replaces ``read`` when given.
        self.read_many = read_many
        self.state_of = state_of
        self.wanted = tuple(wanted)
        self.passing = tuple(passing)
        self.failed = dict(failed or {})
        self.latest = {}

    def run(self, client, keys, timeout, first=None):
        """Poll until every key is in a wanted state; return ``latest``.

        ``first`` holds objects already known (the answer of the write that started the
        transition): they are judged before any read, so a write whose answer already shows
        the wanted state costs no GET, and the first read comes one interval later.
        """
        self.latest.update(first or {})
        pending = [key for key in keys if key not in self.latest]
        deadline = client.clock() + timeout
        intervals = poll_intervals()
        waiting = list(keys)
        while True:
            if self.read_many is not None and pending:
                self.latest.update(self.read_many(pending))
            else:
                for key in pending:
                    self.latest[key] = self.read(key)
            states = dict((key, self.state_of(self.latest[key])) for key in waiting)
            self._judge(states)
            waiting = [key for key in waiting if states[key] not in self.wanted]
            if not waiting:
                return self.latest
            remaining = deadline - client.clock()
            if remaining <= 0:
                raise CloudflareError('timed out after %d s waiting for %s; the last status seen was %s (raise wait_timeout to wait longer)'
                                      % (timeout, self.what, self._describe(states, waiting)))
            client.sleep(min(next(intervals), remaining))
            pending = waiting

    def _judge(self, states):
        for state, message in self.failed.items():
            stuck = [key for key, seen in states.items() if seen == state]
            if stuck:
                raise CloudflareError(message % ', '.join(str(key) for key in stuck))
        strayed = [key for key, seen in states.items() if seen not in self.wanted + self.passing]
        if strayed and self.name_keys:
            raise CloudflareError('while waiting for %s, someone else changed %s'
                                  % (self.what, ', '.join('%s (now %s)' % (key, states[key]) for key in strayed)))
        if strayed:
            raise CloudflareError('while waiting for %s, its status became %s: someone else changed it'
                                  % (self.what, self._describe(states, strayed)))

    def _describe(self, states, keys):
        if not self.name_keys:
            return ', '.join(str(states[key]) for key in keys)
        return ', '.join('%s: %s' % (key, states[key]) for key in keys)
