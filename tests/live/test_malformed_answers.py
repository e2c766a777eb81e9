# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Malformed answers: objects of Cloudflare's answers whose fields have the wrong JSON type, or that are no objects at all.

The local API's ``rewrite`` fault serves the real answer with one field of the result (of each
listed item) set to another JSON value. Every read of every module must take that as a
malformed answer: read again within the budget, then a clear failure naming the request and
the field, never a crash or a silent misreading (a certificate skipped, a status unknown). A
write whose answer is malformed is ambiguous: the module re-reads, and reports what it finds
(the revoke row: applied, so ``changed: true`` with the certificate pending_revocation).
"""

from __future__ import annotations

import json

import pytest

from fault_cases import AOP, CLIENT_CERTIFICATES, HOSTNAME, HOSTNAME_CERTIFICATES, api, client_certificate_status, upload

RETRIES = 2
BUDGET = dict(api_retries=RETRIES, api_max_wait=60)
ALWAYS = 50
# field (None: the object itself is replaced), value, what the message must name.
CLIENT_CERTIFICATE_KINDS = {
    "not-object": (None, 5, "an integer where a client certificate object is due"),
    "status-number": ("status", 5, "status is an integer"),
    "serial-list": ("serial_number", ["01"], "serial_number is a list"),
    "id-null": ("id", None, "id is null"),
    "expires-object": ("expires_on", {"at": 1}, "expires_on is an object"),
    "common-name-list": ("common_name", ["device"], "common_name is a list"),
    # Infinity is not JSON: the whole answer is refused as no envelope, before any field is looked at.
    "validity-infinite": ("validity_days", float("inf"), "not a Cloudflare JSON envelope"),
}
HOSTNAME_CERTIFICATE_KINDS = {
    "not-object": (None, "certificate", "a string where a hostname certificate object is due"),
    "status-number": ("status", 5, "status is an integer"),
    "serial-list": ("serial_number", ["01"], "serial_number is a list"),
    "id-null": ("id", None, "has no id or cert_id"),
    "expires-object": ("expires_on", {"at": 1}, "expires_on is an object"),
}
ASSOCIATION_KINDS = {
    "status-number": ("status", 5, "status is an integer"),
    "enabled-string": ("enabled", "true", "enabled is a string"),
    "cert-id-list": ("cert_id", ["x"], "cert_id is a list"),
    "hostname-number": ("hostname", 5, "hostname is an integer"),
}


def _seeded(local_api):
    certificate_id = local_api.seed_client_certificates(1)[0]
    return certificate_id, api(local_api, "GET", CLIENT_CERTIFICATES + "/" + certificate_id)


def cc_by_id(local_api):
    certificate_id, _certificate = _seeded(local_api)
    return "client_certificate", dict(id=certificate_id, state="revoked"), "^%s/%s$" % (CLIENT_CERTIFICATES, certificate_id)


def cc_by_serial(local_api):
    _certificate_id, certificate = _seeded(local_api)
    return "client_certificate", dict(serial_number=certificate["serial_number"], state="revoked"), "^%s$" % CLIENT_CERTIFICATES


def ccs_by_ids(local_api):
    certificate_id, _certificate = _seeded(local_api)
    return "client_certificates", dict(ids=[certificate_id], state="revoked"), "^%s/%s$" % (CLIENT_CERTIFICATES, certificate_id)


def ccs_by_serials(local_api):
    _certificate_id, certificate = _seeded(local_api)
    return ("client_certificates", dict(serial_numbers=[certificate["serial_number"]], common_name="*", state="revoked"),
            "^%s$" % CLIENT_CERTIFICATES)


def cc_info(local_api):
    _seeded(local_api)
    return "client_certificate_info", dict(expires_within_days=36500), "^%s$" % CLIENT_CERTIFICATES


def hc_info(local_api):
    upload(local_api)
    return "hostname_certificate_info", dict(expires_within_days=36500), "^%s$" % HOSTNAME_CERTIFICATES


def hc_info_by_id(local_api):
    certificate_id = upload(local_api)
    return "hostname_certificate_info", dict(id=certificate_id), "^%s/%s$" % (HOSTNAME_CERTIFICATES, certificate_id)


def hc_present(local_api):
    upload(local_api, "origin-malformed.example.com")
    material = local_api.material("hostname_certificate", "origin-other.example.com")
    return ("hostname_certificate", dict(certificate=material["certificate"], private_key=material["private_key"]),
            "^%s$" % HOSTNAME_CERTIFICATES)


def association_read(local_api):
    certificate_id = upload(local_api)
    api(local_api, "PUT", AOP, {"config": [{"hostname": HOSTNAME, "cert_id": certificate_id, "enabled": True}]})
    return "hostname_association", dict(hostnames=[HOSTNAME], certificate_id=certificate_id), "^%s/%s$" % (AOP, HOSTNAME)


# A single object that is no object at all is the envelope's check (_api.py), tested with it: not here.
SINGLE = (cc_by_id, ccs_by_ids, hc_info_by_id)
READS = [(case, kind) for case in (cc_by_id, cc_by_serial, ccs_by_ids, ccs_by_serials, cc_info) for kind in CLIENT_CERTIFICATE_KINDS]
READS += [(case, kind) for case in (hc_info, hc_info_by_id, hc_present) for kind in HOSTNAME_CERTIFICATE_KINDS]
READS += [(association_read, kind) for kind in ASSOCIATION_KINDS]
READS = [(case, kind) for case, kind in READS if not (case in SINGLE and kind == "not-object")]


def _kind(case, kind):
    if case in (hc_info, hc_info_by_id, hc_present):
        return HOSTNAME_CERTIFICATE_KINDS[kind]
    if case is association_read:
        return ASSOCIATION_KINDS[kind]
    return CLIENT_CERTIFICATE_KINDS[kind]


def _rewrite(local_api, method, path, field, value, count=ALWAYS):
    spec = dict(method=method, path=path, action="rewrite", value=value, after_apply=True, count=count)
    if field is not None:
        spec["field"] = field
    # Sent as text: requests refuses to encode Infinity, which Cloudflare's answer may still hold.
    response = local_api.session.post(local_api.control_url + "/faults", data=json.dumps(spec), timeout=30,
                                      headers={"Content-Type": "application/json"})
    response.raise_for_status()


@pytest.mark.parametrize("case, kind", READS, ids=["%s-%s" % (case.__name__, kind) for case, kind in READS])
def test_a_malformed_read_fails_clearly_after_the_retries(local_api, run_module, case, kind):
    module, args, path = case(local_api)
    field, value, named = _kind(case, kind)
    local_api.control("DELETE", "journal")
    _rewrite(local_api, "GET", path, field, value)

    rc, result = run_module(module, dict(BUDGET, **args))

    assert rc == 1 and result["failed"], result
    msg = result["msg"]
    assert "Traceback" not in msg and "exception" not in result
    assert msg.startswith("Cloudflare API GET ") and named in msg, msg
    assert "Gave up after %d attempts" % (RETRIES + 1) in msg, msg
    assert result["api_error"]["method"] == "GET" and result["api_error"]["attempts"] == RETRIES + 1
    faulted = [entry for entry in local_api.journal() if entry.get("fault") == "rewrite"]
    assert len(faulted) == RETRIES + 1
    # Each retry was announced; nothing was written.
    assert sum(named in str(warning) for warning in result.get("warnings") or []) == RETRIES
    assert not local_api.writes() and result["changed"] is False


def test_a_malformed_read_that_heals_is_read_again(local_api, run_module):
    """One malformed answer, then good ones: the retry reads the certificate and the task goes on."""
    module, args, path = cc_by_serial(local_api)
    _rewrite(local_api, "GET", path, "status", 5, count=1)
    rc, result = run_module(module, dict(BUDGET, **args))
    assert rc == 0 and result["changed"] is True, result
    assert result["client_certificate"]["status"] == "pending_revocation"
    assert any("malformed" in str(warning) for warning in result["warnings"])


@pytest.mark.parametrize("kind", ["status-number", "serial-list", "id-null", "expires-object", "validity-infinite"])
def test_a_revoke_applied_with_a_malformed_answer_is_read_again(local_api, run_module, kind):
    certificate_id, _certificate = _seeded(local_api)
    field, value, named = CLIENT_CERTIFICATE_KINDS[kind]
    _rewrite(local_api, "DELETE", "^%s/%s$" % (CLIENT_CERTIFICATES, certificate_id), field, value, count=1)

    rc, result = run_module("client_certificate", dict(BUDGET, id=certificate_id, state="revoked"))

    assert rc == 0, result
    assert client_certificate_status(local_api.app, certificate_id) == "pending_revocation"
    assert result["changed"] is True and result["client_certificate"]["status"] == "pending_revocation"
    assert result["client_certificate"]["id"] == certificate_id
    warnings = " ".join(str(warning) for warning in result["warnings"])
    assert ("malformed" in warnings or named == "not a Cloudflare JSON envelope") and named in warnings and "applied" in warnings
    # One DELETE: the re-read showed it applied, so nothing was sent again.
    assert [entry["method"] for entry in local_api.writes()] == ["DELETE"]
