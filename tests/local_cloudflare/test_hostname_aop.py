# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-hostname AOP: hostname certificate uploads, deletion rules, associations."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from local_api_helpers import make_hostname_bundle, zone_path

CERTIFICATES = zone_path("/origin_tls_client_auth/hostnames/certificates")


def certificate_path(certificate_id: str) -> str:
    return CERTIFICATES + "/" + certificate_id


def hostname_path(hostname: str) -> str:
    return zone_path("/origin_tls_client_auth/hostnames/" + hostname)


def test_upload_stores_the_leaf_of_a_bundle_and_never_the_key(api):
    certificate_pem, key_pem = make_hostname_bundle("origin.example.com", with_chain=True)
    response = api.post(CERTIFICATES, json={"certificate": certificate_pem, "private_key": key_pem})
    assert response.status_code == 200
    result = response.json()["result"]
    assert set(result) == {"id", "certificate", "expires_on", "issuer", "serial_number", "signature", "status", "uploaded_on"}
    assert "PRIVATE KEY" not in response.text
    leaf = x509.load_pem_x509_certificates(certificate_pem.encode())[0]
    assert result["certificate"] == leaf.public_bytes(serialization.Encoding.PEM).decode()
    assert result["serial_number"] == str(leaf.serial_number)
    assert result["issuer"] == "Test Origin CA"
    assert result["signature"] == "ECDSAWithSHA256"
    assert result["status"] == "pending_deployment"
    api.advance(2)
    assert api.get(certificate_path(result["id"])).json()["result"]["status"] == "active"
    listed = api.get(CERTIFICATES, params={"page": 7, "per_page": 5}).json()
    assert [c["id"] for c in listed["result"]] == [result["id"]]
    assert listed["result_info"]["total_pages"] == 1


def test_duplicate_upload_is_1406(api):
    bundle = make_hostname_bundle()
    api.upload_hostname_certificate(bundle)
    response = api.post(CERTIFICATES, json={"certificate": bundle[0], "private_key": bundle[1]})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 1406, "message": "This certificate already exists for this zone."}]


def test_at_most_ten_hostname_certificates_per_zone(api):
    for _attempt in range(10):
        api.upload_hostname_certificate()
    response = api.post(CERTIFICATES, json=dict(zip(("certificate", "private_key"), make_hostname_bundle())))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 1409
    assert "10" in response.json()["errors"][0]["message"]


def test_key_that_does_not_match_is_refused(api):
    certificate_pem, _key = make_hostname_bundle()
    other_key = make_hostname_bundle(key=ec.generate_private_key(ec.SECP256R1()))[1]
    response = api.post(CERTIFICATES, json={"certificate": certificate_pem, "private_key": other_key})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 1421
    assert api.get(CERTIFICATES).json()["result"] == []


