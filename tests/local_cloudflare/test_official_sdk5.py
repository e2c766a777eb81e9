# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's own Python SDK 5.x against the local API (``make pytest-sdk5``, a venv of its own).

The dev venv pins SDK 4.3.1 (``test_official_sdk.py``); two versions cannot share a venv, so
this file skips there and runs in ``.venvs/sdk5`` (``requirements-sdk5.txt``). SDK 5.x pages
client certificates with ``limit``/``offset`` and then adds ``page=2, 3, ...``: its full
auto-paging must work, as must create, get, delete, edit and every hostname-certificate call.
"""

from __future__ import annotations

import pytest

cloudflare = pytest.importorskip("cloudflare")
if not cloudflare.__version__.startswith("5."):
    pytest.skip("SDK %s here: the 5.x tests run with make pytest-sdk5" % cloudflare.__version__, allow_module_level=True)

from local_api_helpers import EMAIL, GLOBAL_KEY, TOKEN, ZONE_ID, make_csr, make_hostname_bundle  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def sdk(api, sdk_environment):
    client = cloudflare.Cloudflare(api_token=TOKEN, base_url=api.base_url, max_retries=0, timeout=10)
    yield client
    client.close()


def test_sdk5_finds_the_zone_with_a_global_key(api, sdk_environment):
    with cloudflare.Cloudflare(api_email=EMAIL, api_key=GLOBAL_KEY, base_url=api.base_url, max_retries=0) as client:
        zones = list(client.zones.list(name="example.com"))
    assert [zone.id for zone in zones] == [ZONE_ID]


def test_sdk5_client_certificate_lifecycle_with_limit_offset_paging(api, sdk):
    created = sdk.client_certificates.create(zone_id=ZONE_ID, csr=make_csr("sdk5-device"), validity_days=90)
    assert created.status == "active" and created.common_name == "sdk5-device"
    seeded = api.control("POST", "client_certificates", {"count": 11})["ids"]
    everything = [created.id] + seeded
    # limit/offset: the pager adds page=2, 3, ... to them and walks until a page comes back empty.
    assert [c.id for c in sdk.client_certificates.list(zone_id=ZONE_ID, limit=5, offset=0)] == everything
    assert [c.id for c in sdk.client_certificates.list(zone_id=ZONE_ID, limit=5, offset=3)] == everything[3:]
    assert [c.id for c in sdk.client_certificates.list(zone_id=ZONE_ID, per_page=5)] == everything
    assert [c.id for c in sdk.client_certificates.list(zone_id=ZONE_ID, status="active")] == everything
    queries = [entry["query"] for entry in api.journal() if entry["method"] == "GET"]
    assert {"limit": "5", "offset": "0", "page": "3"} in queries
    revoked = sdk.client_certificates.delete(created.id, zone_id=ZONE_ID)
    assert revoked.status == "pending_revocation"
    reactivated = sdk.client_certificates.edit(created.id, zone_id=ZONE_ID, reactivate=True)
    assert reactivated.status == "pending_reactivation"
    api.advance(2)
    assert sdk.client_certificates.get(created.id, zone_id=ZONE_ID).status == "active"
    assert [entry["body"] for entry in api.journal() if entry["method"] == "PATCH"] == [{"reactivate": True}]


def test_sdk5_hostname_certificates_and_associations(api, sdk):
    certificate_pem, key_pem = make_hostname_bundle("origin5.example.com")
    auth = sdk.origin_tls_client_auth
    uploaded = auth.hostname_certificates.create(zone_id=ZONE_ID, certificate=certificate_pem, private_key=key_pem)
    assert uploaded.status == "pending_deployment" and uploaded.id
    assert [c.id for c in auth.hostname_certificates.list(zone_id=ZONE_ID)] == [uploaded.id]
    assert auth.hostname_certificates.get(uploaded.id, zone_id=ZONE_ID).id == uploaded.id
    with pytest.raises(cloudflare.BadRequestError) as duplicate:
        auth.hostname_certificates.create(zone_id=ZONE_ID, certificate=certificate_pem, private_key=key_pem)
    assert duplicate.value.body["errors"][0]["code"] == 1406
    associations = auth.hostnames.update(zone_id=ZONE_ID, config=[{"hostname": "app.example.com", "cert_id": uploaded.id, "enabled": True}])
    assert [a.hostname for a in associations] == ["app.example.com"]
    assert auth.hostnames.get("app.example.com", zone_id=ZONE_ID).enabled is True
    auth.hostnames.update(zone_id=ZONE_ID, config=[{"hostname": "app.example.com", "cert_id": uploaded.id, "enabled": None}])
    assert auth.hostnames.get("app.example.com", zone_id=ZONE_ID).cert_id is None
    deleted = auth.hostname_certificates.delete(uploaded.id, zone_id=ZONE_ID)
    assert deleted.status == "pending_deletion"
    api.advance(2)
    with pytest.raises(cloudflare.NotFoundError):
        auth.hostname_certificates.get(uploaded.id, zone_id=ZONE_ID)


def test_sdk5_sees_authentication_errors(api, sdk_environment):
    with cloudflare.Cloudflare(api_token="wrong-token", base_url=api.base_url, max_retries=0) as client:
        with pytest.raises(cloudflare.PermissionDeniedError) as denied:
            client.client_certificates.get("0" * 32, zone_id=ZONE_ID)
    assert denied.value.body["errors"][0]["code"] == 9109
