# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's own Python SDK (``cloudflare`` 4.x from PyPI) against the local API.

A client nobody here wrote has to agree with the server: paths, envelopes, pagination,
errors. The SDK's models parse every answer; a shape it does not expect fails here.
"""

from __future__ import annotations

import pytest

cloudflare = pytest.importorskip("cloudflare")
if not cloudflare.__version__.startswith("4."):
    pytest.skip("SDK %s here: these are the 4.x tests (the 5.x ones are test_official_sdk5.py)" % cloudflare.__version__,
                allow_module_level=True)

from local_api_helpers import EMAIL, GLOBAL_KEY, TOKEN, ZONE_ID, make_csr, make_hostname_bundle  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def sdk(api, sdk_environment):
    client = cloudflare.Cloudflare(api_token=TOKEN, base_url=api.base_url, max_retries=0, timeout=10)
    yield client
    client.close()


def test_sdk_finds_the_zone_with_a_global_key(api, sdk_environment):
    with cloudflare.Cloudflare(api_email=EMAIL, api_key=GLOBAL_KEY, base_url=api.base_url, max_retries=0) as client:
        zones = list(client.zones.list(name="example.com"))
    assert [zone.id for zone in zones] == [ZONE_ID]
    # The SDK's pager asks for page 2 as well, and gets an empty page.
    assert [(entry["auth"], entry["query"].get("page")) for entry in api.journal()] == [("global_key", None), ("global_key", "2")]


def test_sdk_client_certificate_lifecycle(api, sdk):
    created = sdk.client_certificates.create(zone_id=ZONE_ID, csr=make_csr("sdk-device"), validity_days=90)
    assert created.status == "active" and created.common_name == "sdk-device" and created.validity_days == 90
    api.control("POST", "client_certificates", {"count": 11})
    # The SDK's pager walks page after page until one comes back empty.
    listed = list(sdk.client_certificates.list(zone_id=ZONE_ID, per_page=5))
    assert len(listed) == 12 and listed[0].id == created.id
    revoked = sdk.client_certificates.delete(created.id, zone_id=ZONE_ID)
    assert revoked.status == "pending_revocation"
    # SDK 4.x has no reactivate argument: the body goes through extra_body, as newer SDKs send it.
    reactivated = sdk.client_certificates.edit(created.id, zone_id=ZONE_ID, extra_body={"reactivate": True})
    assert reactivated.status == "pending_reactivation"
    api.advance(2)
    assert sdk.client_certificates.get(created.id, zone_id=ZONE_ID).status == "active"
    calls = [(entry["method"], entry["query"]) for entry in api.journal()]
    assert ("GET", {"per_page": "5", "page": "3"}) in calls and ("GET", {"per_page": "5", "page": "4"}) in calls
    assert [entry["body"] for entry in api.journal() if entry["method"] == "PATCH"] == [{"reactivate": True}]


def test_sdk_hostname_certificate_upload_associate_and_delete(api, sdk):
    certificate_pem, key_pem = make_hostname_bundle("origin.example.com")
    hostnames = sdk.origin_tls_client_auth.hostnames
    uploaded = hostnames.certificates.create(zone_id=ZONE_ID, certificate=certificate_pem, private_key=key_pem)
    assert uploaded.status == "pending_deployment" and uploaded.id
    assert [c.id for c in hostnames.certificates.list(zone_id=ZONE_ID)] == [uploaded.id]
    with pytest.raises(cloudflare.BadRequestError) as duplicate:
        hostnames.certificates.create(zone_id=ZONE_ID, certificate=certificate_pem, private_key=key_pem)
    assert duplicate.value.status_code == 400
    assert duplicate.value.body["errors"][0]["code"] == 1406
    associations = hostnames.update(zone_id=ZONE_ID, config=[{"hostname": "app.example.com", "cert_id": uploaded.id, "enabled": True}])
    assert [a.hostname for a in associations] == ["app.example.com"]
    assert hostnames.get("app.example.com", zone_id=ZONE_ID).enabled is True
    with pytest.raises(cloudflare.BadRequestError) as associated:
        hostnames.certificates.delete(uploaded.id, zone_id=ZONE_ID)
    assert associated.value.body["errors"][0]["code"] == 1433
    hostnames.update(zone_id=ZONE_ID, config=[{"hostname": "app.example.com", "cert_id": uploaded.id, "enabled": None}])
    deleted = hostnames.certificates.delete(uploaded.id, zone_id=ZONE_ID)
    assert deleted.status == "pending_deletion"
    api.advance(2)
    with pytest.raises(cloudflare.NotFoundError):
        hostnames.certificates.get(uploaded.id, zone_id=ZONE_ID)


def test_sdk_sees_authentication_errors(api, sdk_environment):
    with cloudflare.Cloudflare(api_token="wrong-token", base_url=api.base_url, max_retries=0) as client:
        with pytest.raises(cloudflare.PermissionDeniedError) as denied:
            client.client_certificates.get("0" * 32, zone_id=ZONE_ID)
    assert denied.value.body["errors"][0]["code"] == 9109
