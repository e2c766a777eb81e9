# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authentication as Cloudflare answers it, and the per-credential rate limit."""

from __future__ import annotations

import pytest

from local_api_helpers import EMAIL, GLOBAL_KEY, READONLY_TOKEN, TOKEN, make_csr, zone_path

LIST = zone_path("/client_certificates")


def test_api_token_and_global_key_both_work(api):
    assert api.get(LIST, headers={"Authorization": "Bearer " + TOKEN}).status_code == 200
    assert api.get(LIST, headers={"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY}).status_code == 200
    created = api.post(LIST, headers={"X-Auth-Email": EMAIL.upper(), "X-Auth-Key": GLOBAL_KEY},
                       json={"csr": make_csr(), "validity_days": 1})
    assert created.status_code == 200


@pytest.mark.parametrize("headers, status, code, chained", [
    ({}, 401, 10000, None),
    ({"Authorization": "Bearer not-a-configured-token"}, 403, 9109, None),
    ({"Authorization": "Bearer"}, 400, 6003, 6111),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 400, 6003, 6111),
    ({"Authorization": "Bearer bad token with spaces"}, 400, 6003, 6111),
    # An API token given as a global key: the classic mistake.
    ({"X-Auth-Email": EMAIL, "X-Auth-Key": TOKEN}, 400, 6003, 6103),
    ({"X-Auth-Key": GLOBAL_KEY}, 400, 6003, 6102),
    ({"X-Auth-Email": "someone@example.com", "X-Auth-Key": GLOBAL_KEY}, 403, 9103, None),
    ({"X-Auth-Email": EMAIL, "X-Auth-Key": "f" * 37}, 403, 9103, None),
])
def test_authentication_failures(api, headers, status, code, chained):
    response = api.get(LIST, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False and body["result"] is None
    assert body["errors"][0]["code"] == code
    if chained is None:
        assert "error_chain" not in body["errors"][0]
    else:
        assert [item["code"] for item in body["errors"][0]["error_chain"]] == [chained]


def test_token_as_key_message_names_the_header(api):
    error = api.get(LIST, headers={"X-Auth-Email": EMAIL, "X-Auth-Key": TOKEN}).json()["errors"][0]
    assert error["message"] == "Invalid request headers"
    assert error["error_chain"] == [{"code": 6103, "message": "Invalid format for X-Auth-Key header"}]


def test_read_only_token_reads_but_cannot_write(api):
    certificate = api.create_client_certificate()
    readonly = {"Authorization": "Bearer " + READONLY_TOKEN}
    assert api.get(LIST, headers=readonly).status_code == 200
    for method, path, body in (("POST", LIST, {"csr": make_csr(), "validity_days": 1}),
                               ("DELETE", LIST + "/" + certificate["id"], None),
                               ("PATCH", LIST + "/" + certificate["id"], {"reactivate": True}),
                               ("PUT", zone_path("/origin_tls_client_auth/hostnames"), {"config": []})):
        response = api.request(method, path, headers=readonly, json=body)
        assert response.status_code == 403, method
        assert response.json()["errors"] == [{"code": 10000, "message": "Authentication error"}]
    assert api.get(LIST + "/" + certificate["id"]).json()["result"]["status"] == "active"


def test_rate_limit_blocks_the_credential_for_a_window(api):
    api.control("PATCH", "config", {"rate_limit": {"quota": 5, "window": 60}})
    remaining = []
    for _attempt in range(5):
        response = api.get("/zones")
        assert response.status_code == 200
        remaining.append(response.headers["Ratelimit"])
    assert remaining[0] == '"default";r=4;t=60' and remaining[-1].startswith('"default";r=0;')
    limited = api.get("/zones")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert limited.headers["Ratelimit-Policy"] == '"default";q=5;w=60'
    assert limited.headers["Ratelimit"].startswith('"default";r=0;')
    assert limited.json()["errors"] == [{"code": 971, "message": "Please wait and consider throttling your request speed"}]
    # Still blocked half a window later, on every route; other credentials are not.
    api.advance(30)
    still = api.get(LIST)
    assert still.status_code == 429 and 29 <= int(still.headers["Retry-After"]) <= 30
    assert api.get("/zones", headers={"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY}).status_code == 200
    api.advance(30)
    assert api.get("/zones").status_code == 200


def test_control_api_is_never_rate_limited(api):
    api.control("PATCH", "config", {"rate_limit": {"quota": 1, "window": 60}})
    for _attempt in range(5):
        api.control("GET", "health")
