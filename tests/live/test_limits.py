# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's limits whose error codes nobody knows: explained by counting what exists, never by an error text.

The refusals here are injected faults with an unknown code and text (``status`` 400, code
99999), so only the counting can produce the explanation.
"""

from __future__ import annotations

from conftest import OMIT  # pylint: disable=import-error

UNKNOWN_REFUSAL = [{"code": 99999, "message": "something nobody documented"}]


def test_client_certificate_quota_is_explained_by_counting(local_api, run_module):
    local_api.seed_client_certificates(count=100)
    local_api.fault(method="POST", path="/client_certificates$", count=1, action="status", status=400, errors=UNKNOWN_REFUSAL)
    csr = local_api.material("csr", "quota.example.com")["csr"]
    code, result = run_module("client_certificate", dict(csr=csr))
    assert code == 1
    assert "already holds 100 client certificates (100 active)" in result["msg"]
    assert "account team" in result["msg"] and "something nobody documented" in result["msg"]


def test_a_refusal_below_the_quota_is_left_as_it_is(local_api, run_module):
    local_api.seed_client_certificates(count=3)
    local_api.fault(method="POST", path="/client_certificates$", count=1, action="status", status=400, errors=UNKNOWN_REFUSAL)
    code, result = run_module("client_certificate", dict(csr=local_api.material("csr", "small.example.com")["csr"]))
    assert code == 1 and "quota" not in result["msg"] and "something nobody documented" in result["msg"]


def _certificate(local_api, run_module):
    material = local_api.material("hostname_certificate", "limits.example.com")
    code, uploaded = run_module("hostname_certificate", dict(certificate=material["certificate"], private_key=material["private_key"]))
    assert code == 0, uploaded.get("msg")
    return uploaded["hostname_certificate"]["id"]


def test_more_than_100_hostnames_on_one_certificate_fails_before_sending(local_api, run_module):
    certificate_id = _certificate(local_api, run_module)
    local_api.control("DELETE", "journal")
    hostnames = ["h%d.example.com" % number for number in range(101)]
    code, result = run_module("hostname_association", dict(hostnames=hostnames, certificate_id=certificate_id))
    assert code == 1 and "101 hostnames with certificate %s" % certificate_id in result["msg"] and "at most 100" in result["msg"]
    assert local_api.writes() == []


def test_refused_association_counts_the_task_hostnames(local_api, run_module):
    certificate_id = _certificate(local_api, run_module)
    local_api.fault(method="PUT", path="/hostnames$", count=1, action="status", status=400, errors=UNKNOWN_REFUSAL)
    code, result = run_module("hostname_association", dict(hostnames=["a.example.com", "b.example.com"], certificate_id=certificate_id))
    assert code == 1
    assert "limit of 100 associations per certificate: this task puts 2 on %s" % certificate_id in result["msg"]
    assert "something nobody documented" in result["msg"]


def test_zone_not_found_names_zone_read(local_api, run_module):
    code, result = run_module("hostname_certificate_info", dict(zone_id=OMIT, zone="missing.example"))
    assert code == 1 and "Zone Read" in result["msg"]
