# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The association and rotation flows under every answer the real API may give where nobody knows it.

``tools/local_cloudflare/README.md`` ("What the live API was seen to do, and what nobody knows"): a hostname whose
association was removed, or never existed, may read as a 200 with null fields, a 200 with
``enabled: false`` and the old ``cert_id`` (status ``pending_deletion``/``deleted``; with
``disabled_active`` status ``active``, indistinguishable from a disabled association: the
worst case, tested on its own), or a 404 without a code, with 1415 or with 7003; a deleted hostname
certificate may answer 404 or 400 with 1415. The local API serves each through
``variants`` in ``PATCH /__control/config``; each flow runs under each, in-process (once per
``make test``, not once per ansible-core: the integration targets run the default variant on
every core).
"""

from __future__ import annotations

import pytest

from helpers import succeeded, upload_hostname_certificate  # pylint: disable=import-error

REMOVED_ASSOCIATION = ("null_fields", "disabled", "404", "404_1415", "404_7003", "404_1553")
DELETED_CERTIFICATE = ("404_1415", "404", "400_1415", "400_1551", "400_1552")
VARIANTS = ([{"removed_association": variant} for variant in REMOVED_ASSOCIATION]
            + [{"deleted_hostname_certificate": variant} for variant in DELETED_CERTIFICATE if variant != "404_1415"])
INSTANT = {"deployment": 0, "deletion": 0, "association": 0}


def _variant_id(variant):
    return "%s=%s" % next(iter(variant.items()))


@pytest.fixture(params=VARIANTS, ids=_variant_id)
def variant_api(request, local_api):
    local_api.configure(variants=request.param, delays=INSTANT)
    return local_api


def _ok(result):
    return succeeded(result)


def _upload(local_api, run_module, common_name):
    return upload_hostname_certificate(local_api, run_module, common_name)


def _reads_only(local_api):
    return {entry["method"] for entry in local_api.journal()} == {"GET"}


def test_association_lifecycle_under_each_variant(variant_api, run_module):
    certificate_id, _material = _upload(variant_api, run_module, "variants.example.com")
    hostnames = ["app.example.com", "api.example.com"]

    enabled = _ok(run_module("hostname_association", dict(hostnames=hostnames, certificate_id=certificate_id, wait=True)))
    assert enabled["changed"] and [entry["after"]["status"] for entry in enabled["hostnames"]] == ["active", "active"]

    # A disabled association is read as disabled, never as removed: state=disabled is idempotent.
    disabled = _ok(run_module("hostname_association", dict(hostnames=["api.example.com"], certificate_id=certificate_id,
                                                           state="disabled", wait=True)))
    assert disabled["changed"]
    variant_api.control("DELETE", "journal")
    again = _ok(run_module("hostname_association", dict(hostnames=["api.example.com"], certificate_id=certificate_id,
                                                        state="disabled")))
    assert not again["changed"] and again["hostnames"][0]["after"]["enabled"] is False and _reads_only(variant_api)

    # Removal: the wait ends, whatever the read of a removed association looks like.
    removed = _ok(run_module("hostname_association", dict(hostnames=["app.example.com"], certificate_id=certificate_id,
                                                          state="absent", wait=True)))
    assert removed["changed"] and removed["hostnames"][0]["before"]["cert_id"] == certificate_id
    assert [entry["body"] for entry in variant_api.writes()][-1] == {
        "config": [{"hostname": "app.example.com", "cert_id": certificate_id, "enabled": None}]}

    # A second removal, one without certificate_id, and one of a hostname never associated: reads only, no change.
    variant_api.control("DELETE", "journal")
    for args in (dict(hostnames=["app.example.com"], certificate_id=certificate_id, state="absent", wait=True),
                 dict(hostnames=["app.example.com"], state="absent", wait=True),
                 dict(hostnames=["never.example.com"], state="absent", wait=True)):
        outcome = _ok(run_module("hostname_association", args))
        assert not outcome["changed"], args
    assert _reads_only(variant_api)

    # A disabled association is removed by state=absent, once.
    for expected in (True, False):
        outcome = _ok(run_module("hostname_association", dict(hostnames=["api.example.com"], certificate_id=certificate_id,
                                                              state="absent", wait=True)))
        assert outcome["changed"] is expected

    # The removed hostname can be associated again.
    back = _ok(run_module("hostname_association", dict(hostnames=["app.example.com"], certificate_id=certificate_id, wait=True)))
    assert back["changed"] and back["hostnames"][0]["after"]["status"] == "active"


def test_rotation_under_each_variant(variant_api, run_module):
    moving = ["app.example.com", "api.example.com"]
    everything = moving + ["legacy.example.com"]
    old_id, old_material = _upload(variant_api, run_module, "old.example.com")
    _ok(run_module("hostname_association", dict(hostnames=everything, certificate_id=old_id, wait=True)))

    new_material = variant_api.material("hostname_certificate", "new.example.com")

    def rotate():
        uploaded = _ok(run_module("hostname_certificate", dict(certificate=new_material["certificate"],
                                                               private_key=new_material["private_key"], wait=True)))
        new_id = uploaded["hostname_certificate"]["id"]
        moved = _ok(run_module("hostname_association", dict(hostnames=moving, certificate_id=new_id, wait=True)))
        deleted = _ok(run_module("hostname_certificate", dict(certificate=old_material["certificate"], state="absent",
                                                              detach_hostnames=everything, wait=True)))
        return new_id, moved, deleted

    new_id, moved, deleted = rotate()
    assert moved["changed"] and deleted["changed"]
    assert deleted["hostname_certificate"]["status"] == "deleted"
    assert deleted["detached_hostnames"] == ["legacy.example.com"]

    # The old certificate is gone for lookups by id, and for deleting it again.
    variant_api.control("DELETE", "journal")
    info = _ok(run_module("hostname_certificate_info", dict(id=old_id)))
    assert info["hostname_certificates"] == []
    again = _ok(run_module("hostname_certificate", dict(id=old_id, state="absent", wait=True)))
    assert not again["changed"]
    new_id_again, moved_again, deleted_again = rotate()
    assert new_id_again == new_id and not moved_again["changed"] and not deleted_again["changed"]
    assert _reads_only(variant_api)


def test_worst_case_removed_association_reads_as_disabled(local_api, run_module):
    """``disabled_active``: a removed association reads exactly like a disabled one, status included.

    No client can tell them apart. The wait after a removal still ends; a second state=absent
    sends the same removal again (harmless, and reported as a change); state=disabled finds
    what it asked for. This pins the documented limit, it does not hide it.
    """
    local_api.configure(variants={"removed_association": "disabled_active"}, delays=INSTANT)
    certificate_id, _material = _upload(local_api, run_module, "worst.example.com")
    _ok(run_module("hostname_association", dict(hostnames=["app.example.com"], certificate_id=certificate_id, wait=True)))
    removed = _ok(run_module("hostname_association", dict(hostnames=["app.example.com"], certificate_id=certificate_id,
                                                          state="absent", wait=True)))
    assert removed["changed"]
    local_api.control("DELETE", "journal")
    again = _ok(run_module("hostname_association", dict(hostnames=["app.example.com"], certificate_id=certificate_id,
                                                        state="absent", wait=True)))
    assert again["changed"] and [entry["method"] for entry in local_api.writes()] == ["PUT"]
    # The detach before a certificate's DELETE removes it (again) and the DELETE goes through.
    deleted = _ok(run_module("hostname_certificate", dict(id=certificate_id, state="absent", detach_hostnames=["app.example.com"],
                                                          wait=True)))
    assert deleted["hostname_certificate"]["status"] == "deleted"
