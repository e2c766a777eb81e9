# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rate budget: processes of one controller share it through a locked file; every hold counts against api_max_wait."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils import _api, _pool
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

POLICY = {'Ratelimit-Policy': '"default";q=3;w=60'}
KEY = 'a' * 64


class WouldSleep(Exception):
    pass


def _refuse_to_sleep(seconds):
    raise WouldSleep(seconds)


def _in_another_process(target, *args):
    """Run ``target(*args)`` in a forked process; what it returned (or the exception it raised, as text)."""
    context = multiprocessing.get_context('fork')
    queue = context.Queue()

    def run():
        try:
            queue.put(('ok', target(*args)))
        except BaseException as error:  # pylint: disable=broad-exception-caught
            queue.put(('error', '%s: %s' % (type(error).__name__, error)))

    process = context.Process(target=run)
    process.start()
    outcome = queue.get(timeout=60)
    process.join(60)
    assert process.exitcode == 0
    return outcome


def _acquire_once(folder, key):
    """In another process: acquire once; the wait it would need (0 when it may send at once)."""
    _api._sleep = _refuse_to_sleep
    budget = _pool.RateBudget(key=key, folder=folder)
    try:
        budget.acquire()
    except WouldSleep as wait:
        return wait.args[0]
    return 0.0


def _rate_limited(folder, key, retry_after):
    budget = _pool.RateBudget(key=key, folder=folder)
    budget.acquire()
    budget.observe(429, {'Retry-After': str(retry_after)})
    return budget.rate_limited


def test_two_processes_share_one_budget(tmp_path):
    folder = str(tmp_path)
    budget = _pool.RateBudget(key=KEY, folder=folder)
    for _request in range(3):
        budget.acquire()
        budget.observe(200, POLICY)
    # This process spent the quota of 3 per 60 s: another process with the same key waits for the window.
    status, wait = _in_another_process(_acquire_once, folder, KEY)
    assert status == 'ok' and 59 < wait < 62
    # Another credential (another key) has a budget of its own.
    assert _in_another_process(_acquire_once, folder, 'b' * 64) == ('ok', 0.0)


def test_a_429_in_one_process_holds_the_others(tmp_path):
    folder = str(tmp_path)
    assert _in_another_process(_rate_limited, folder, KEY, 30) == ('ok', 1)
    budget = _pool.RateBudget(key=KEY, folder=folder)
    assert 29 < budget.held_for() <= 30
    assert _pool.RateBudget(key='c' * 64, folder=folder).held_for() == 0


def test_the_file_is_named_by_a_hash_and_holds_no_credential(make_client, tmp_path):
    token = 'tok-SECRET-1234567890-abcdef'
    client = make_client(api_token=token)
    budget = _pool.RateBudget(key=_pool.budget_key(client), folder=str(tmp_path / 'budget'))
    budget.acquire()
    budget.observe(200, {'Ratelimit': '"default";r=1199;t=300', 'Ratelimit-Policy': '"default";q=1200;w=300'})
    (path,) = (tmp_path / 'budget').iterdir()
    assert token not in path.name and 'SECRET' not in path.name and token not in path.read_text()
    assert path.name == _pool.BUDGET_FILE_PREFIX + _pool.budget_key(client) + '.json'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / 'budget').stat().st_mode) == 0o700
    # Another token, another API: other files.
    assert _pool.budget_key(make_client(api_token=token + 'x')) != _pool.budget_key(client)
    assert _pool.budget_key(make_client(api_token=token, api_base_url='https://127.0.0.1:8443/client/v4')) != _pool.budget_key(client)


def test_the_budget_folder_comes_from_the_environment(make_client, budget_dir):
    client = make_client()
    budget = _pool.RateBudget(key=_pool.budget_key(client))
    budget.acquire()
    assert [path.name for path in budget_dir.iterdir()] == [_pool.BUDGET_FILE_PREFIX + _pool.budget_key(client) + '.json']


def test_the_default_folder_is_the_users_ansible_temp(monkeypatch, tmp_path):
    monkeypatch.delenv(_pool.BUDGET_DIR_ENV)
    monkeypatch.setenv('HOME', str(tmp_path))
    assert _pool.budget_dir() == os.path.join(str(tmp_path), '.ansible', 'tmp')


def _paced_alone(budget, clock):
    """Three requests fill a quota of 3 per 60 s; the fourth waits for the window, per process."""
    for _request in range(3):
        budget.acquire()
        budget.observe(200, POLICY)
    started = clock.now
    budget.acquire()
    return clock.now - started


def _patch_clock(monkeypatch, clock):
    monkeypatch.setattr(_api, '_sleep', clock.sleep)
    monkeypatch.setattr(_api, '_clock', clock.monotonic)
    monkeypatch.setattr(_api, '_wall', clock.wall)


