# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server clock and Cloudflare's asynchronous status transitions.

Cloudflare moves a certificate from ``pending_revocation`` to ``revoked`` (and the like)
minutes after the call that started it. Here every pending object records the status it
will reach and when; whoever reads it next settles it against the server clock. Tests
advance the clock (``POST /__control/clock``) instead of sleeping.
"""

from __future__ import annotations

import datetime
import threading
import time


class ServerClock:
    """Wall time plus an offset that only moves forward."""

    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset += seconds
            return time.time() + self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset


def to_datetime(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)


def iso_seconds(moment: float | datetime.datetime) -> str:
    """``2023-02-23T23:18:00Z``: how Cloudflare writes certificate validity dates."""
    if not isinstance(moment, datetime.datetime):
        moment = to_datetime(moment)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(moment: float) -> str:
    """``2019-10-28T18:11:23.374110Z``: how Cloudflare writes upload and update times."""
    return to_datetime(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Transitioning:
    """State shared by everything that has a status Cloudflare changes later."""

    def __init__(self, status: str, now: float):
        self.status = status
        self.updated_at = now
        self.next_status: str | None = None
        self.transition_at: float | None = None

    def schedule(self, status_now: str, status_later: str, now: float, delay: float) -> None:
        """Enter ``status_now`` at once and ``status_later`` after ``delay`` seconds.

        A delay of 0 means the later status is what the next read sees; the answer to the
        call that started the transition still shows ``status_now``, as Cloudflare's does.
        """
        self.status = status_now
        self.updated_at = now
        self.next_status = status_later
        self.transition_at = now + delay

    def settle(self, now: float) -> None:
        if self.next_status is not None and self.transition_at is not None and now >= self.transition_at:
            self.status = self.next_status
            self.updated_at = self.transition_at
            self.next_status = None
            self.transition_at = None
