# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""client_certificates against the local API: the requests a bulk revocation costs, the rate budget, waiting by listing."""

from __future__ import annotations

from fault_cases import CLIENT_CERTIFICATES


def _methods(journal):
    return [entry["method"] for entry in journal]


def test_revoking_fifty_by_id_costs_one_page_and_fifty_deletes(local_api, run_module):
    ids = local_api.seed_client_certificates(50)
    local_api.control("DELETE", "journal")
    rc, result = run_module("client_certificates", dict(ids=ids, state="revoked", max_changes=50))
    assert rc == 0 and result["changed"] is True, result
    assert result["summary"] == {"revoked": 50, "already_revoked": 0, "not_found": 0, "failed": 0}
    journal = local_api.journal()
    assert _methods(journal).count("GET") == 1 and _methods(journal).count("DELETE") == 50
    rc, again = run_module("client_certificates", dict(ids=ids, state="revoked", max_changes=50))
    assert rc == 0 and again["changed"] is False and again["summary"]["already_revoked"] == 50


def test_waiting_polls_the_pending_listing_not_each_certificate(local_api, run_module):
    ids = local_api.seed_client_certificates(60)
    local_api.control("DELETE", "journal")
    rc, result = run_module("client_certificates", dict(all=True, state="revoked", max_changes=60, wait=True))
    assert rc == 0 and result["changed"] is True, result
    assert set(entry["status"] for entry in result["certificates"]) == {"revoked"}
    gets = [entry for entry in local_api.journal() if entry["method"] == "GET"]
    # Two pages to read, then two pages of pending_revocation at 1 s, then one (empty) page at 3 s.
    assert [entry["query"].get("status") for entry in gets] == [None, None, "pending_revocation", "pending_revocation", "pending_revocation"]
    assert len(ids) == 60


def test_the_guard_refuses_and_lists_what_would_be_revoked(local_api, run_module):
    ids = local_api.seed_client_certificates(12)
    local_api.control("DELETE", "journal")
    rc, result = run_module("client_certificates", dict(ids=ids, state="revoked"))
    assert rc == 1 and result["changed"] is False
    assert "12 client certificates would be revoked, more than max_changes (10)" in result["msg"]
    assert sorted(result["would_change"]) == sorted(ids)
    assert not local_api.writes()


def test_check_mode_lists_exactly_what_would_be_revoked(local_api, run_module):
    ids = local_api.seed_client_certificates(3)
    revoked = local_api.seed_client_certificates(1, status="revoked")
    local_api.control("DELETE", "journal")
    rc, result = run_module("client_certificates", dict(ids=ids + revoked + ["0" * 32], state="revoked"), check_mode=True)
    assert rc == 0 and result["changed"] is True
    outcomes = dict((entry["id"], entry["outcome"]) for entry in result["certificates"])
    assert outcomes == dict([(key, "revoked") for key in ids] + [(revoked[0], "already_revoked"), ("0" * 32, "not_found")])
    assert not local_api.writes()


def test_the_quota_is_never_exceeded(local_api, run_module):
    local_api.configure(rate_limit={"quota": 30, "window": 10})
    ids = local_api.seed_client_certificates(100)
    local_api.control("DELETE", "journal")
    rc, result = run_module("client_certificates", dict(ids=ids, state="revoked", max_changes=100, parallel=8))
    assert rc == 0 and result["summary"]["revoked"] == 100, result
    statuses = [entry["status"] for entry in local_api.journal()]
    assert 429 not in statuses and len(statuses) == 102
    assert CLIENT_CERTIFICATES


def test_a_single_revocation_with_wait_costs_no_needless_read(local_api, run_module, fake_clock):
    # Cloudflare's own default here: 2 s from pending_revocation to revoked.
    certificate_id = local_api.seed_client_certificates(1)[0]
    local_api.control("DELETE", "journal")
    rc, result = run_module("client_certificate", dict(id=certificate_id, state="revoked", wait=True))
    assert rc == 0 and result["client_certificate"]["status"] == "revoked"
    # The read, the DELETE (its answer starts the wait), then polls at 1 s and 2 s: seen at 2 s, not 3 s.
    assert _methods(local_api.journal()) == ["GET", "DELETE", "GET", "GET"]
    assert fake_clock.sleeps == [1.0, 1.0]
