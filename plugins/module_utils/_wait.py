# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Waiting for Cloudflare's asynchronous states (pending_* -> final)."""

from __future__ import annotations

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

FIRST_INTERVAL = 1.0
MAX_INTERVAL = 10.0


class WaitTimeout(CloudflareError):
    """The wanted state was not reached within wait_timeout; ``last`` is what was seen last."""

    def __init__(self, message, last=None):
        super(WaitTimeout, self).__init__(message)
        self.last = last


def wait_for(client, read, is_done, describe, wanted, timeout, failure=None):
    """Poll ``read()`` until ``is_done(current)``; return the last value read.

    ``read`` returns the current object (or None when it is gone); ``failure(current)``
    returns a message when the object reached a state it cannot leave (``*_timed_out``);
    ``describe(current)`` names the state for messages. Polls start at 1 s and back off to 10 s,
    using the client's clock and sleep so tests need not wait.
    """
    deadline = client.clock() + timeout
    interval = FIRST_INTERVAL
    while True:
        current = read()
        if is_done(current):
            return current
        if failure is not None:
            message = failure(current)
            if message:
                raise CloudflareError(message)
        remaining = deadline - client.clock()
        if remaining <= 0:
            raise WaitTimeout('timed out after %d s waiting for %s; the last status seen was %s (raise wait_timeout to wait longer)'
                              % (timeout, wanted, describe(current)), last=current)
        client.sleep(min(interval, remaining))
        interval = min(interval * 2, MAX_INTERVAL)
