# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault kinds a fault matrix needs: odd 200 answers, and timeouts that land at once, late or never.

Each kind is checked twice: without ``after_apply`` the write is not carried out, with it the
write is carried out and only the answer is odd.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from local_api_helpers import make_csr, zone_path

LIST = zone_path("/client_certificates")
CLIENT_TIMEOUT = 0.2
SERVER_DELAY = 0.6


def issue(api, csr, timeout=None):
    body = {"csr": csr, "validity_days": 30}
    if timeout is None:
        return api.post(LIST, json=body, validate=False)
    return api.session.post(api.base_url + LIST, json=body, headers=api.auth_headers, timeout=timeout)


def issued_from(api, csr):
    return [item for item in api.get(LIST).json()["result"] if item["csr"] == csr]


def write_entries(api):
    return [entry for entry in api.journal() if entry["method"] != "GET"]


def add_fault(api, **spec):
    return api.control("POST", "faults", dict(method="POST", path="/client_certificates$", **spec))["faults"][0]


@pytest.mark.parametrize("after_apply", [False, True], ids=["before_apply", "after_apply"])
def test_result_null(api, after_apply):
    add_fault(api, action="result_null", after_apply=after_apply)
    csr = make_csr("result-null")
    response = issue(api, csr)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.json() == {"success": True, "errors": [], "messages": [], "result": None}
    assert len(issued_from(api, csr)) == (1 if after_apply else 0)
    entry = write_entries(api)[0]
    assert entry["fault"] == "result_null" and entry["status"] == 200
    assert ("applied_status" in entry) is after_apply


@pytest.mark.parametrize("after_apply", [False, True], ids=["before_apply", "after_apply"])
def test_empty_body(api, after_apply):
    add_fault(api, action="empty_body", after_apply=after_apply)
    csr = make_csr("empty-body")
    response = issue(api, csr)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "0" and response.content == b""
    assert len(issued_from(api, csr)) == (1 if after_apply else 0)


