# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""client_certificates' shared rate budget against the local API: no hold past api_max_wait, one 429 waited out once.

The module's sleeps go through the fake clock (``fake_clock.sleeps``): the tests assert the
number and sizes of the waits, never a wall-clock time.
"""

from __future__ import annotations

import pytest

from conftest import TOKEN, ZONE_ID  # pylint: disable=import-error


def _revoke(run_module, ids, **extra):
    return run_module("client_certificates", dict(dict(ids=ids, state="revoked", max_changes=len(ids), api_max_wait=10), **extra))


def test_a_retry_after_beyond_api_max_wait_fails_at_once(local_api, run_module, fake_clock):
    ids = local_api.seed_client_certificates(20)
    local_api.fault(method="DELETE", path="/client_certificates/%s$" % ids[0], count=1, action="status", status=429,
                    retry_after=1000000000, errors=[{"code": 971, "message": "Please wait and consider throttling your request speed"}])
    rc, result = _revoke(run_module, ids, parallel=1)
    assert rc == 1 and "exception" not in result, result
    assert "1000000000 s for the Retry-After of a 429" in result["msg"] and "of api_max_wait (10 s)" in result["msg"], result["msg"]
    assert sum(fake_clock.sleeps) <= 10
    # Nothing is sent during the hold: neither a re-read nor the other revocations.
    assert [entry["method"] for entry in local_api.journal()] == ["GET", "DELETE"]
    assert result["summary"]["failed"] == 20


@pytest.mark.parametrize("rate_limit, spent_elsewhere, asked, revoked", [
    # Another job spent 2 of 3: the listing's answer says Ratelimit: "default";r=0;t=300.
    ({"quota": 3, "window": 300}, 2, "300 s for the rate-limit window, spent until its reset (Ratelimit)", 0),
    # Ratelimit-Policy: "default";q=3;w=1000000000: this run's own requests fill it.
    ({"quota": 3, "window": 1000000000}, 0, " s for the quota of 3 requests per 1000000000 s (Ratelimit-Policy)", 2),
])
def test_a_spent_window_longer_than_api_max_wait_fails_at_once(local_api, run_module, fake_clock, rate_limit, spent_elsewhere, asked,
                                                               revoked):
    ids = local_api.seed_client_certificates(12)
    local_api.configure(rate_limit=rate_limit)
    for _request in range(spent_elsewhere):
        local_api.session.get(local_api.base_url + "/zones/%s/client_certificates" % ZONE_ID, headers={"Authorization": "Bearer " + TOKEN},
                              timeout=30).raise_for_status()
    local_api.control("DELETE", "journal")
    rc, result = _revoke(run_module, ids)
    assert rc == 1 and "exception" not in result, result
    assert asked in result["msg"] and "of api_max_wait (10 s)" in result["msg"], result["msg"]
    assert "(%d revoked)" % revoked in result["msg"]
    assert result["summary"] == {"revoked": revoked, "already_revoked": 0, "not_found": 0, "failed": 12 - revoked}
    assert sum(fake_clock.sleeps) <= 10
    statuses = [entry["status"] for entry in local_api.journal()]
    assert 429 not in statuses and len(statuses) == 1 + revoked


def test_one_429_costs_one_retry_after(local_api, run_module, fake_clock):
    ids = local_api.seed_client_certificates(3)
    local_api.fault(method="DELETE", path="/client_certificates/%s$" % ids[1], count=1, action="status", status=429,
                    retry_after=3, errors=[{"code": 971, "message": "Please wait and consider throttling your request speed"}])
    rc, result = _revoke(run_module, ids, parallel=1, api_max_wait=360)
    assert rc == 0 and result["summary"]["revoked"] == 3, result
    # The re-read waits out the hold; the retry then goes at once: 3 s in all, never 3 + 3.
    assert fake_clock.sleeps == [3.0]
    journal = [(entry["method"], entry["path"].rsplit("/", 1)[-1], entry["status"]) for entry in local_api.journal()]
    limited = journal.index(("DELETE", ids[1], 429))
    assert journal[limited:limited + 3] == [("DELETE", ids[1], 429), ("GET", ids[1], 200), ("DELETE", ids[1], 200)]


# --- module runs of one controller (Ansible's forks, a loop) share the budget -------------------------------------

def _info(run_module, cert_id, **extra):
    return run_module("client_certificate_info", dict(dict(id=cert_id), **extra))


def test_runs_that_spend_the_quota_hold_the_next_run_until_the_reset(local_api, run_module, fake_clock):
    """Four single-request runs (four forks) under a quota of 3 per 300 s: the fourth waits for the window, never a 429."""
    cert_id = local_api.seed_client_certificates(1)[0]
    local_api.configure(rate_limit={"quota": 3, "window": 300})
    for _run in range(4):
        rc, result = _info(run_module, cert_id)
        assert rc == 0 and result["client_certificates"][0]["id"] == cert_id, result
    assert [entry["status"] for entry in local_api.journal()] == [200] * 4
    # The first three went at once; the fourth waited for the window to pass (plus a margin for the network).
    assert len(fake_clock.sleeps) == 1 and 300 <= fake_clock.sleeps[0] < 305, fake_clock.sleeps


def test_a_429_seen_by_one_run_holds_the_next_run(local_api, run_module, fake_clock):
    cert_id = local_api.seed_client_certificates(1)[0]
    local_api.fault(method="GET", path="/client_certificates/%s$" % cert_id, count=1, action="status", status=429, retry_after=30,
                    errors=[{"code": 971, "message": "Please wait and consider throttling your request speed"}])
    rc, result = _info(run_module, cert_id, api_retries=0)
    assert rc == 1 and result["api_error"]["status"] == 429, result
    assert fake_clock.sleeps == []
    # Another fork, a moment later: it waits out what is left of the hold before its first request.
    rc, result = _info(run_module, cert_id)
    assert rc == 0, result
    assert fake_clock.sleeps == [30.0]
    assert [entry["status"] for entry in local_api.journal()] == [429, 200]
