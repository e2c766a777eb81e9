# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The codes the live API was seen to answer in 2026 (tools/local_cloudflare/README.md), module by module.

Each code is served by the local API (a variant, or a fault carrying the code where the
answer stands for a race with someone else), and each test holds the module's outcome:
1407 reads as revoked, 1414 as deleted, 1551/1552 as not found, 1553 as no association;
1433 explains the associations; 1434 and 1406 (old copy pending_deletion) are waited out
within the budget, then fail naming it.
"""

from __future__ import annotations

import pytest

from fault_cases import (HOSTNAME, HOSTNAME_CERTIFICATES, api, associate, client_certificate_status,
                         hostname_certificate_status, upload)

BUDGET = dict(api_retries=2, api_max_wait=60, api_timeout=10)
FOREVER = 10 ** 7


def _codes(result):
    return [item.get("code") for item in (result.get("api_error") or {}).get("errors") or []]


def _warnings(result):
    return " ".join(str(item) for item in result.get("warnings") or [])


# ---- 1407: revoking a client certificate already revoked ------------------------------------

@pytest.mark.parametrize("module, args", [
    ("client_certificate", lambda ids: dict(id=ids[0], state="revoked")),
    ("client_certificates", lambda ids: dict(ids=ids, state="revoked")),
])
def test_1407_from_a_revoke_that_raced_another_reads_as_revoked(local_api, run_module, module, args):
    ids = local_api.seed_client_certificates(1)
    # Someone else revoked it between the module's read and its DELETE: Cloudflare answers 1407.
    local_api.fault(method="DELETE", path="/client_certificates/%s$" % ids[0], action="status", status=400, after_apply=True,
                    errors=[{"code": 1407, "message": "already deleted"}])
    rc, result = run_module(module, dict(BUDGET, **args(ids)))
    assert rc == 0, result.get("msg")
    assert result["changed"] is False
    assert client_certificate_status(local_api.app, ids[0]) in ("pending_revocation", "revoked")


def test_1407_that_the_read_does_not_confirm_fails_without_claiming_a_revocation(local_api, run_module):
    certificate_id = local_api.seed_client_certificates(1)[0]
    local_api.fault(method="DELETE", path="/client_certificates/%s$" % certificate_id, action="status", status=400,
                    errors=[{"code": 1407, "message": "already deleted"}])
    rc, result = run_module("client_certificate", dict(BUDGET, id=certificate_id, state="revoked"))
    assert rc == 1 and result["changed"] is False
    assert "1407" in result["msg"] and "a new read does not show" in result["msg"]
    assert client_certificate_status(local_api.app, certificate_id) == "active"


def test_1407_on_the_retry_after_a_lost_answer_reads_as_revoked_by_this_run(local_api, run_module):
    local_api.configure(variants={"revoked_client_certificate": "400_1407"})
    certificate_id = local_api.seed_client_certificates(1)[0]
    path = "/client_certificates/%s$" % certificate_id
    # The first DELETE's answer is a 502 before it was carried out; the resend lands on a certificate revoked meanwhile.
    local_api.fault(method="DELETE", path=path, action="status", status=502)
    local_api.fault(method="DELETE", path=path, action="status", status=400, after_apply=True,
                    errors=[{"code": 1407, "message": "already deleted"}])
    rc, result = run_module("client_certificate", dict(BUDGET, id=certificate_id, state="revoked"))
    assert rc == 0, result.get("msg")
    assert result["changed"] is True and "applied" in _warnings(result)
    assert client_certificate_status(local_api.app, certificate_id) in ("pending_revocation", "revoked")


def test_the_1407_variant_leaves_a_second_revoke_idempotent(local_api, run_module):
    local_api.configure(variants={"revoked_client_certificate": "400_1407"})
    certificate_id = local_api.seed_client_certificates(1, status="revoked")[0]
    rc, result = run_module("client_certificates", dict(BUDGET, ids=[certificate_id], state="revoked"))
    assert rc == 0 and result["changed"] is False
    assert not local_api.writes()


# ---- 1433: deleting a hostname certificate still in use -------------------------------------

def test_1433_explains_the_associations_and_names_the_detach_options(local_api, run_module):
    certificate_id = upload(local_api)
    associate(local_api, certificate_id, True)
    rc, result = run_module("hostname_certificate", dict(BUDGET, id=certificate_id, state="absent"))
    assert rc == 1 and result["changed"] is False
    assert _codes(result) == [1433]
    assert "because hostnames are still associated with it (1433" in result["msg"]
    assert "detach_hostnames" in result["msg"] and "hostname_association state=absent" in result["msg"]
    assert "Hint: the hostname certificate is still in use" in result["msg"]
    # The fix the message names: detach, then delete.
    rc, result = run_module("hostname_certificate", dict(BUDGET, id=certificate_id, state="absent", detach_hostnames=[HOSTNAME]))
    assert rc == 0 and result["changed"] is True and result["detached_hostnames"] == [HOSTNAME]
    assert hostname_certificate_status(local_api.app, certificate_id) == "pending_deletion"


# ---- 1434: deleting right after the upload ---------------------------------------------------

@pytest.mark.parametrize("wait", [False, True])
def test_1434_is_waited_out_and_the_delete_sent_again(local_api, run_module, fake_clock, wait):
    local_api.configure(variants={"hostname_certificate_deploying": "400_1434"})
    certificate_id = upload(local_api)
    rc, result = run_module("hostname_certificate", dict(BUDGET, id=certificate_id, state="absent", wait=wait, wait_timeout=60))
    assert rc == 0, result.get("msg")
    assert result["changed"] is True
    assert "1434" in _warnings(result)
    assert hostname_certificate_status(local_api.app, certificate_id) == ("deleted" if wait else "pending_deletion")
    deletes = [entry["status"] for entry in local_api.writes() if entry["method"] == "DELETE"]
    assert deletes[0] == 400 and deletes[-1] == 200
    assert sum(fake_clock.sleeps) < 60


@pytest.mark.parametrize("wait, option, budget", [(False, "api_max_wait", 20), (True, "wait_timeout", 15)])
def test_1434_past_the_budget_fails_naming_it(local_api, run_module, fake_clock, wait, option, budget):
    local_api.configure(variants={"hostname_certificate_deploying": "400_1434"}, delays={"deployment": FOREVER})
    certificate_id = upload(local_api)
    args = dict(BUDGET, id=certificate_id, state="absent", wait=wait)
    args[option] = budget
    rc, result = run_module("hostname_certificate", args)
    assert rc == 1 and result["changed"] is False
    assert "pending_deployment" in result["msg"] and option in result["msg"] and "1434" in result["msg"]
    assert "associated" not in result["msg"]
    assert sum(fake_clock.sleeps) <= budget + 1
    assert hostname_certificate_status(local_api.app, certificate_id) == "pending_deployment"


# ---- 1414: already being deleted -------------------------------------------------------------

def test_1414_from_a_delete_that_raced_another_reads_as_deleted(local_api, run_module):
    local_api.configure(variants={"hostname_certificate_deleting": "400_1414"})
    certificate_id = upload(local_api)
    local_api.fault(method="DELETE", path="/certificates/%s$" % certificate_id, action="status", status=400, after_apply=True,
                    errors=[{"code": 1414, "message": "pending deletion"}])
    rc, result = run_module("hostname_certificate", dict(BUDGET, id=certificate_id, state="absent"))
    assert rc == 0, result.get("msg")
    assert result["changed"] is False and result["hostname_certificate"]["status"] == "pending_deletion"


# ---- 1551 / 1552: hostname certificate not found ---------------------------------------------

@pytest.mark.parametrize("variant", ["400_1551", "400_1552", "404_1551", "404_1552"])
def test_1551_and_1552_read_as_not_found(local_api, run_module, variant):
    local_api.configure(variants={"deleted_hostname_certificate": variant}, delays={"deletion": 2})
    rc, result = run_module("hostname_certificate", dict(BUDGET, id="0" * 32, state="absent"))
    assert rc == 0, result.get("msg")
    assert result["changed"] is False and result["hostname_certificate"] is None
    rc, result = run_module("hostname_certificate_info", dict(BUDGET, id="0" * 32))
    assert rc == 0, result.get("msg")
    # A wait for the deletion ends when the certificate answers "not found".
    certificate_id = upload(local_api)
    local_api.app.clock.advance(2)
    rc, result = run_module("hostname_certificate", dict(BUDGET, id=certificate_id, state="absent", wait=True, wait_timeout=60))
    assert rc == 0, result.get("msg")
    assert result["changed"] is True and result["hostname_certificate"]["status"] == "deleted"


def test_a_delete_answered_1551_is_decided_by_a_read(local_api, run_module):
    certificate_id = upload(local_api)
    local_api.fault(method="DELETE", path="/certificates/%s$" % certificate_id, action="status", status=400, after_apply=True,
                    errors=[{"code": 1551, "message": "not found"}])
    rc, result = run_module("hostname_certificate", dict(BUDGET, id=certificate_id, state="absent"))
    assert rc == 0, result.get("msg")
    assert result["changed"] is False


# ---- 1553: a hostname never configured ---------------------------------------------------------

def test_1553_reads_as_no_association(local_api, run_module):
    local_api.configure(variants={"removed_association": "404_1553"})
    certificate_id = upload(local_api)
    rc, result = run_module("hostname_association", dict(BUDGET, hostnames=[HOSTNAME], certificate_id=certificate_id, state="absent"))
    assert rc == 0 and result["changed"] is False
    rc, result = run_module("hostname_association", dict(BUDGET, hostnames=[HOSTNAME], certificate_id=certificate_id, state="enabled"))
    assert rc == 0 and result["changed"] is True
    rc, result = run_module("hostname_certificate_info", dict(BUDGET, hostnames=["never.example.com"]))
    assert rc == 0, result.get("msg")


# ---- 1406: the same certificate while its old copy is pending_deletion ------------------------------

def _material(local_api):
    bundle = local_api.material("hostname_certificate", "origin-again.example.com")
    old = api(local_api, "POST", HOSTNAME_CERTIFICATES, {"certificate": bundle["certificate"], "private_key": bundle["private_key"]})
    api(local_api, "DELETE", HOSTNAME_CERTIFICATES + "/" + old["id"])
    local_api.control("DELETE", "journal")
    return bundle, old["id"]


def test_1406_while_the_old_copy_is_pending_deletion_is_waited_out(local_api, run_module, fake_clock):
    local_api.configure(delays={"deletion": 10})
    bundle, old_id = _material(local_api)
    rc, result = run_module("hostname_certificate", dict(BUDGET, certificate=bundle["certificate"], private_key=bundle["private_key"]))
    assert rc == 0, result.get("msg")
    assert result["changed"] is True and "1406" in _warnings(result)
    # Cloudflare gives the old id back.
    assert result["hostname_certificate"]["id"] == old_id
    assert hostname_certificate_status(local_api.app, old_id) == "pending_deployment"
    posts = [entry["status"] for entry in local_api.writes() if entry["method"] == "POST"]
    assert posts[0] == 400 and posts[-1] == 200
    assert sum(fake_clock.sleeps) < 60


def test_1406_in_check_mode_predicts_the_upload(local_api, run_module):
    local_api.configure(delays={"deletion": 10})
    bundle, _old_id = _material(local_api)
    rc, result = run_module("hostname_certificate", dict(BUDGET, certificate=bundle["certificate"], private_key=bundle["private_key"]),
                            check_mode=True)
    assert rc == 0 and result["changed"] is True
    assert not local_api.writes()


def test_1406_past_the_budget_fails_naming_it(local_api, run_module, fake_clock):
    local_api.configure(delays={"deletion": FOREVER})
    bundle, old_id = _material(local_api)
    rc, result = run_module("hostname_certificate", dict(BUDGET, certificate=bundle["certificate"], private_key=bundle["private_key"],
                                                         api_max_wait=20))
    assert rc == 1 and result["changed"] is False
    assert "pending_deletion" in result["msg"] and "api_max_wait" in result["msg"] and "1406" in result["msg"]
    assert sum(fake_clock.sleeps) <= 21
    assert hostname_certificate_status(local_api.app, old_id) == "pending_deletion"


# ---- 403 on a read: the hint names the Read permission -------------------------------------------

def test_a_refused_read_hints_the_read_permission(local_api, run_module):
    local_api.fault(method="GET", path="/client_certificates", action="status", status=403, errors=[{"code": 9109, "message": "Invalid access token"}])
    rc, result = run_module("client_certificate_info", dict(BUDGET))
    assert rc == 1
    assert "SSL and Certificates Read" in result["msg"] and "Write" not in result["msg"]
