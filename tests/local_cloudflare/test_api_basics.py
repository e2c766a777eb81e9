# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Envelope, routing, headers, zones, and one 200 of every operation checked against the spec."""

from __future__ import annotations

import re

import requests

from local_api_helpers import ZONE_ID, ZONE_NAME, zone_path


def test_every_operation_in_the_spec_answers_200_valid_against_it(api, spec):
    zones = api.get("/zones", params={"name": ZONE_NAME})
    assert zones.json()["result"][0]["id"] == ZONE_ID
    created = api.create_client_certificate()
    path = zone_path("/client_certificates/" + created["id"])
    api.get(zone_path("/client_certificates"))
    api.get(path)
    assert api.delete(path).json()["result"]["status"] == "pending_revocation"
    assert api.patch(path, json={"reactivate": True}).json()["result"]["status"] == "pending_reactivation"
    hostname_certificate = api.upload_hostname_certificate()
    certificate_path = zone_path("/origin_tls_client_auth/hostnames/certificates/" + hostname_certificate["id"])
    api.get(zone_path("/origin_tls_client_auth/hostnames/certificates"))
    api.get(certificate_path)
    assert api.associate(("app.example.com", hostname_certificate["id"], True)).status_code == 200
    assert api.get(zone_path("/origin_tls_client_auth/hostnames/app.example.com")).json()["result"]["enabled"] is True
    assert api.get(zone_path("/origin_tls_client_auth/hostnames/other.example.com")).json()["result"]["cert_id"] is None
    assert api.associate(("app.example.com", hostname_certificate["id"], None)).status_code == 200
    assert api.delete(certificate_path).json()["result"]["status"] == "pending_deletion"
    all_operations = {operation["operationId"] for _count, _pattern, _method, operation in spec.operations}
    assert len(all_operations) == 12
    assert spec.validated >= all_operations


def test_success_envelope_and_headers(api):
    response = api.get("/zones")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "errors", "messages", "result", "result_info"}
    assert body["success"] is True and body["errors"] == [] and body["messages"] == []
    assert body["result_info"] == {"page": 1, "per_page": 20, "count": 1, "total_count": 1, "total_pages": 1}
    assert re.fullmatch(r"[0-9a-f]{16}-LOC", response.headers["cf-ray"])
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Server"] == "cloudflare"
    assert re.fullmatch(r'"default";r=\d+;t=\d+', response.headers["Ratelimit"])
    assert response.headers["Ratelimit-Policy"] == '"default";q=1200;w=300'


def test_zone_lookup_by_name(api):
    found = api.get("/zones", params={"name": "EXAMPLE.com"}).json()
    assert [zone["name"] for zone in found["result"]] == [ZONE_NAME]
    assert found["result"][0]["status"] == "active"
    missing = api.get("/zones", params={"name": "example.org"}).json()
    assert missing["result"] == [] and missing["result_info"]["total_count"] == 0
    assert api.get("/zones", params={"name": "ends_with:.com"}).json()["result_info"]["count"] == 1
    assert api.get("/zones", params={"per_page": 51}).status_code == 400


def test_unknown_route_is_7003_404(api):
    response = api.get("/zones/%s/nothing_here" % ZONE_ID)
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False and body["result"] is None
    assert [error["code"] for error in body["errors"]] == [7003, 7000]
    assert body["errors"][1]["message"] == "No route for that URI"
    assert api.get("/").status_code == 404
    assert requests.get(api.root + "/client/v3/zones", timeout=5).status_code == 404


def test_malformed_identifiers_do_not_route(api):
    assert api.get("/zones/not-a-zone/client_certificates").json()["errors"][0]["code"] == 7003
    assert api.get(zone_path("/client_certificates/xyz")).json()["errors"][0]["code"] == 7003


def test_unknown_but_well_formed_zone_is_403(api):
    response = api.get("/zones/%s/client_certificates" % ("f" * 32))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 10000


def test_wrong_method_is_405_with_envelope(api):
    response = api.delete(zone_path("/client_certificates"))
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == 7001
    assert response.headers["Allow"] == "GET, POST"
    not_routed = api.post(zone_path("/origin_tls_client_auth/hostnames"), json={})
    assert not_routed.status_code == 405 and not_routed.headers["Allow"] == "GET, PUT"
    head = api.request("HEAD", "/zones")
    assert head.status_code == 405 and head.content == b""
    assert api.request("OPTIONS", "/zones").json()["errors"][0]["code"] == 7001


def test_malformed_json_is_400_6007(api):
    response = api.post(zone_path("/client_certificates"), data=b'{"csr": ', headers={**api.auth_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 6007, "message": "Malformed JSON in request body"}]


def test_keep_alive_connection_serves_many_requests(api):
    for _attempt in range(5):
        assert api.get("/zones").status_code == 200