def test_truncated_after_apply_cuts_the_real_answer(api):
    add_fault(api, action="truncated", after_apply=True)
    csr = make_csr("truncated")
    response = issue(api, csr)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(response.content)
    issued = issued_from(api, csr)
    assert len(issued) == 1
    # The cut text is the first half of the answer the certificate was issued with (a GET answers the same).
    whole = json.dumps(api.get(LIST + "/" + issued[0]["id"]).json()).encode("utf-8")
    assert response.content == whole[:len(whole) // 2]
    assert write_entries(api)[0]["applied_status"] == 200


def test_truncated_after_apply_keeps_the_real_status(api):
    # An error answer (no CSR) is cut too, with its own status.
    add_fault(api, action="truncated", after_apply=True)
    response = api.post(LIST, json={"validity_days": 30}, validate=False)
    assert response.status_code == 400
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_truncated_before_apply_issues_nothing(api):
    add_fault(api, action="truncated")
    csr = make_csr("truncated-before")
    response = issue(api, csr)
    assert response.status_code == 200
    assert response.content == json.dumps({"success": True, "errors": [], "messages": [], "result": None}).encode()[:len(response.content)]
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert issued_from(api, csr) == []


@pytest.mark.parametrize("status", [200, 502])
@pytest.mark.parametrize("after_apply", [False, True], ids=["before_apply", "after_apply"])
def test_bad_body_with_any_status(api, status, after_apply):
    add_fault(api, action="bad_body", status=status, after_apply=after_apply)
    csr = make_csr("bad-body")
    response = issue(api, csr)
    assert response.status_code == status and response.headers["Content-Type"] == "text/html"
    assert response.content.startswith(b"<!DOCTYPE html>")
    assert len(issued_from(api, csr)) == (1 if after_apply else 0)


def test_success_false_after_apply(api):
    add_fault(api, action="success_false", after_apply=True)
    csr = make_csr("success-false")
    response = issue(api, csr)
    assert response.status_code == 200 and response.json()["success"] is False
    assert len(issued_from(api, csr)) == 1


def timed_out_issue(api, csr):
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        issue(api, csr, timeout=CLIENT_TIMEOUT)
    assert time.monotonic() - started < SERVER_DELAY


def test_timeout_that_never_lands(api):
    add_fault(api, action="timeout", delay=SERVER_DELAY)
    csr = make_csr("never-lands")
    timed_out_issue(api, csr)
    assert api.control("POST", "wait_idle", {"timeout": 5}) == {"idle": True, "in_flight": 0}
    assert issued_from(api, csr) == []
    entry = write_entries(api)[0]
    assert entry["fault"] == "timeout" and entry["status"] is None and "applied_status" not in entry


def test_timeout_after_apply_lands_at_once(api):
    add_fault(api, action="timeout", delay=SERVER_DELAY, after_apply=True)
    csr = make_csr("lands-at-once")
    timed_out_issue(api, csr)
    # Before the server's sleep ends, the certificate is already there.
    assert len(issued_from(api, csr)) == 1
    assert api.control("POST", "wait_idle", {"timeout": 5})["idle"] is True
    entry = write_entries(api)[0]
    assert entry["fault"] == "timeout" and entry["status"] is None and entry["applied_status"] == 200


def test_timeout_that_lands_late(api):
    add_fault(api, action="timeout", delay=SERVER_DELAY, lands_late=True)
    csr = make_csr("lands-late")
    timed_out_issue(api, csr)
    # The client gave up and reads: nothing yet ...
    assert issued_from(api, csr) == []
    assert api.control("POST", "wait_idle", {"timeout": 5})["idle"] is True
    # ... but the write lands once the server's sleep is over.
    assert len(issued_from(api, csr)) == 1
    entry = write_entries(api)[0]
    assert entry["fault"] == "timeout" and entry["status"] is None and entry["applied_status"] == 200


def test_delay_before_apply_lands_after_the_sleep(api):
    # The old ``delay`` fault, spelled out: the request is carried out after the sleep.
    add_fault(api, action="delay", delay=SERVER_DELAY)
    csr = make_csr("delay-lands-late")
    timed_out_issue(api, csr)
    assert issued_from(api, csr) == []
    api.control("POST", "wait_idle", {"timeout": 5})
    assert len(issued_from(api, csr)) == 1


def test_a_write_fault_leaves_reads_of_the_same_path_alone(api):
    certificate = api.create_client_certificate()
    path = LIST + "/" + certificate["id"]
    api.control("POST", "faults", {"method": "DELETE", "path": certificate["id"] + "$", "action": "timeout", "count": 5})
    for _read in range(3):
        assert api.get(path).json()["result"]["status"] == "active"
    assert api.get(LIST).status_code == 200
    with pytest.raises(requests.ConnectionError):
        api.delete(path, validate=False)
    assert api.get(path).json()["result"]["status"] == "active"
    assert api.control("GET", "faults")["faults"][0]["count"] == 4


def test_wait_idle_answers_at_once_when_idle(api):
    assert api.control("POST", "wait_idle") == {"idle": True, "in_flight": 0}
    assert api.control("POST", "wait_idle", {"timeout": "1"})["idle"] is True


def test_wait_idle_times_out_while_a_request_sleeps(api):
    add_fault(api, action="timeout", delay=SERVER_DELAY)
    with pytest.raises(requests.Timeout):
        issue(api, make_csr("busy"), timeout=CLIENT_TIMEOUT)
    assert api.control("POST", "wait_idle", {"timeout": 0}) == {"idle": False, "in_flight": 1}
    assert api.control("POST", "wait_idle", {"timeout": 5})["idle"] is True


@pytest.mark.parametrize("fault", [
    {"action": "status", "lands_late": True},
    {"action": "timeout", "lands_late": True, "after_apply": True},
    {"action": "timeout", "lands_late": "yes"},
    {"action": "result_null", "after_apply": 1},
])
def test_invalid_new_faults_are_refused(api, fault):
    assert "error" in api.control("POST", "faults", fault, expect=400)


@pytest.mark.parametrize("body", [{"timeout": -1}, {"timeout": 61}, {"timeout": "soon"}, {"timeout": True}])
def test_wait_idle_refuses_bad_timeouts(api, body):
    assert "error" in api.control("POST", "wait_idle", body, expect=400)


def test_pending_faults_describe_the_new_flags(api):
    add_fault(api, action="timeout", delay=0.5, lands_late=True, count=3)
    pending = api.control("GET", "faults")["faults"]
    assert pending[0]["action"] == "timeout" and pending[0]["lands_late"] is True and pending[0]["delay"] == 0.5
    assert pending[0]["after_apply"] is False and pending[0]["count"] == 3


def test_a_held_back_request_is_journaled_when_its_answer_ends(api):
    add_fault(api, action="timeout", delay=SERVER_DELAY, lands_late=True)
    timed_out_issue(api, make_csr("journal-order"))
    api.get(LIST)
    api.control("POST", "wait_idle", {"timeout": 5})
    entries = api.journal()
    assert [entry["method"] for entry in entries] == ["GET", "POST"]
    # ``time`` is the arrival: sorting by it gives the order the client sent them in.
    assert [entry["method"] for entry in sorted(entries, key=lambda entry: entry["time"])] == ["POST", "GET"]


@pytest.mark.parametrize("after_apply", [False, True], ids=["before_apply", "after_apply"])
def test_redirect(api, after_apply):
    add_fault(api, action="redirect", status=308, location="https://catcher.invalid/x", after_apply=after_apply)
    csr = make_csr("redirect")
    response = api.session.post(api.base_url + LIST, json={"csr": csr, "validity_days": 30}, headers=api.auth_headers,
                                allow_redirects=False, timeout=10)
    assert response.status_code == 308 and response.headers["Location"] == "https://catcher.invalid/x"
    assert len(issued_from(api, csr)) == (1 if after_apply else 0)


def test_raw_body_is_sent_as_given(api):
    add_fault(api, action="raw", status=400, body='{"success": false, "errors": 5}')
    response = issue(api, make_csr("raw"))
    assert response.status_code == 400 and response.content == b'{"success": false, "errors": 5}'


def test_raw_needs_a_body(api):
    answer = api.control("POST", "faults", {"action": "raw"}, expect=400)
    assert "body" in json.dumps(answer)


def test_drip_sends_a_byte_at_a_time(api):
    add_fault(api, action="drip", delay=0.05, size=20)
    response = api.session.post(api.base_url + LIST, json={"csr": make_csr("drip"), "validity_days": 30}, headers=api.auth_headers,
                                stream=True, timeout=10)
    assert response.headers["Content-Length"] == "20"
    pieces = [response.raw.read1(1024) for dummy in range(3)]
    assert [len(piece) for piece in pieces] == [1, 1, 1]
    response.close()


def test_huge_has_no_length_and_ends_with_the_connection(api):
    add_fault(api, action="huge", size=2 * 1024 * 1024)
    response = issue(api, make_csr("huge"))
    assert "Content-Length" not in response.headers
    assert len(response.content) >= 2 * 1024 * 1024 - 200000 and response.content.startswith(b"[")


def test_rewrite_after_apply_sets_a_field_of_the_real_answer(api):
    add_fault(api, action="rewrite", field="status", value=5, after_apply=True)
    csr = make_csr("rewrite-field")
    response = issue(api, csr)
    assert response.status_code == 200 and response.json()["success"] is True
    issued = issued_from(api, csr)
    assert len(issued) == 1
    # The real answer, but for the one field.
    assert response.json()["result"] == dict(issued[0], status=5)
    entry = write_entries(api)[0]
    assert entry["fault"] == "rewrite" and entry["applied_status"] == 200


def test_rewrite_before_apply_rewrites_a_null_result(api):
    add_fault(api, action="rewrite", field="id", value=None)
    csr = make_csr("rewrite-before")
    response = issue(api, csr)
    assert response.status_code == 200 and response.json()["result"] == {"id": None}
    assert issued_from(api, csr) == []


def test_rewrite_of_a_list_touches_every_item(api):
    api.control("POST", "client_certificates", {"count": 2, "status": "active"})
    api.control("POST", "faults", dict(method="GET", path="/client_certificates$", action="rewrite", field="serial_number",
                                       value=["01"], after_apply=True))
    rewritten = api.get(LIST, validate=False).json()
    assert len(rewritten["result"]) == 2 and all(item["serial_number"] == ["01"] for item in rewritten["result"])
    assert rewritten["result_info"]["total_count"] == 2
    api.control("POST", "faults", dict(method="GET", path="/client_certificates$", action="rewrite", value=5, after_apply=True))
    assert api.get(LIST, validate=False).json()["result"] == [5, 5]


@pytest.mark.parametrize("spec", [dict(action="status", field="status"), dict(action="rewrite", field=""),
                                  dict(action="rewrite", field=5)])
def test_rewrite_fields_are_checked(api, spec):
    api.control("POST", "faults", spec, expect=400)
