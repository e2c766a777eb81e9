# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Many requests at once under one rate budget: a bounded pool of workers, each with its own session.

Cloudflare allows 1200 requests per 5 minutes per token, and one request over it blocks the
token for five minutes, every call. So the workers of one task share a ``RateBudget`` that
every request asks first:

* the task's own requests: never more than the quota in any window (plus a small margin for
  the network), counted here, so a run of thousands of writes goes at the quota's pace and
  never over it; the quota and window come from ``Ratelimit-Policy`` when Cloudflare sends
  it (1200 per 300 s until then);
* everybody's requests: the ``Ratelimit`` header says how many are left in the window and
  when it resets; when other jobs on the same token have spent it, the workers hold until
  the reset instead of running into the block;
* a 429 holds every worker for its ``Retry-After``; the worker whose request got it retries
  within ``api_max_wait`` as a single-request task does.
"""

from __future__ import annotations

import copy
import re
import threading

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api

DEFAULT_QUOTA = 1200
DEFAULT_WINDOW = 300.0
_POLICY_RE = re.compile(r'q=(\d+)\s*;\s*w=(\d+)|w=(\d+)\s*;\s*q=(\d+)')


def _parse_policy(header):
    """``"default";q=1200;w=300, "burst";q=10;w=1`` -> [(1200, 300.0), (10, 1.0)]: every item, each a limit to keep; None when absent."""
    if not header:
        return None
    policies = []
    for match in _POLICY_RE.finditer(header):
        quota, window = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        if int(quota) > 0 and int(window) > 0:
            policies.append((int(quota), float(window)))
    return policies or None


class RateBudget(object):
    """The request budget the workers of one task share; thread-safe."""

    def __init__(self, warn=None):
        self.warn = warn
        self.policies = [(DEFAULT_QUOTA, DEFAULT_WINDOW)]
        self._lock = threading.Lock()
        self._sent = []  # client-clock times of this task's requests in the last window, oldest first
        self._total = 0
        self._in_flight = 0
        # The server's view (Ratelimit): requests left as of the answer after this task's request
        # number ``_left_at``, with ``_in_flight_at_left`` others on the way then, until ``_left_reset``.
        self._left = None
        self._left_at = 0
        self._in_flight_at_left = 0
        self._left_reset = 0.0
        self._held_until = 0.0
        self._warned = False
        self.waited = 0.0
        self.rate_limited = 0

    @staticmethod
    def _margin(window):
        # Cloudflare counts a request when it arrives: leave room for the round trip.
        return 0.25 + 0.005 * window

    def _until(self, now):
        """When the next request fits every policy (``now`` or later)."""
        longest = max(window for _quota, window in self.policies)
        horizon = now - longest - self._margin(longest)
        while self._sent and self._sent[0] <= horizon:
            self._sent.pop(0)
        until = self._held_until
        for quota, window in self.policies:
            recent = [moment for moment in self._sent if moment > now - window - self._margin(window)]
            if len(recent) >= quota:
                until = max(until, recent[len(recent) - quota] + window + self._margin(window))
        if self._left is not None and now < self._left_reset:
            left_now = self._left - (self._total - self._left_at) - self._in_flight_at_left
            if left_now < 1:
                # Spent, by this task or by other jobs on the same token: hold until the reset.
                until = max(until, self._left_reset)
        return until

    def acquire(self):
        """Wait until one more request fits the budget; count it as sent."""
        while True:
            with self._lock:
                now = _api._clock()
                until = self._until(now)
                if until <= now:
                    self._sent.append(now)
                    self._total += 1
                    self._in_flight += 1
                    return
                delay = until - now
                if not self._warned and self.warn is not None and delay > 1:
                    self._warned = True
                    self.warn('Cloudflare API: the rate limit (%s) is nearly spent; requests are paced to stay under it (first '
                              'pause %.1f s)' % (', '.join('%d requests per %.0f s' % policy for policy in self.policies), delay))
                self.waited += delay
            _api._sleep(delay)

    def observe(self, status, headers):
        """Learn from one answer: its status and headers (``Ratelimit``, ``Ratelimit-Policy``, ``Retry-After``)."""
        now = _api._clock()
        policy = _parse_policy(headers.get('Ratelimit-Policy'))
        parsed = _api._parse_ratelimit(headers.get('Ratelimit'))
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if policy is not None:
                self.policies = policy
            if parsed is not None:
                left, reset = parsed
                reset_at = now + reset
                if self._left is None or now >= self._left_reset or left > self._left + self._in_flight + 1:
                    # A new window.
                    self._left, self._left_reset = left, reset_at
                else:
                    # t is rounded up, so every answer bounds the reset from above: keep the tightest.
                    self._left, self._left_reset = min(left, self._left), min(self._left_reset, reset_at)
                self._left_at = self._total
                self._in_flight_at_left = self._in_flight
            if status == 429:
                self.rate_limited += 1
                retry_after = _api._retry_after_seconds(headers.get('Retry-After'))
                self._held_until = max(self._held_until, now + (retry_after if retry_after is not None else 1.0))

    def not_answered(self):
        """A request that got no answer (network error): no longer on its way."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)


class WorkerPool(object):
    """``parallel`` clients (one ``requests`` session each) that share ``budget``; ``map`` runs jobs on them."""

    def __init__(self, client, parallel, budget):
        self.budget = budget
        self.parallel = max(1, int(parallel))
        self.clients = [worker_client(client, budget) for _index in range(self.parallel)]
        self._free = list(self.clients)
        self._lock = threading.Lock()

    def _take(self):
        with self._lock:
            return self._free.pop()

    def _give(self, client):
        with self._lock:
            self._free.append(client)

    def map(self, job, items):
        """``job(client, item)`` for every item, at most ``parallel`` at a time; the results in the order of ``items``.

        A job's exception is its result (returned, not raised), so one failure never hides
        what the other jobs did.
        """
        def run(item):
            client = self._take()
            try:
                return job(client, item)
            except Exception as error:  # pylint: disable=broad-exception-caught
                return error
            finally:
                self._give(client)

        items = list(items)
        if self.parallel == 1 or len(items) <= 1:
            return [run(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.parallel, len(items))) as executor:
            return list(executor.map(run, items))

    @property
    def waited(self):
        return sum(client.waited for client in self.clients)

    def close(self):
        for client in self.clients:
            client.session.close()


def worker_client(client, budget):
    """A copy of ``client`` with a session of its own (``requests`` sessions are not thread-safe) that asks ``budget``."""
    worker = copy.copy(client)
    worker.session = _api.requests.Session()
    worker.session.headers.update(client.session.headers)
    worker.waited = 0.0
    worker.budget = budget
    return worker


def read_many(client, parallel, read, keys, warn=None):
    """``read(worker_client, key)`` for every key, ``parallel`` at a time under one budget; the answers in the order of ``keys``.

    The first failure is raised once every read has ended (a read that failed is not an answer).
    """
    keys = list(keys)
    if parallel <= 1 or len(keys) <= 1:
        return [read(client, key) for key in keys]
    budget = client.budget or RateBudget(warn)
    pool = WorkerPool(client, parallel, budget)
    try:
        answers = pool.map(read, keys)
    finally:
        client.waited += pool.waited
        pool.close()
    for answer in answers:
        if isinstance(answer, Exception):
            raise answer
    return answers
