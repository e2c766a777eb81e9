# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import WaitTimeout, wait_for


def _statuses(*values):
    sequence = list(values)
    return lambda: {'status': sequence.pop(0) if len(sequence) > 1 else sequence[0]}


def _status(current):
    return current['status']


def test_returns_once_the_state_is_reached_with_growing_polls(make_client, clock):
    read = _statuses('pending_revocation', 'pending_revocation', 'pending_revocation', 'revoked')
    result = wait_for(make_client(), read, lambda c: c['status'] == 'revoked', _status, 'revoked', timeout=60)
    assert result == {'status': 'revoked'}
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_times_out_with_the_last_status(make_client, clock):
    read = _statuses('pending_deployment')
    with pytest.raises(WaitTimeout) as caught:
        wait_for(make_client(), read, lambda c: c['status'] == 'active', _status, 'status active', timeout=30)
    assert 'timed out after 30 s waiting for status active; the last status seen was pending_deployment' in str(caught.value)
    assert sum(clock.sleeps) == pytest.approx(30.0)
    assert max(clock.sleeps) <= 10.0


def test_a_failure_state_stops_waiting(make_client, clock):
    read = _statuses('pending_deployment', 'deployment_timed_out')

    def failure(current):
        return 'deployment timed out at Cloudflare' if current['status'].endswith('_timed_out') else None
    with pytest.raises(CloudflareError, match='deployment timed out at Cloudflare'):
        wait_for(make_client(), read, lambda c: c['status'] == 'active', _status, 'active', timeout=60, failure=failure)
    assert clock.sleeps == [1.0]
