# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Many requests at once under one rate budget: a bounded pool of workers, each with its own session.

Cloudflare allows 1200 requests per 5 minutes per token, and one request over it blocks the
token for five minutes, every call. So the workers of one task share a ``RateBudget`` that
every request asks first:

* the requests of this controller: never more than the quota in any window (plus a small
  margin for the network), counted here, so a run of thousands of writes goes at the quota's
  pace and never over it; the quota and window come from ``Ratelimit-Policy`` when Cloudflare
  sends it (1200 per 300 s until then);
* everybody's requests: the ``Ratelimit`` header says how many are left in the window and
  when it resets; when other jobs on the same token (on other machines too) have spent it,
  the workers hold until the reset instead of running into the block;
* a 429 holds every worker for its ``Retry-After``; the worker whose request got it retries
  once the hold is over, so one 429 costs one ``Retry-After``.

Every hold counts against ``api_max_wait`` of the worker that waits; a hold that cannot fit
in what is left of it fails at once (a CloudflareError naming api_max_wait and the wait).

The processes of one controller that use the same credential against the same API (Ansible's
forks) share the budget through a small file, locked with ``flock``, in a folder of the user
(``~/.ansible/tmp``, or ``$MTLS_CLOUDFLARE_BUDGET_DIR``), named by a SHA-256 of the API URL and
the credential (never the credential itself) and readable by its owner only. It holds the
times of the recent requests, the latest ``Ratelimit`` figures and the 429 hold, on the wall
clock (each process has a monotonic clock of its own). When the file cannot be used (any
OSError), the budget goes on in this process alone, from what it knew.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import threading

from concurrent.futures import ThreadPoolExecutor

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: the budget stays per process
    fcntl = None

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

DEFAULT_QUOTA = 1200
DEFAULT_WINDOW = 300.0
_POLICY_RE = re.compile(r'q=(\d+)\s*;\s*w=(\d+)|w=(\d+)\s*;\s*q=(\d+)')
# Where the processes of one controller keep the budget they share; the tests point it at a folder of their own.
BUDGET_DIR_ENV = 'MTLS_CLOUDFLARE_BUDGET_DIR'
BUDGET_FILE_PREFIX = 'mtls-cloudflare-budget-'
# A request that was sent this long ago is no longer counted as on its way (its process may have died).
FLIGHT_TTL = 300.0
# A budget nobody used for this long is forgotten (but for a 429 hold still running): what it learned may be stale.
IDLE_FORGET = 600.0
_TIME_FIELDS = ('hold', 'left_reset', 'stamp')
# Why a request waits while a 429's Retry-After holds the budget (the other reasons name the quota and the window).
RETRY_AFTER_HOLD = 'the Retry-After of a 429 (rate limited)'


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


def budget_key(client):
    """The name of the budget ``client``'s requests count against: a SHA-256 of the API URL and the credential."""
    headers = client.session.headers
    credential = headers.get('Authorization') or '%s:%s' % (headers.get('X-Auth-Email'), headers.get('X-Auth-Key'))
    return hashlib.sha256(('%s\n%s' % (client.base_url, credential)).encode('utf-8')).hexdigest()


def budget_dir():
    return os.environ.get(BUDGET_DIR_ENV) or os.path.join(os.path.expanduser('~'), '.ansible', 'tmp')


def _fresh_state():
    # stamp: when the state was last written (wall clock), to notice a clock that went back.
    return dict(policies=[[DEFAULT_QUOTA, DEFAULT_WINDOW]], sent=[], seq=0, flight=[], hold=0.0,
                left=None, left_seq=0, left_extra=0, left_reset=0.0, stamp=0.0)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _valid_state(state):
    """A state read from the shared file, or None when it is not one (a torn or foreign file starts afresh)."""
    try:
        fresh = _fresh_state()
        if not isinstance(state, dict) or set(state) != set(fresh):
            return None
        if not state['policies'] or not all(len(item) == 2 and all(_number(x) and x > 0 for x in item) for item in state['policies']):
            return None
        if not all(_number(moment) for moment in state['sent']):
            return None
        if not all(len(item) == 2 and all(_number(x) for x in item) for item in state['flight']):
            return None
        if not all(_number(state[name]) for name in ('seq', 'hold', 'left_seq', 'left_extra', 'left_reset', 'stamp')):
            return None
        if state['left'] is not None and not _number(state['left']):
            return None
        return state
    except TypeError:
        return None


