# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The modules, run in-process against one real local Cloudflare API (a thread of this process).

These tests run once per ``make test`` with the dev venv (not on every ansible-core): they
are the wide tables (bad input, null selectors, the fault matrix) whose cells are module runs.

Fixtures:

* ``local_api``: the running server, reset before each test. ``local_api.control(method,
  name, body)`` calls ``/__control/<name>``; ``journal()`` lists the ``/client/v4`` requests
  the server saw; ``app`` is the server's state object (for reading what Cloudflare holds).
* ``run_module(name, args, check_mode=False, diff=False)``: runs
  ``mtls.cloudflare.<name>``'s ``main()`` with ``args`` plus the connection to the local API
  (``api_base_url``, ``api_token``, ``zone_id``; an explicit key in ``args`` wins, and a value
  of ``OMIT`` leaves that option out) and returns ``(exit code, result dict)``.

The modules' retry and wait sleeps go through ``plugins/module_utils/_api.py``'s ``_sleep``
and ``_clock`` seam: here they move a fake clock and the server's clock together, so a
Retry-After of 30 s or a 2 s revocation costs no real time. The server's own sleeps (the
``delay`` fault) stay real, as they must for a client-side timeout to happen.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
import requests

from ansible.module_utils.common import warnings as ansible_warnings

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tools" / "ci"))

from contract import Contract  # noqa: E402  pylint: disable=wrong-import-position
from local_cloudflare import start_server, stop_server  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import module_args  # noqa: E402  pylint: disable=wrong-import-position


ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
ZONE_NAME = "example.com"
TOKEN = "local-demo-token"
OMIT = object()
ENVIRONMENT = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY",
               "CLOUDFLARE_API_BASE_URL", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class LocalApi:
    def __init__(self, server, base_url):
        self.server = server
        self.app = server.app
        self.base_url = base_url
        self.control_url = base_url[:-len("/client/v4")] + "/__control"
        self.session = requests.Session()

    def control(self, method, name, body=None):
        response = self.session.request(method, "%s/%s" % (self.control_url, name), json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def journal(self):
        return self.control("GET", "journal")["requests"]

    def writes(self):
        return [entry for entry in self.journal() if entry["method"] not in ("GET", "HEAD")]

    def fault(self, **spec):
        return self.control("POST", "faults", spec)["faults"][0]

    def material(self, kind, common_name):
        return self.control("POST", "material", {"type": kind, "common_name": common_name})

    def seed_client_certificates(self, count=1, status="active"):
        return self.control("POST", "client_certificates", {"count": count, "status": status})["ids"]

    def configure(self, **patch):
        return self.control("PATCH", "config", patch)


class FakeClock:
    """Module-side time: moves only when a module sleeps, and moves the server's clock with it."""

    def __init__(self, app):
        self.app = app
        self.now = 1000.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        self.app.clock.advance(seconds)

    def monotonic(self):
        return self.now

    def wall(self):
        # The wall clock (the budget the processes of a controller share) moves with the fake one.
        return 1.7e9 + self.now


@pytest.fixture(scope="session")
def _server():
    server, thread, base_url = start_server()
    yield server, base_url
    stop_server(server, thread)


CONTRACT = Contract()


@pytest.fixture
def local_api(_server):
    """The server, reset; afterwards every request and answer of the test is checked against Cloudflare's OpenAPI."""
    server, base_url = _server
    api = LocalApi(server, base_url)
    api.control("POST", "reset")
    yield api
    problems = CONTRACT.check_all(api.journal())
    api.control("POST", "reset")
    api.session.close()
    if problems:
        pytest.fail("contract violations:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def fake_clock(local_api, monkeypatch):
    clock = FakeClock(local_api.app)
    api_layer = importlib.import_module("ansible_collections.mtls.cloudflare.plugins.module_utils._api")
    monkeypatch.setattr(api_layer, "_sleep", clock.sleep)
    monkeypatch.setattr(api_layer, "_clock", clock.monotonic)
    monkeypatch.setattr(api_layer, "_wall", clock.wall)
    return clock


@pytest.fixture
def run_module(local_api, fake_clock, capsys, monkeypatch, tmp_path):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    # The rate budget the processes of a controller share: a folder of each test's own, never ~/.ansible/tmp.
    monkeypatch.setenv("MTLS_CLOUDFLARE_BUDGET_DIR", str(tmp_path / "budget"))

    def run(name, args, check_mode=False, diff=False):
        module = importlib.import_module("ansible_collections.mtls.cloudflare.plugins.modules.%s" % name)
        full = dict(api_base_url=local_api.base_url, api_token=TOKEN, zone_id=ZONE_ID)
        full.update(args)
        full = dict((key, value) for key, value in full.items() if value is not OMIT)
        full.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        # In a real run each module is a process of its own; in-process, warnings and deprecations
        # collect in module-level globals and would leak from one run's result into the next.
        for name in ("_global_warnings", "_global_deprecations"):
            getattr(ansible_warnings, name, {}).clear()
        capsys.readouterr()
        with module_args(full):
            with pytest.raises(SystemExit) as exited:
                module.main()
        out = capsys.readouterr().out
        return exited.value.code or 0, json.loads(out)
    return run


def pytest_terminal_summary(terminalreporter):
    from tables import CELLS, render  # pylint: disable=import-outside-toplevel
    for table in CELLS:
        terminalreporter.write_sep("=", table)
        terminalreporter.write_line(render(table))
    if CONTRACT.validated:
        terminalreporter.write_line(CONTRACT.summary("tests/live"))