@pytest.mark.parametrize("body, code", [
    ({"private_key": "k"}, 1401),
    ({"certificate": "c"}, 1401),
    ({"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "private_key": "x"}, 1402),
    ({"certificate": "VALID", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, 1403),
    ({"certificate": "KEY", "private_key": "KEY"}, 1402),
    ([], 1401),
])
def test_upload_refuses_garbage(api, body, code):
    certificate_pem, key_pem = make_hostname_bundle()
    if isinstance(body, dict):
        body = {name: {"VALID": certificate_pem, "KEY": key_pem}.get(value, value) for name, value in body.items()}
    response = api.post(CERTIFICATES, json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert "PRIVATE KEY" not in response.text


@pytest.mark.parametrize("enabled", [True, False])
def test_delete_refused_while_associated_then_allowed_after_null(api, enabled):
    certificate = api.upload_hostname_certificate()
    assert api.associate(("app.example.com", certificate["id"], enabled)).status_code == 200
    refused = api.delete(certificate_path(certificate["id"]))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == 1433
    assert "app.example.com" in refused.json()["errors"][0]["message"]
    removed = api.associate(("app.example.com", certificate["id"], None)).json()["result"]
    assert removed[0]["enabled"] is None and removed[0]["status"] == "deleted"
    deleted = api.delete(certificate_path(certificate["id"]))
    assert deleted.status_code == 200 and deleted.json()["result"]["status"] == "pending_deletion"
    assert api.delete(certificate_path(certificate["id"])).json()["result"]["status"] == "pending_deletion"
    api.advance(2)
    gone = api.get(certificate_path(certificate["id"]))
    assert gone.status_code == 404 and gone.json()["errors"][0]["code"] == 1415
    assert api.get(CERTIFICATES).json()["result"] == []
    assert api.delete(certificate_path(certificate["id"])).status_code == 404


def test_delete_accepts_an_empty_json_body(api):
    certificate = api.upload_hostname_certificate()
    assert api.delete(certificate_path(certificate["id"]), json={}).status_code == 200


def test_unknown_hostname_certificate_is_1415(api):
    for path in (certificate_path("0" * 32), certificate_path("not-even-hex")):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == 1415


def test_association_lifecycle(api):
    certificate = api.upload_hostname_certificate()
    other = api.upload_hostname_certificate()
    created = api.associate(("App.Example.com", certificate["id"], True), ("api.example.com", certificate["id"], False))
    assert created.status_code == 200
    results = created.json()["result"]
    assert [(a["hostname"], a["enabled"], a["status"]) for a in results] == [
        ("app.example.com", True, "pending_deployment"), ("api.example.com", False, "pending_deployment")]
    assert results[0]["cert_id"] == certificate["id"] and results[0]["serial_number"] == certificate["serial_number"]
    api.advance(2)
    current = api.get(hostname_path("app.example.com")).json()["result"]
    assert current["status"] == "active" and current["cert_status"] == "active"
    # Unchanged stays active; moving to another certificate redeploys.
    again = api.associate(("app.example.com", certificate["id"], True)).json()["result"][0]
    assert again["status"] == "active"
    moved = api.associate(("app.example.com", other["id"], True)).json()["result"][0]
    assert moved["status"] == "pending_deployment" and moved["cert_id"] == other["id"]
    api.associate(("app.example.com", other["id"], None))
    assert api.get(hostname_path("app.example.com")).json()["result"] == {
        "hostname": "app.example.com", "cert_id": None, "enabled": None, "status": None, "cert_status": None, "certificate": None,
        "issuer": None, "serial_number": None, "signature": None, "expires_on": None, "cert_uploaded_on": None,
        "cert_updated_at": None, "created_at": None, "updated_at": None}


@pytest.mark.parametrize("item, code", [
    ({"hostname": "app.example.org", "enabled": True}, 1411),
    ({"hostname": "bad_name.example.com", "enabled": True}, 1411),
    ({"hostname": "app.example.com", "enabled": "yes"}, 1412),
    ({"hostname": "app.example.com", "enabled": True, "cert_id": "0" * 32}, 1415),
])
def test_association_validation(api, item, code):
    certificate = api.upload_hostname_certificate()
    item = dict({"cert_id": certificate["id"]}, **item)
    config = [{"hostname": "ok.example.com", "cert_id": certificate["id"], "enabled": True}, item]
    response = api.put(zone_path("/origin_tls_client_auth/hostnames"), json={"config": config})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    # All or nothing: the valid first item was not applied either.
    assert api.get(hostname_path("ok.example.com")).json()["result"]["cert_id"] is None


def test_association_refused_for_a_certificate_being_deleted(api):
    certificate = api.upload_hostname_certificate()
    api.delete(certificate_path(certificate["id"]))
    response = api.associate(("app.example.com", certificate["id"], True))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1415
    assert api.put(zone_path("/origin_tls_client_auth/hostnames"), json={}).json()["errors"][0]["code"] == 1412


def test_at_most_n_associations_per_certificate(api):
    api.control("PATCH", "config", {"associations_per_certificate": 3})
    certificate = api.upload_hostname_certificate()
    items = [("h%d.example.com" % number, certificate["id"], True) for number in range(3)]
    assert api.associate(*items).status_code == 200
    response = api.associate(("h9.example.com", certificate["id"], True))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1410
    # Removing one in the same batch makes room.
    assert api.associate(("h0.example.com", certificate["id"], None), ("h9.example.com", certificate["id"], True)).status_code == 200


def test_get_association_of_an_invalid_hostname_is_400(api):
    response = api.get(hostname_path("not a hostname"))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1411


def test_association_without_enabled_removes_it(api):
    # The spec's enabled is nullable; a missing key is read as null (a guess, the permissive one).
    certificate = api.upload_hostname_certificate()
    api.associate(("app.example.com", certificate["id"], True))
    response = api.put(zone_path("/origin_tls_client_auth/hostnames"),
                       json={"config": [{"hostname": "app.example.com", "cert_id": certificate["id"]}]})
    assert response.status_code == 200 and response.json()["result"][0]["enabled"] is None
    assert api.get(hostname_path("app.example.com")).json()["result"]["cert_id"] is None


@pytest.mark.parametrize("variant, status, code", [
    ("null_fields", 200, None), ("disabled", 200, None), ("disabled_active", 200, None), ("404", 404, None), ("404_1415", 404, 1415), ("404_7003", 404, 7003),
    ("404_1553", 404, 1553),
])
def test_removed_association_variants(api, variant, status, code):
    api.control("PATCH", "config", {"variants": {"removed_association": variant}})
    certificate = api.upload_hostname_certificate()
    api.associate(("app.example.com", certificate["id"], True))
    api.associate(("app.example.com", certificate["id"], None))
    for hostname in ("app.example.com", "never.example.com"):
        response = api.get(hostname_path(hostname))
        if status == 404 and hostname == "app.example.com":
            assert response.status_code == 404
            assert [item["code"] for item in response.json()["errors"]][:1] == ([code] if code else [])
        elif status == 404:
            assert response.status_code == 404
        else:
            assert response.status_code == 200
    removed = api.get(hostname_path("app.example.com")).json()["result"]
    never = api.get(hostname_path("never.example.com")).json()["result"]
    if variant.startswith("disabled"):
        # What a disabled association looks like, but for the status (none at all with disabled_active);
        # a hostname never associated still reads null.
        assert removed["cert_id"] == certificate["id"] and removed["enabled"] is False
        assert removed["status"] == ("active" if variant == "disabled_active" else "pending_deletion")
        api.advance(2)
        if variant == "disabled":
            assert api.get(hostname_path("app.example.com")).json()["result"]["status"] == "deleted"
        assert never["cert_id"] is None
    elif variant == "null_fields":
        assert removed["cert_id"] is None and never["cert_id"] is None
    # The association really is gone: the certificate can be deleted.
    assert api.delete(certificate_path(certificate["id"])).status_code == 200


@pytest.mark.parametrize("variant, status, code", [("404_1415", 404, 1415), ("404", 404, None), ("400_1415", 400, 1415),
                                                   ("404_1551", 404, 1551), ("400_1551", 400, 1551), ("404_1552", 404, 1552),
                                                   ("400_1552", 400, 1552)])
def test_deleted_hostname_certificate_variants(api, variant, status, code):
    api.control("PATCH", "config", {"variants": {"deleted_hostname_certificate": variant}, "delays": {"deletion": 0}})
    certificate = api.upload_hostname_certificate()
    api.delete(certificate_path(certificate["id"]))
    for response in (api.get(certificate_path(certificate["id"])), api.delete(certificate_path(certificate["id"])),
                     api.get(certificate_path("0" * 32))):
        assert response.status_code == status
        assert [item["code"] for item in response.json()["errors"]] == ([code] if code else [])


def test_variants_are_validated(api):
    api.control("PATCH", "config", {"variants": {"removed_association": "maybe"}}, expect=400)
