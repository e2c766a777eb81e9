# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault matrix's judge, on made-up runs: a right module passes, each wrong one is named."""

from __future__ import annotations

import pytest

from fault_cases import Cell, Row, judge, post_repeats

COLLECTION = "/zones/z/client_certificates"
WARNED = {"warnings": ["the answer was lost; a new read shows it was applied"]}


def row(effect, wanted=None, live=None):
    return Row("r", "m", "POST", "^x$", None, lambda app, cell: effect, lambda app, cell: effect if wanted is None else wanted,
               None if live is None else (lambda app, cell: live))


def entry(method, path=COLLECTION, status=200, fault=None, applied=None):
    item = {"method": method, "path": path, "status": status, "fault": fault, "query": {}}
    if applied is not None:
        item["applied_status"] = applied
    return item


FAULTED_POST = [entry("GET"), entry("POST", status=502, fault="status", applied=200), entry("GET")]


def verdict(effect, rc, result, journal=None, crashed=None, wanted=None, live=None, faulted=True):
    return judge(row(effect, wanted, live), Cell({}), None, FAULTED_POST if journal is None else journal,
                 (crashed, rc, result), faulted)[0]


@pytest.mark.parametrize("effect, rc, result, expected", [
    (True, 0, dict(WARNED, changed=True), "done"),
    (False, 1, {"changed": False, "msg": "POST failed with HTTP 500; a new read shows nothing was issued"}, "failed"),
    (True, 1, {"changed": False, "msg": "POST failed; the outcome is unknown: it may still land"}, "unknown"),
    (True, 1, {"changed": True, "msg": "the DELETE was applied, then waiting failed"}, "failed"),
    (False, 1, {"changed": False, "msg": "the outcome is UNKNOWN"}, "unknown"),
    (True, 0, dict(WARNED, changed=False), "WRONG:hid"),
    (False, 0, dict(WARNED, changed=True), "WRONG:ghost"),
    (False, 1, {"changed": True, "msg": "failed"}, "WRONG:ghost"),
    (True, 1, {"changed": False, "msg": "HTTP 502"}, "WRONG:hid"),
    (True, 1, {"changed": False, "msg": "HTTP 502; a new read shows it active, so the change was not applied"}, "WRONG:claim"),
    (True, 1, {"changed": False, "msg": "no certificate was found afterwards, so none was issued"}, "WRONG:claim"),
    (True, 0, {"changed": True}, "WRONG:nowarn"),
    (True, 1, {"changed": True, "msg": ""}, "WRONG:nomsg"),
    (True, 1, {"changed": True, "msg": "boom", "exception": "Traceback (most recent call last): ..."}, "WRONG:tb"),
])
def test_verdicts(effect, rc, result, expected):
    assert verdict(effect, rc, result) == expected


def test_a_crash_is_a_traceback():
    assert verdict(True, None, {}, crashed="KeyError: 'id'") == "WRONG:tb"


def test_success_that_misses_the_wanted_state():
    assert verdict(True, 0, dict(WARNED, changed=True), wanted=False) == "WRONG:unreached"


def test_duplicates_beat_everything_but_a_traceback():
    assert verdict(True, 0, dict(WARNED, changed=True), live=2) == "WRONG:dup"
    assert verdict(True, 0, dict(WARNED, changed=True), live=1) == "done"


def test_a_fault_that_never_fired():
    assert verdict(False, 0, {"changed": False}, journal=[entry("GET")], faulted=False) == "WRONG:unhit"


@pytest.mark.parametrize("journal, reasons", [
    ([entry("POST", status=500), entry("POST")], ["blind"]),
    ([entry("POST", status=None, fault="drop"), entry("GET", path=COLLECTION + "/abc"), entry("POST")], ["blind"]),
    ([entry("POST", status=500), entry("GET"), entry("POST")], []),
    ([entry("POST", status=429, fault="status"), entry("POST")], ["429POST"]),
    ([entry("POST", status=429, fault="status", applied=200), entry("POST")], ["blind"]),
    ([entry("POST", status=500), entry("GET"), entry("POST", status=500), entry("POST")], ["blind"]),
    ([entry("POST"), entry("POST", path="/zones/z/other")], []),
    ([entry("PUT"), entry("PUT")], []),
])
def test_post_repeats(journal, reasons):
    assert [reason for reason, _text in post_repeats(journal)] == reasons