def test_a_folder_that_cannot_be_used_falls_back_to_pacing_alone(monkeypatch, clock, tmp_path):
    _patch_clock(monkeypatch, clock)
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a folder')
    budget = _pool.RateBudget(key=KEY, folder=str(blocker / 'budget'))
    assert budget.shared
    assert _paced_alone(budget, clock) == pytest.approx(60 + budget._margin(60))
    assert not budget.shared


def test_a_lock_that_fails_midway_falls_back_with_what_was_known(monkeypatch, clock, tmp_path):
    _patch_clock(monkeypatch, clock)
    budget = _pool.RateBudget(key=KEY, folder=str(tmp_path))
    for _request in range(3):
        budget.acquire()
        budget.observe(200, POLICY)

    def broken(descriptor, operation):
        raise OSError(37, 'No locks available')

    monkeypatch.setattr(_pool.fcntl, 'flock', broken)
    started = clock.now
    budget.acquire()
    # The three requests sent while the file worked still count: the fourth waits for the window.
    assert not budget.shared and clock.now - started == pytest.approx(60 + budget._margin(60))


def test_a_torn_file_starts_afresh(monkeypatch, clock, tmp_path):
    _patch_clock(monkeypatch, clock)
    path = tmp_path / (_pool.BUDGET_FILE_PREFIX + KEY + '.json')
    for text in ('{"policies": [[3, 60', '[]', '{"policies": "x"}', '\x00\xff'):
        path.write_text(text)
        budget = _pool.RateBudget(key=KEY, folder=str(tmp_path))
        budget.acquire()
        assert budget.shared and clock.sleeps == []


def test_a_wall_clock_that_went_back_does_not_stretch_a_hold(monkeypatch, clock, tmp_path):
    _patch_clock(monkeypatch, clock)
    budget = _pool.RateBudget(key=KEY, folder=str(tmp_path))
    budget.acquire()
    budget.observe(429, {'Retry-After': '20'})
    # The wall clock goes back an hour (the monotonic one never does).
    monkeypatch.setattr(_api, '_wall', lambda: clock.wall() - 3600)
    assert budget.held_for() == pytest.approx(20)


def test_a_budget_idle_for_long_is_forgotten_but_not_its_hold(monkeypatch, clock, tmp_path):
    _patch_clock(monkeypatch, clock)
    budget = _pool.RateBudget(key=KEY, folder=str(tmp_path))
    for _request in range(3):
        budget.acquire()
        budget.observe(200, {'Ratelimit-Policy': '"default";q=3;w=1000000'})
    budget.observe(429, {'Retry-After': '100000'})
    clock.now += _pool.IDLE_FORGET + 1
    later = _pool.RateBudget(key=KEY, folder=str(tmp_path))
    assert later.held_for() == pytest.approx(100000 - _pool.IDLE_FORGET - 1)
    # The quota learned then (3 per 10^6 s) is forgotten: the default is kept until Cloudflare says it again.
    assert later.policies == [(_pool.DEFAULT_QUOTA, _pool.DEFAULT_WINDOW)]


# --- every hold counts against api_max_wait --------------------------------------------------------------

@pytest.mark.parametrize('headers, asked', [
    ({'Retry-After': '1000000000'}, '1000000000 s for the Retry-After of a 429'),
    ({'Ratelimit': '"default";r=0;t=300'}, '300 s for the rate-limit window, spent until its reset'),
    ({'Ratelimit-Policy': '"default";q=1;w=1000000000'}, ' s for the quota of 1 requests per 1000000000 s (Ratelimit-Policy)'),
])
def test_a_hold_longer_than_api_max_wait_fails_at_once(make_client, clock, headers, asked):
    client = make_client(api_max_wait=10)
    budget = _pool.RateBudget(key=_pool.budget_key(client))
    budget.acquire(client, 'GET', '/x')
    budget.observe(429 if 'Retry-After' in headers else 200, headers)
    with pytest.raises(CloudflareError) as raised:
        budget.acquire(client, 'DELETE', '/zones/z/client_certificates/c')
    assert clock.sleeps == []
    error = raised.value
    assert error.not_sent and error.held and not error.retryable and error.method == 'DELETE'
    assert asked in error.message and 'more than the 10 s left of api_max_wait' in error.message, error.message


def test_holds_add_up_against_api_max_wait(make_client, clock):
    client = make_client(api_max_wait=10)
    budget = _pool.RateBudget(key=_pool.budget_key(client))
    budget.acquire(client, 'GET', '/x')
    budget.observe(429, {'Retry-After': '6'})
    budget.acquire(client, 'GET', '/x')
    assert clock.sleeps == [6.0] and client.waited == 6.0
    budget.observe(429, {'Retry-After': '6'})
    with pytest.raises(CloudflareError, match=r'6 s for the Retry-After of a 429 \(rate limited\), more than the 4 s left of api_max_wait'):
        budget.acquire(client, 'GET', '/x')
    assert clock.sleeps == [6.0]
