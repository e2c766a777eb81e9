# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``changed``, the per-item ``changed`` and the diff tell one story, whatever a write's answer was.

A write refused with 429 whose re-read shows its effect was made by someone else, not by
this run: the task reports nothing changed, at the top, for the item and in the diff. An
answer lost after the write was carried out: the task changed it, everywhere alike.
"""

from __future__ import annotations

import pytest

from fault_cases import AOP, BUDGET, HOSTNAME, ROWS, setup_association

# Rows whose task sends other writes besides the faulted one (the other certificates; the DELETE after the detach).
MORE_WRITES = ("ccs revoke 3", "hc detach PUT")
NOTHING_DONE = dict(action="status", status=429, after_apply=True)
LOST_ANSWER = dict(action="status", status=502, after_apply=True)


def _items(row, result):
    """{item: changed} of a module that reports per item; None for a module of one object."""
    if row.module == "hostname_association":
        return dict((entry["hostname"], entry["changed"]) for entry in result.get("hostnames") or [])
    if row.module == "client_certificates":
        return dict((entry["id"], entry["changed"]) for entry in result.get("certificates") or [] if entry.get("id"))
    return None


def _disagreements(row, result):
    problems = []
    changed = result.get("changed")
    diff = result.get("diff") or {}
    items = _items(row, result)
    if items is not None:
        moved = sorted(key for key, value in items.items() if value)
        if bool(moved) != changed:
            problems.append("changed=%r, but the items changed are %r" % (changed, moved))
        if sorted(diff.get("before") or {}) != moved or sorted(diff.get("after") or {}) != moved:
            problems.append("the diff shows %r, but the items changed are %r" % (sorted(diff.get("after") or {}), moved))
    elif diff and not changed and diff.get("before") != diff.get("after"):
        problems.append("changed=false, but the diff shows a change: %r" % diff)
    if row.module == "hostname_certificate" and result.get("detached_hostnames") and not changed:
        problems.append("changed=false, but detached_hostnames lists %r" % result["detached_hostnames"])
    return problems


def test_a_429_whose_read_shows_someone_elses_association_changes_nothing(local_api, run_module):
    cell = setup_association("enabled", None)(local_api)
    local_api.control("DELETE", "journal")
    # Refused with 429, yet carried out: as if someone else had made the same association in between.
    local_api.fault(method="PUT", path="^%s$" % AOP, **NOTHING_DONE)
    code, result = run_module("hostname_association", dict(BUDGET, **cell.args), diff=True)
    assert code == 0, result.get("msg")
    assert result["changed"] is False
    assert [(entry["hostname"], entry["changed"]) for entry in result["hostnames"]] == [(HOSTNAME, False)]
    assert result["diff"] == dict(before={}, after={})
    assert result["hostnames"][0]["after"]["cert_id"] == cell.facts["id"]


@pytest.mark.parametrize("fault", [NOTHING_DONE, LOST_ANSWER, None], ids=["429-done-by-others", "502-after-apply", "clean"])
@pytest.mark.parametrize("row", ROWS, ids=[row.name.replace(" ", "-") for row in ROWS])
def test_changed_items_and_diff_agree(local_api, run_module, row, fault):
    cell = row.setup(local_api)
    if fault is not None:
        local_api.fault(method=row.method, path=row.write_path(cell), count=1, **fault)
    code, result = run_module(row.module, dict(BUDGET, **cell.args), diff=True)
    assert local_api.control("POST", "wait_idle", {"timeout": 10})["idle"]
    assert "Traceback" not in (result.get("msg") or ""), result.get("msg")
    assert not _disagreements(row, result), (code, _disagreements(row, result), result.get("msg"))
    if code == 0:
        assert result["changed"] is (fault is not NOTHING_DONE or row.name in MORE_WRITES), result
    if row.name == "hc detach PUT" and code == 0:
        assert result["detached_hostnames"] == ([] if fault is NOTHING_DONE else [HOSTNAME])
