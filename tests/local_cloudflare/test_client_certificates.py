# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""API Shield client certificates: real issuance, validation, revocation, paging."""

from __future__ import annotations

import datetime
import re

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from local_api_helpers import CLIENT_CERTIFICATE, make_csr, zone_path


def certificate_path(certificate_id: str) -> str:
    return zone_path("/client_certificates/" + certificate_id)


def test_issued_certificate_is_real_x509_signed_for_the_csr(api):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = make_csr("device-7", key=key, country="US", organization="Acme", organizational_unit="IoT", location="Austin", state="TX")
    response = api.post(zone_path("/client_certificates"), json={"csr": csr, "validity_days": 30})
    assert response.status_code == 200
    result = response.json()["result"]
    assert re.fullmatch(r"[0-9a-f]{32}", result["id"])
    assert result["status"] == "active" and result["validity_days"] == 30 and result["csr"] == csr
    assert {field: result[field] for field in ("common_name", "country", "organization", "organizational_unit", "location", "state")} == {
        "common_name": "device-7", "country": "US", "organization": "Acme", "organizational_unit": "IoT", "location": "Austin", "state": "TX"}
    certificate = x509.load_pem_x509_certificate(result["certificate"].encode())
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert format(certificate.serial_number, "x") == result["serial_number"] and len(result["serial_number"]) == 40
    assert certificate.fingerprint(hashes.SHA256()).hex() == result["fingerprint_sha256"]
    assert certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex() == result["ski"]
    assert certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    assert result["signature"] == "SHA256WithRSA"
    assert result["certificate_authority"]["name"] == "Cloudflare Managed CA for account"
    issued = datetime.datetime.strptime(result["issued_on"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    expires = datetime.datetime.strptime(result["expires_on"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert expires - issued == datetime.timedelta(days=30)
    assert certificate.not_valid_after_utc == expires
    assert api.get(certificate_path(result["id"])).json()["result"] == result


@pytest.mark.parametrize("body, code", [
    ({"validity_days": 30}, 1101),
    ({"csr": "", "validity_days": 30}, 1101),
    ({"csr": "-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----\n", "validity_days": 30}, 1102),
    ({"csr": 42, "validity_days": 30}, 1102),
    ({"csr": "CSR"}, 1103),
    ({"csr": None, "validity_days": 30}, 1101),
    ("not an object", 1001),
])
def test_create_refuses_missing_or_garbage_input(api, body, code):
    response = api.post(zone_path("/client_certificates"), json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["result"] is None


@pytest.mark.parametrize("validity_days", [None, 0, -1, 5476, "365", 36.5, True])
def test_create_refuses_bad_validity_days(api, validity_days):
    body = {"csr": make_csr()}
    if validity_days is not None:
        body["validity_days"] = validity_days
    response = api.post(zone_path("/client_certificates"), json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 1103


def test_create_refuses_weak_rsa_key(api):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    response = api.post(zone_path("/client_certificates"), json={"csr": make_csr(key=weak), "validity_days": 30})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1102


def test_revoke_then_revoked_after_the_delay(api):
    certificate = api.create_client_certificate()
    revoked = api.delete(certificate_path(certificate["id"])).json()["result"]
    assert revoked["status"] == "pending_revocation"
    assert api.get(certificate_path(certificate["id"])).json()["result"]["status"] == "pending_revocation"
    api.advance(2)
    assert api.get(certificate_path(certificate["id"])).json()["result"]["status"] == "revoked"
    # Revoked certificates stay readable and listed; a repeated revoke changes nothing.
    again = api.delete(certificate_path(certificate["id"]))
    assert again.status_code == 200 and again.json()["result"]["status"] == "revoked"
    listed = api.get(zone_path("/client_certificates")).json()["result"]
    assert [(c["id"], c["status"]) for c in listed] == [(certificate["id"], "revoked")]


def test_reactivate_within_the_window(api):
    certificate = api.create_client_certificate()
    path = certificate_path(certificate["id"])
    api.delete(path)
    api.advance(1)
    reactivated = api.patch(path, json={"reactivate": True})
    assert reactivated.status_code == 200
    assert reactivated.json()["result"]["status"] == "pending_reactivation"
    # The revocation that was under way does not complete any more.
    api.advance(1.5)
    assert api.get(path).json()["result"]["status"] == "pending_reactivation"
    api.advance(1)
    assert api.get(path).json()["result"]["status"] == "active"


def test_reactivate_without_a_body_like_the_2024_spec(api):
    certificate = api.create_client_certificate()
    path = certificate_path(certificate["id"])
    api.delete(path)
    assert api.patch(path).json()["result"]["status"] == "pending_reactivation"


def test_reactivate_refused_once_revoked_or_while_active(api):
    certificate = api.create_client_certificate()
    path = certificate_path(certificate["id"])
    active = api.patch(path, json={"reactivate": True})
    assert active.status_code == 400 and active.json()["errors"][0]["code"] == 1105
    api.delete(path)
    api.advance(2)
    refused = api.patch(path, json={"reactivate": True})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == 1105
    assert "revoked" in refused.json()["errors"][0]["message"]
    assert api.patch(path, json={"reactivate": False}).json()["errors"][0]["code"] == 1001


def test_revoke_refused_while_pending_reactivation(api):
    certificate = api.create_client_certificate()
    path = certificate_path(certificate["id"])
    api.delete(path)
    api.patch(path, json={"reactivate": True})
    refused = api.delete(path)
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == 1107
    api.advance(2)
    assert api.delete(path).json()["result"]["status"] == "pending_revocation"


def test_zero_delay_settles_by_the_next_read(api):
    api.control("PATCH", "config", {"delays": {"revocation": 0}})
    certificate = api.create_client_certificate()
    assert api.delete(certificate_path(certificate["id"])).json()["result"]["status"] == "pending_revocation"
    assert api.get(certificate_path(certificate["id"])).json()["result"]["status"] == "revoked"


def test_unknown_certificate_is_404(api):
    response = api.get(certificate_path("0" * 32))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 1104
    assert api.delete(certificate_path("0" * 32)).status_code == 404
    assert api.patch(certificate_path("0" * 32), json={"reactivate": True}).status_code == 404


def test_pagination_over_120_certificates(api):
    ids = api.control("POST", "client_certificates", {"count": 120})["ids"]
    assert len(ids) == 120
    seen = []
    for page in (1, 2, 3):
        body = api.get(zone_path("/client_certificates"), params={"page": page, "per_page": 50}).json()
        expected_count = 50 if page < 3 else 20
        assert body["result_info"] == {"page": page, "per_page": 50, "count": expected_count, "total_count": 120, "total_pages": 3}
        seen += [c["id"] for c in body["result"]]
    assert seen == ids
    past_the_end = api.get(zone_path("/client_certificates"), params={"page": 4, "per_page": 50}).json()
    assert past_the_end["result"] == [] and past_the_end["result_info"]["count"] == 0
    default = api.get(zone_path("/client_certificates")).json()["result_info"]
    assert default["per_page"] == 20 and default["total_pages"] == 6


@pytest.mark.parametrize("params", [{"per_page": 4}, {"per_page": 51}, {"page": 0}, {"page": "x"}, {"status": "expired"},
                                    {"limit": 0}, {"offset": -1}])
def test_list_refuses_bad_parameters(api, params):
    response = api.get(zone_path("/client_certificates"), params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 1001


def test_list_filters_by_status_and_supports_limit_offset(api):
    active = api.control("POST", "client_certificates", {"count": 3})["ids"]
    revoked = api.control("POST", "client_certificates", {"count": 2, "status": "revoked"})["ids"]
    by_status = api.get(zone_path("/client_certificates"), params={"status": "revoked"}).json()
    assert [c["id"] for c in by_status["result"]] == revoked
    every = api.get(zone_path("/client_certificates"), params={"status": "all"}).json()
    assert [c["id"] for c in every["result"]] == active + revoked
    window = api.get(zone_path("/client_certificates"), params={"limit": 2, "offset": 2}).json()
    assert [c["id"] for c in window["result"]] == (active + revoked)[2:4]


def test_limit_offset_and_page_combine(api):
    # The official SDK 5.x sends limit and offset, then adds page=2, 3, ... to walk on: never refused (a guess).
    ids = api.control("POST", "client_certificates", {"count": 12})["ids"]
    walked = []
    for page in (1, 2, 3, 4):
        body = api.get(zone_path("/client_certificates"), params={"limit": 5, "offset": 1, "page": page}).json()
        assert body["success"] and body["result_info"]["per_page"] == 5
        walked += [c["id"] for c in body["result"]]
    assert walked == ids[1:]
    # limit has no documented maximum: more than per_page's 50 is served.
    assert len(api.get(zone_path("/client_certificates"), params={"limit": 60}).json()["result"]) == 12
    # limit wins over per_page when both are sent.
    assert api.get(zone_path("/client_certificates"), params={"limit": 7, "per_page": 5}).json()["result_info"]["per_page"] == 7


def test_the_spec_check_catches_a_wrong_answer(api, spec):
    certificate = api.create_client_certificate()
    broken = dict(certificate, status="expired")
    with pytest.raises(jsonschema.ValidationError):
        spec.validate_component(CLIENT_CERTIFICATE, broken)
    with pytest.raises(AssertionError):
        spec.validate_response("GET", certificate_path(certificate["id"]),
                               {"success": True, "errors": [], "messages": [], "result": dict(certificate, private_key="x")})