def _shifted(state, offset):
    """``state`` with every moment moved by ``offset`` seconds (from the wall clock to this process's monotonic one)."""
    moved = copy.deepcopy(state)
    moved['sent'] = [moment + offset for moment in moved['sent']]
    moved['flight'] = [[seq, moment + offset] for seq, moment in moved['flight']]
    for name in _TIME_FIELDS:
        moved[name] = moved[name] + offset
    return moved


def _on_the_wall(state, now):
    """``state`` as of ``now`` on the wall clock: moved back with the clock if it went back since the state was written."""
    if state['stamp'] > now + 1:
        state = _shifted(state, now - state['stamp'])
    elif now - state['stamp'] > IDLE_FORGET:
        hold = state['hold']
        state = _fresh_state()
        state['hold'] = hold if hold > now else 0.0
    state['stamp'] = now
    return state


class SharedFile(object):
    """The budget state in ``folder``/``BUDGET_FILE_PREFIX``<key>.json, changed under an exclusive ``flock``; raises OSError."""

    def __init__(self, key, folder=None):
        self.folder = folder or budget_dir()
        self.path = os.path.join(self.folder, BUDGET_FILE_PREFIX + key + '.json')

    def update(self, change):
        """Read the state, ``change(state)`` it, write it back, all under the lock; returns (state, what ``change`` returned)."""
        if fcntl is None:
            raise OSError('no fcntl.flock on this system')
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, mode=0o700)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if os.fstat(descriptor).st_mode & 0o077:
                os.fchmod(descriptor, 0o600)
            chunks = []
            while True:
                chunk = os.read(descriptor, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
            try:
                state = _valid_state(json.loads(b''.join(chunks).decode('utf-8'))) if chunks else None
            except (ValueError, RecursionError):
                state = None
            state = _on_the_wall(state or _fresh_state(), _api._wall())
            result = change(state)
            data = json.dumps(state, separators=(',', ':')).encode('utf-8')
            os.lseek(descriptor, 0, os.SEEK_SET)
            os.ftruncate(descriptor, 0)
            while data:
                data = data[os.write(descriptor, data):]
            return state, result
        finally:
            # Closing the descriptor releases the lock.
            os.close(descriptor)


class RateBudget(object):
    """The request budget the workers of one task share (and, with ``key``, every process of this controller); thread-safe."""

    def __init__(self, warn=None, key=None, folder=None):
        self.warn = warn
        self._lock = threading.Lock()
        self._shared = SharedFile(key, folder) if key and fcntl is not None else None
        # Per process: the state on the monotonic clock; shared: the last state read from the file, on the wall clock.
        self._state = _fresh_state()
        self._mine = threading.local()
        self._warned = False
        self.waited = 0.0
        self.rate_limited = 0

    @property
    def shared(self):
        """Whether the budget is shared with the other processes of this controller (False after a fallback)."""
        return self._shared is not None

    @property
    def policies(self):
        return [tuple(policy) for policy in self._state['policies']]

    @staticmethod
    def _margin(window):
        # Cloudflare counts a request when it arrives: leave room for the round trip.
        return 0.25 + 0.005 * window

    def _update(self, change):
        """``change(state, now)`` under the budget's lock(s); returns what it returned."""
        with self._lock:
            if self._shared is not None:
                try:
                    state, result = self._shared.update(lambda state: change(state, _api._wall()))
                    self._state = state
                    return result
                except OSError:
                    # Never fail a module for the shared file: go on alone, from the last state read.
                    self._shared = None
                    self._state = _shifted(self._state, _api._clock() - _api._wall())
            return change(self._state, _api._clock())

    def _until(self, state, now):
        """When the next request fits every limit (``now`` or later), and why it must wait (or None)."""
        policies = state['policies']
        longest = max(window for _quota, window in policies)
        horizon = now - longest - self._margin(longest)
        # A moment ahead of now is from a clock that went back: forget it rather than wait for it.
        sent = [moment for moment in state['sent'] if horizon < moment <= now + 1]
        state['sent'] = sent[-int(max(quota for quota, _window in policies)):]
        state['flight'] = [item for item in state['flight'] if now - FLIGHT_TTL < item[1] <= now + 1]
        until, why = now, None
        if state['hold'] > until:
            until, why = state['hold'], RETRY_AFTER_HOLD
        for quota, window in policies:
            recent = [moment for moment in state['sent'] if moment > now - window - self._margin(window)]
            if len(recent) >= quota and recent[len(recent) - quota] + window + self._margin(window) > until:
                until = recent[len(recent) - quota] + window + self._margin(window)
                why = 'the quota of %d requests per %.0f s (Ratelimit-Policy)' % (quota, window)
        if state['left'] is not None and now < state['left_reset'] and self._left_now(state) < 1 and state['left_reset'] > until:
            # Spent, by this controller or by other jobs on the same token: hold until the reset.
            until, why = state['left_reset'], 'the rate-limit window, spent until its reset (Ratelimit)'
        return until, why

    @staticmethod
    def _left_now(state):
        # The requests sent after the one whose answer brought the figure, and those on their way then, may not be in it.
        return state['left'] - (state['seq'] - state['left_seq']) - state['left_extra']

    def acquire(self, client=None, method=None, path=None):
        """Wait until one more request fits the budget; count it as sent.

        With ``client``, every wait counts against its ``api_max_wait``: a wait that cannot fit in
        what is left raises CloudflareError (not sent) at once instead of sleeping.
        """
        while True:
            delay, why, seq = self._update(self._take)
            if delay is None:
                self._mine.seq = seq
                return
            if client is not None and delay > client.max_wait - client.waited:
                raise self._too_long(client, method, path, delay, why)
            if not self._warned and self.warn is not None and delay > 1:
                self._warned = True
                if why == RETRY_AFTER_HOLD:
                    self.warn('Cloudflare API: rate limited (HTTP 429); requests wait %.1f s for %s' % (delay, why))
                else:
                    limits = ', '.join('%d requests per %.0f s' % policy for policy in self.policies)
                    self.warn('Cloudflare API: the rate limit (%s) is nearly spent; requests are paced to stay under it (first '
                              'pause %.1f s, for %s)' % (limits, delay, why))
            with self._lock:
                self.waited += delay
            if client is not None:
                client.waited += delay
            _api._sleep(delay)

    def _take(self, state, now):
        """Count one more request as sent now when it fits: (None, None, its number); else (the wait, why, None)."""
        until, why = self._until(state, now)
        if until <= now:
            state['seq'] += 1
            state['sent'].append(now)
            state['flight'].append([state['seq'], now])
            return None, None, state['seq']
        return until - now, why, None

    @staticmethod
    def _too_long(client, method, path, delay, why):
        left = max(client.max_wait - client.waited, 0.0)
        reason = 'Cloudflare asks to wait %.0f s for %s, more than the %.0f s left of api_max_wait (%.0f s)' % (
            delay, why, left, client.max_wait)
        message = ('Cloudflare API %s %s was not sent: %s; giving up. Raise api_max_wait to wait that long, or run the task '
                   'again later' % (method, path, reason))
        error = CloudflareError(message, method=method, path=path, waited=round(client.waited, 1), reason=reason, not_sent=True)
        # Not sent because the budget holds longer than api_max_wait allows (not a network failure).
        error.held = True
        return error

    def held_for(self):
        """Seconds left of the 429 hold (0 when there is none)."""
        return self._update(lambda state, now: max(0.0, state['hold'] - now))

    def _answered(self, state):
        seq = getattr(self._mine, 'seq', None)
        state['flight'] = [item for item in state['flight'] if item[0] != seq]
        return seq

    def observe(self, status, headers):
        """Learn from one answer: its status and headers (``Ratelimit``, ``Ratelimit-Policy``, ``Retry-After``)."""
        policy = _parse_policy(headers.get('Ratelimit-Policy'))
        parsed = _api._parse_ratelimit(headers.get('Ratelimit'))
        retry_after = _api._retry_after_seconds(headers.get('Retry-After')) if status == 429 else None

        def learn(state, now):
            seq = self._answered(state)
            if seq is None:
                seq = state['seq']
            if policy is not None:
                state['policies'] = [list(item) for item in policy]
            if parsed is not None:
                left, reset = parsed
                reset_at = now + reset
                extra = sum(1 for item in state['flight'] if item[0] < seq)
                figure = dict(left=left, left_seq=seq, left_extra=extra)
                if state['left'] is None or now >= state['left_reset'] or left > state['left'] + len(state['flight']) + 1:
                    # A new window.
                    state.update(figure, left_reset=reset_at)
                else:
                    # t is rounded up, so every answer bounds the reset from above: keep the tightest, and the figure
                    # that leaves the fewest requests now.
                    if left - (state['seq'] - seq) - extra < self._left_now(state):
                        state.update(figure)
                    state['left_reset'] = min(state['left_reset'], reset_at)
            if status == 429:
                state['hold'] = max(state['hold'], now + (retry_after if retry_after is not None else 1.0))

        self._update(learn)
        if status == 429:
            with self._lock:
                self.rate_limited += 1

    def not_answered(self):
        """A request that got no answer (network error): no longer on its way."""
        self._update(lambda state, now: self._answered(state))


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
    budget = client.budget or RateBudget(warn, budget_key(client))
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
