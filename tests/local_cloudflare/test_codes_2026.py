# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The codes the live API was seen to answer in 2026 (tools/local_cloudflare/README.md), each one served.

1407 (revoke of a revoked client certificate), 1414 (DELETE while pending_deletion) and 1434
(DELETE while pending_deployment) are variants a test switches on; 1433 (in use) and 1406
while the old copy is pending_deletion (then the same id again) are always served. 1551,
1552 and 1553 are variants of the "gone" answers (test_hostname_aop.py).
"""

from __future__ import annotations

import pytest

from local_api_helpers import make_hostname_bundle, zone_path

CERTIFICATES = zone_path("/origin_tls_client_auth/hostnames/certificates")


def _codes(response):
    return [item["code"] for item in response.json()["errors"]]


def _variant(api, **variants):
    api.control("PATCH", "config", {"variants": variants})


@pytest.mark.parametrize("status", ["pending_revocation", "revoked"])
def test_revoking_a_revoked_client_certificate_answers_1407_with_the_variant(api, status):
    _variant(api, revoked_client_certificate="400_1407")
    certificate_id = api.control("POST", "client_certificates", {"count": 1, "status": status})["ids"][0]
    response = api.delete(zone_path("/client_certificates/" + certificate_id))
    assert response.status_code == 400 and _codes(response) == [1407]
    assert api.get(zone_path("/client_certificates/" + certificate_id)).json()["result"]["status"] == status


def test_revoking_an_active_client_certificate_is_unchanged_by_the_1407_variant(api):
    _variant(api, revoked_client_certificate="400_1407")
    certificate_id = api.create_client_certificate()["id"]
    response = api.delete(zone_path("/client_certificates/" + certificate_id))
    assert response.status_code == 200 and response.json()["result"]["status"] == "pending_revocation"


def test_revoking_a_revoked_client_certificate_answers_200_by_default(api):
    certificate_id = api.control("POST", "client_certificates", {"count": 1, "status": "revoked"})["ids"][0]
    assert api.delete(zone_path("/client_certificates/" + certificate_id)).status_code == 200


def test_deleting_a_certificate_in_use_answers_1433(api):
    certificate = api.upload_hostname_certificate()
    api.associate(("app.example.com", certificate["id"], False))
    response = api.delete(CERTIFICATES + "/" + certificate["id"])
    assert response.status_code == 400 and _codes(response) == [1433]


def test_deleting_right_after_upload_answers_1434_until_deployed(api):
    _variant(api, hostname_certificate_deploying="400_1434")
    certificate = api.upload_hostname_certificate()
    response = api.delete(CERTIFICATES + "/" + certificate["id"])
    assert response.status_code == 400 and _codes(response) == [1434]
    api.advance(2)
    deleted = api.delete(CERTIFICATES + "/" + certificate["id"])
    assert deleted.status_code == 200 and deleted.json()["result"]["status"] == "pending_deletion"


def test_deleting_a_certificate_being_deleted_answers_1414_with_the_variant(api):
    api.control("PATCH", "config", {"variants": {"hostname_certificate_deleting": "400_1414"}, "delays": {"deletion": 100}})
    certificate = api.upload_hostname_certificate()
    assert api.delete(CERTIFICATES + "/" + certificate["id"]).status_code == 200
    again = api.delete(CERTIFICATES + "/" + certificate["id"])
    assert again.status_code == 400 and _codes(again) == [1414]


def test_an_identical_upload_while_pending_deletion_is_1406_then_gets_the_same_id(api):
    api.control("PATCH", "config", {"delays": {"deletion": 10}})
    bundle = make_hostname_bundle()
    certificate = api.upload_hostname_certificate(bundle)
    api.delete(CERTIFICATES + "/" + certificate["id"])
    refused = api.post(CERTIFICATES, json={"certificate": bundle[0], "private_key": bundle[1]})
    assert refused.status_code == 400 and _codes(refused) == [1406]
    api.advance(10)
    again = api.post(CERTIFICATES, json={"certificate": bundle[0], "private_key": bundle[1]})
    assert again.status_code == 200 and again.json()["result"]["id"] == certificate["id"]
    assert again.json()["result"]["status"] == "pending_deployment"
    assert [item["id"] for item in api.get(CERTIFICATES).json()["result"]] == [certificate["id"]]


@pytest.mark.parametrize("name, value", [("revoked_client_certificate", "404"), ("hostname_certificate_deploying", "400_1415"),
                                         ("hostname_certificate_deleting", "maybe")])
def test_the_new_variants_are_validated(api, name, value):
    api.control("PATCH", "config", {"variants": {name: value}}, expect=400)
