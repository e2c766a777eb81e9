# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault matrix: every write the modules send x every lost or odd answer, through ``main()``.

One test per cell (rows and columns in ``fault_cases.py``, with the verdicts): set the state
up through the local API, add a fault that hits only the write, run the module for real,
wait for any late landing, then hold the module's result against what the server holds:

* succeeded: ``changed`` is exactly "the write's effect is there", and the wanted state holds;
* failed: no traceback, a message; ``changed`` only with the effect there; with the effect
  there and ``changed: false`` the message says the outcome is unknown, and it never says
  the change was not applied;
* always: no POST repeated without a look-up between, at most one live object per cell.

The ``check`` column runs each row once in check mode: no write, ``changed`` predicted.
Every cell lands in the "fault matrix" table that conftest prints at the end.
"""

from __future__ import annotations

import pytest


import tables
from fault_cases import BUDGET, COLUMNS, ROWS, Column, explain, judge

TABLE = "fault matrix"


def _run(run_module, row, cell, column=None, check_mode=False):
    args = dict(BUDGET)
    if column is not None and column.timeout is not None:
        args["api_timeout"] = column.timeout
    args.update(cell.args)
    try:
        rc, result = run_module(row.module, args, check_mode=check_mode)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # A crash is a cell's finding, not an error of the test.
        return "%s: %s" % (type(exc).__name__, exc), None, {}
    return None, rc, result


@pytest.mark.parametrize("column", COLUMNS, ids=[column.name for column in COLUMNS])
@pytest.mark.parametrize("row", ROWS, ids=[row.name.replace(" ", "-") for row in ROWS])
def test_fault_cell(local_api, run_module, row, column):
    app = local_api.app
    cell = row.setup(local_api)
    assert not row.effect(app, cell), "set-up: the effect of %s must not be there before the run" % row.name
    local_api.control("DELETE", "journal")
    local_api.control("POST", "faults", column.spec(row.method, row.write_path(cell)))

    run = _run(run_module, row, cell, column)

    # A write that lands late is carried out (and journaled) once the server's sleep ends.
    assert local_api.control("POST", "wait_idle", {"timeout": 10})["idle"], "the local API is still busy after 10 s"
    local_api.control("DELETE", "faults")
    # In the order the module sent them: a timed-out request is journaled when its sleep ends.
    journal = sorted(local_api.journal(), key=lambda entry: entry["time"])
    faulted = any(entry.get("fault") for entry in journal)
    verdict, problems = judge(row, cell, app, journal, run, faulted)
    tables.record(TABLE, row.name, column.name, verdict)
    assert not problems, explain(row, column, cell, verdict, problems, run, journal, app)
    expected = column.expect.get(row.name)
    assert expected is None or verdict == expected, explain(row, column, cell, verdict, [("expect", "expected %s" % expected)],
                                                            run, journal, app)


@pytest.mark.parametrize("row", ROWS, ids=[row.name.replace(" ", "-") for row in ROWS])
def test_check_mode(local_api, run_module, row):
    app = local_api.app
    cell = row.setup(local_api)
    local_api.control("DELETE", "journal")
    crashed, rc, result = run = _run(run_module, row, cell, check_mode=True)
    writes = local_api.writes()
    problems = []
    if crashed is not None or rc != 0:
        problems.append(("tb" if crashed else "failed", "check mode did not succeed"))
    if writes:
        problems.append(("write", "check mode sent %s" % ", ".join("%s %s" % (w["method"], w["path"]) for w in writes)))
    if result.get("changed") is not True:
        problems.append(("predict", "check mode predicted changed=%r; a real run changes something" % result.get("changed")))
    if row.effect(app, cell):
        problems.append(("effect", "the write's effect is there after a check-mode run"))
    verdict = "WRONG:" + problems[0][0] if problems else "done"
    tables.record(TABLE, row.name, "check", verdict)
    assert not problems, explain(row, Column("check", {}), cell, verdict, problems, run, local_api.journal(), app)
