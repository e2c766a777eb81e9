# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's 2026 list of a zone's associations (``GET .../origin_tls_client_auth/hostnames``), in-process.

Reads of many hostnames take the list (a page per ``ASSOCIATION_PAGE_SIZE`` associations plus
the certificate list) instead of one GET each; an older API (``variants.association_list``:
404 or 400) is read one hostname at a time as before. ``hostname_certificate`` with
``detach_all`` and ``hostname_certificate_info`` with ``all_associations`` find the hostnames
from the list, and fail naming their option when there is none.
"""

from __future__ import annotations

import importlib

import pytest

from helpers import succeeded, upload_hostname_certificate  # pylint: disable=import-error

INSTANT = {"deployment": 0, "deletion": 0, "association": 0}
HOSTNAMES = ["h%02d.example.com" % index for index in range(50)]
LIST_PATH = "/zones/023e105f4ecef8ad9ca31a8372d0c353/origin_tls_client_auth/hostnames"


def _ok(result):
    return succeeded(result)


def _upload(local_api, run_module, common_name):
    return upload_hostname_certificate(local_api, run_module, common_name)[0]


def _gets(local_api):
    return [entry for entry in local_api.journal() if entry["method"] == "GET"]


def _list_reads(local_api):
    return [entry for entry in local_api.journal() if entry["method"] == "GET" and entry["path"].endswith(LIST_PATH)]


@pytest.fixture
def zone(local_api, run_module):
    """Certificate A with HOSTNAMES (h07 disabled), certificate B with two more, one hostname removed from A."""
    local_api.configure(delays=INSTANT)
    first = _upload(local_api, run_module, "first.example.com")
    second = _upload(local_api, run_module, "second.example.com")
    _ok(run_module("hostname_association", dict(hostnames=HOSTNAMES + ["gone.example.com"], certificate_id=first)))
    _ok(run_module("hostname_association", dict(hostnames=["h07.example.com"], certificate_id=first, state="disabled")))
    _ok(run_module("hostname_association", dict(hostnames=["gone.example.com"], state="absent")))
    _ok(run_module("hostname_association", dict(hostnames=["b1.example.com", "b2.example.com"], certificate_id=second)))
    local_api.control("DELETE", "journal")
    return dict(first=first, second=second)


def _without_cert_updated_at(associations):
    return [dict(association, cert_updated_at=None) for association in associations]


def test_many_hostnames_are_read_from_the_list(local_api, run_module, zone):
    """50 hostnames: 2 GETs (the certificate list, one page of the list) against 51 before the list; the same answers."""
    listed = _ok(run_module("hostname_certificate_info", dict(hostnames=HOSTNAMES)))
    listed_gets = _gets(local_api)
    assert len(listed_gets) == 2
    assert [entry["query"] for entry in _list_reads(local_api)] == [{"status": "all", "page": "1", "per_page": "1000"}]

    local_api.configure(variants={"association_list": "404"})
    local_api.control("DELETE", "journal")
    one_by_one = _ok(run_module("hostname_certificate_info", dict(hostnames=HOSTNAMES)))
    assert len(_gets(local_api)) == 1 + 1 + len(HOSTNAMES)  # the certificate list, the refused list, one GET per hostname

    # The list carries no certificate fields: they come from the certificate list, all but cert_updated_at.
    assert _without_cert_updated_at(listed["hostname_associations"]) == _without_cert_updated_at(one_by_one["hostname_associations"])
    assert listed["hostname_associations"][7]["enabled"] is False
    assert listed["hostname_associations"][0]["serial_number"] and listed["hostname_associations"][0]["cert_id"] == zone["first"]


@pytest.mark.parametrize("variant", ["404", "400"])
def test_an_api_without_the_list_is_read_one_hostname_at_a_time(local_api, run_module, zone, variant):
    local_api.configure(variants={"association_list": variant})
    outcome = _ok(run_module("hostname_association", dict(hostnames=HOSTNAMES, certificate_id=zone["first"])))
    # h07 is disabled: enabling it is the only change, found by one GET per hostname after the list was refused.
    assert outcome["changed"] and [entry["hostname"] for entry in outcome["hostnames"] if entry["changed"]] == ["h07.example.com"]
    assert len(_list_reads(local_api)) == 1  # the refused list only; the hostname reads are other paths
    assert len([entry for entry in _gets(local_api) if not entry["path"].endswith(LIST_PATH)]) == len(HOSTNAMES)
    assert [entry["body"] for entry in local_api.writes()] == [
        {"config": [{"hostname": "h07.example.com", "cert_id": zone["first"], "enabled": True}]}]


def test_association_reads_use_the_list_and_stay_idempotent(local_api, run_module, zone):
    outcome = _ok(run_module("hostname_association", dict(hostnames=HOSTNAMES, certificate_id=zone["first"], state="disabled")))
    assert len(_gets(local_api)) == 2 and len(local_api.writes()) == 1
    assert sum(entry["changed"] for entry in outcome["hostnames"]) == len(HOSTNAMES) - 1
    local_api.control("DELETE", "journal")
    again = _ok(run_module("hostname_association", dict(hostnames=HOSTNAMES, certificate_id=zone["first"], state="disabled")))
    assert not again["changed"] and not local_api.writes() and len(_gets(local_api)) == 2


def test_the_list_is_read_across_pages(local_api, run_module, zone, monkeypatch):
    monkeypatch.setattr(importlib.import_module("ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop"),
                        "ASSOCIATION_PAGE_SIZE", 7)
    outcome = _ok(run_module("hostname_certificate_info", dict(all_associations=True)))
    # 50 + gone (removed, listed as deleted) + 2 on B = 53 listed: 8 pages of 7.
    assert [entry["query"]["page"] for entry in _list_reads(local_api)] == [str(page) for page in range(1, 9)]
    assert [item["hostname"] for item in outcome["hostname_associations"]] == sorted(HOSTNAMES + ["b1.example.com", "b2.example.com"])


def test_info_lists_every_association_or_those_of_a_certificate(local_api, run_module, zone):
    every = _ok(run_module("hostname_certificate_info", dict(all_associations=True)))["hostname_associations"]
    assert len(every) == len(HOSTNAMES) + 2 and "gone.example.com" not in [item["hostname"] for item in every]
    assert {item["cert_id"] for item in every} == {zone["first"], zone["second"]}
    on_second = _ok(run_module("hostname_certificate_info", dict(id=zone["second"], all_associations=True)))
    assert [(item["hostname"], item["cert_id"], item["enabled"]) for item in on_second["hostname_associations"]] == [
        ("b1.example.com", zone["second"], True), ("b2.example.com", zone["second"], True)]


@pytest.mark.parametrize("variant", ["404", "400"])
def test_info_all_associations_fails_naming_the_option_without_the_list(local_api, run_module, zone, variant):
    local_api.configure(variants={"association_list": variant})
    code, outcome = run_module("hostname_certificate_info", dict(all_associations=True))
    assert code == 1 and "all_associations" in outcome["msg"] and "hostnames" in outcome["msg"]


def test_detach_all_check_mode_and_diff_show_the_hostnames(local_api, run_module, zone):
    outcome = _ok(run_module("hostname_certificate", dict(id=zone["second"], state="absent", detach_all=True), check_mode=True, diff=True))
    assert outcome["changed"] and outcome["detached_hostnames"] == ["b1.example.com", "b2.example.com"]
    assert outcome["diff"]["before"]["associated_hostnames"] == ["b1.example.com", "b2.example.com"]
    assert outcome["diff"]["after"]["associated_hostnames"] == []
    assert not local_api.writes()


def test_detach_all_detaches_every_hostname_on_the_certificate_and_deletes_it(local_api, run_module, zone):
    outcome = _ok(run_module("hostname_certificate", dict(id=zone["first"], state="absent", detach_all=True, wait=True), diff=True))
    assert outcome["changed"] and outcome["hostname_certificate"]["status"] == "deleted"
    # Every hostname on it, the disabled h07 too; not gone.example.com (removed before) nor B's.
    assert outcome["detached_hostnames"] == HOSTNAMES
    assert outcome["diff"]["before"]["associated_hostnames"] == HOSTNAMES
    puts = [entry for entry in local_api.writes() if entry["method"] == "PUT"]
    assert len(puts) == 1 and [item["hostname"] for item in puts[0]["body"]["config"]] == HOSTNAMES
    left = _ok(run_module("hostname_certificate_info", dict(all_associations=True)))["hostname_associations"]
    assert [item["hostname"] for item in left] == ["b1.example.com", "b2.example.com"]
    local_api.control("DELETE", "journal")
    again = _ok(run_module("hostname_certificate", dict(id=zone["first"], state="absent", detach_all=True)))
    assert not again["changed"] and not local_api.writes()


@pytest.mark.parametrize("variant", ["404", "400"])
def test_detach_all_fails_naming_the_option_without_the_list(local_api, run_module, zone, variant):
    local_api.configure(variants={"association_list": variant})
    code, outcome = run_module("hostname_certificate", dict(id=zone["second"], state="absent", detach_all=True))
    assert code == 1 and "detach_all" in outcome["msg"] and "detach_hostnames" in outcome["msg"]
    assert not local_api.writes()


def test_detach_hostnames_reads_them_from_the_list(local_api, run_module, zone):
    outcome = _ok(run_module("hostname_certificate", dict(id=zone["second"], state="absent",
                                                          detach_hostnames=["b1.example.com", "b2.example.com", "h01.example.com"])))
    assert outcome["detached_hostnames"] == ["b1.example.com", "b2.example.com"]
    assert outcome["hostnames_not_detached"] == [{"hostname": "h01.example.com", "cert_id": zone["first"]}]
    # The certificate, the list, the certificate list for the list's certificate fields: no GET per hostname.
    assert len([entry for entry in local_api.journal() if entry["method"] == "GET"]) == 3
