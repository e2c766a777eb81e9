# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Injected faults, the request journal, and the rest of the control API."""

from __future__ import annotations

import json
import time

import pytest
import requests

from local_api_helpers import EMAIL, GLOBAL_KEY, TOKEN, ZONE_ID, make_hostname_bundle, zone_path

LIST = zone_path("/client_certificates")


def test_status_fault_with_retry_after_then_normal(api):
    api.control("POST", "faults", {"method": "GET", "path": "/client_certificates$", "count": 2, "action": "status",
                                   "status": 503, "retry_after": 2})
    assert len(api.control("GET", "faults")["faults"]) == 1
    for _attempt in range(2):
        response = api.get(LIST)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert response.json()["success"] is False and response.json()["errors"]
        assert response.headers["cf-ray"]
    assert api.get(LIST).status_code == 200
    assert api.control("GET", "faults")["faults"] == []


def test_status_fault_matches_method_and_path_only(api):
    api.control("POST", "faults", {"method": "POST", "path": "client_certificates", "action": "status", "status": 429,
                                   "errors": []})
    assert api.get(LIST).status_code == 200
    assert api.get("/zones").status_code == 200
    response = api.post(LIST, json={})
    assert response.status_code == 429
    assert response.json()["errors"] == []
    assert "Retry-After" not in response.headers


def test_delay_fault_answers_normally_after_sleeping(api):
    api.control("POST", "faults", {"path": "^/zones$", "action": "delay", "delay": 0.3})
    started = time.monotonic()
    assert api.get("/zones").status_code == 200
    assert time.monotonic() - started >= 0.3
    api.control("POST", "faults", {"path": "^/zones$", "action": "delay", "delay": 0.5})
    with pytest.raises(requests.Timeout):
        api.session.get(api.base_url + "/zones", headers=api.auth_headers, timeout=0.2)
    # The server still answers (into a closed connection) and journals it; wait for that so
    # that no late entry lands in the next test's journal.
    deadline = time.monotonic() + 5
    while len(api.journal()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [entry["fault"] for entry in api.journal()] == ["delay", "delay"]


def test_drop_fault_closes_the_connection(api):
    api.control("POST", "faults", {"path": "^/zones$", "action": "drop"})
    with pytest.raises(requests.ConnectionError):
        api.get("/zones")
    assert api.get("/zones").status_code == 200


def test_bad_body_and_success_false(api):
    api.control("POST", "faults", [{"path": "^/zones$", "action": "bad_body"}, {"path": "^/zones$", "action": "success_false"}])
    bad = api.get("/zones")
    assert bad.status_code == 502 and bad.headers["Content-Type"] == "text/html"
    with pytest.raises(ValueError):
        bad.json()
    failed = api.get("/zones", validate=False)
    assert failed.status_code == 200
    assert failed.json()["success"] is False and failed.json()["errors"][0]["code"] == 1000


def test_after_apply_the_revocation_happens_but_the_answer_is_lost(api):
    certificate = api.create_client_certificate()
    path = LIST + "/" + certificate["id"]
    api.control("POST", "faults", {"method": "DELETE", "path": certificate["id"], "action": "drop", "after_apply": True})
    with pytest.raises(requests.ConnectionError):
        api.delete(path)
    assert api.get(path).json()["result"]["status"] == "pending_revocation"
    dropped = [entry for entry in api.journal() if entry["method"] == "DELETE"]
    assert dropped[0]["fault"] == "drop" and dropped[0]["status"] is None and dropped[0]["applied_status"] == 200


def test_after_apply_status_fault_on_upload(api):
    api.control("POST", "faults", {"method": "POST", "path": "hostnames/certificates$", "action": "status", "status": 502,
                                   "after_apply": True})
    certificate_pem, key_pem = make_hostname_bundle()
    body = {"certificate": certificate_pem, "private_key": key_pem}
    assert api.post(zone_path("/origin_tls_client_auth/hostnames/certificates"), json=body).status_code == 502
    retry = api.post(zone_path("/origin_tls_client_auth/hostnames/certificates"), json=body)
    assert retry.status_code == 400 and retry.json()["errors"][0]["code"] == 1406


@pytest.mark.parametrize("fault", [{"action": "explode"}, {"action": "status", "path": "("}, {"action": "drop", "count": 0},
                                   {"action": "status", "status": 700}, {"action": "drop", "method": "TRACE"},
                                   {"action": "drop", "colour": "red"}])
def test_invalid_faults_are_refused(api, fault):
    assert "error" in api.control("POST", "faults", fault, expect=400)


def test_faults_are_cleared(api):
    api.control("POST", "faults", {"action": "drop"})
    api.control("DELETE", "faults")
    assert api.get("/zones").status_code == 200


def test_journal_records_requests_and_redacts_secrets(api):
    certificate_pem, key_pem = make_hostname_bundle()
    api.post(zone_path("/origin_tls_client_auth/hostnames/certificates"), json={"certificate": certificate_pem, "private_key": key_pem})
    api.get(LIST, params={"page": 2, "per_page": 5}, headers={"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY})
    api.get("/zones", headers={})
    api.control("GET", "health")
    entries = api.journal()
    assert [(e["method"], e["path"], e["status"], e["auth"]) for e in entries] == [
        ("POST", "/zones/%s/origin_tls_client_auth/hostnames/certificates" % ZONE_ID, 200, "token"),
        ("GET", LIST, 200, "global_key"),
        ("GET", "/zones", 401, "none"),
    ]
    assert entries[0]["body"] == {"certificate": certificate_pem, "private_key": "********"}
    assert entries[1]["query"] == {"page": "2", "per_page": "5"}
    text = json.dumps(entries)
    for secret in (key_pem.strip().splitlines()[1], "PRIVATE KEY", TOKEN, GLOBAL_KEY):
        assert secret not in text
    api.control("DELETE", "journal")
    assert api.journal() == []


def test_journal_redacts_a_key_pasted_into_the_wrong_field(api):
    _certificate_pem, key_pem = make_hostname_bundle()
    api.post(zone_path("/origin_tls_client_auth/hostnames/certificates"), json={"certificate": key_pem, "private_key": key_pem})
    api.post(LIST, data=b"{not json", headers={**api.auth_headers, "Content-Type": "application/json"})
    entries = api.journal()
    assert "PRIVATE KEY" not in json.dumps(entries)
    assert entries[0]["status"] == 400
    assert entries[1]["body"] == "<malformed JSON, 9 bytes>"


def test_clock_config_and_reset(api):
    before = api.control("GET", "clock")
    after = api.control("POST", "clock", {"advance": 3600})
    assert after["offset"] == before["offset"] + 3600 and after["now"] > before["now"]
    api.control("POST", "clock", {"advance": -1}, expect=400)
    api.control("POST", "clock", {"advance": "soon"}, expect=400)
    # Numbers templated by a playbook may arrive as strings.
    assert api.control("POST", "clock", {"advance": "60"})["offset"] == before["offset"] + 3660
    config = api.control("PATCH", "config", {"delays": {"deployment": 0}, "hostname_certificate_limit": 2})
    assert config["delays"]["deployment"] == 0 and config["hostname_certificate_limit"] == 2
    assert all(entry["token"] == "********" for entry in config["tokens"])
    assert TOKEN not in json.dumps(api.control("GET", "config"))
    api.control("PATCH", "config", {"zones": []}, expect=400)
    api.control("PATCH", "config", {"delays": {"deployment": -1}}, expect=400)
    api.create_client_certificate()
    api.control("POST", "faults", {"action": "drop"})
    api.control("POST", "reset")
    assert api.control("GET", "clock")["offset"] == 0
    assert api.control("GET", "config")["hostname_certificate_limit"] == 10
    assert api.control("GET", "faults")["faults"] == []
    assert api.get(LIST).json()["result"] == []
    assert [entry["path"] for entry in api.journal()] == [LIST]


def test_forced_status_never_settles(api):
    certificate = api.upload_hostname_certificate()
    forced = api.control("POST", "status", {"kind": "hostname_certificate", "id": certificate["id"], "status": "deployment_timed_out"})
    assert forced["result"]["status"] == "deployment_timed_out"
    api.advance(600)
    assert api.get(zone_path("/origin_tls_client_auth/hostnames/certificates/" + certificate["id"])).json()["result"]["status"] == "deployment_timed_out"
    client = api.create_client_certificate()
    api.control("POST", "status", {"kind": "client_certificate", "id": client["id"], "status": "pending_revocation"})
    api.advance(600)
    assert api.get(LIST + "/" + client["id"]).json()["result"]["status"] == "pending_revocation"
    api.associate(("app.example.com", certificate["id"], True))
    stuck = api.control("POST", "status", {"kind": "association", "hostname": "app.example.com", "status": "pending_deployment"})
    assert stuck["result"]["status"] == "pending_deployment"
    api.control("POST", "status", {"kind": "client_certificate", "id": "0" * 32, "status": "revoked"}, expect=404)
    api.control("POST", "status", {"kind": "client_certificate", "id": client["id"], "status": "lost"}, expect=400)


def test_material_gives_usable_csrs_and_bundles(api):
    csr = api.control("POST", "material", {"type": "csr", "common_name": "device-9"})
    issued = api.post(LIST, json={"csr": csr["csr"], "validity_days": 10}).json()["result"]
    assert issued["common_name"] == "device-9"
    bundle = api.control("POST", "material", {"type": "hostname_certificate", "common_name": "origin.example.com", "key_type": "rsa"})
    uploaded = api.upload_hostname_certificate((bundle["certificate"], bundle["private_key"]))
    assert uploaded["signature"] == "SHA256WithRSA"


def test_control_refuses_unknown_paths_methods_and_bodies(api):
    api.control("GET", "nothing", expect=404)
    api.control("DELETE", "health", expect=405)
    api.control("POST", "client_certificates", {"count": 0}, expect=400)
    api.control("POST", "client_certificates", {"zone_id": "f" * 32}, expect=400)
    response = api.session.post(api.root + "/__control/clock", data=b"{", timeout=5)
    assert response.status_code == 400
