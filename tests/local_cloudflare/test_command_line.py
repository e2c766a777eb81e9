# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``python -m local_cloudflare`` as the Makefile, CI and the demo start it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from local_api_helpers import REPO, TOKEN


def start(*arguments: str) -> subprocess.Popen:
    environment = dict(os.environ, PYTHONPATH=str(REPO / "tools"))
    return subprocess.Popen([sys.executable, "-m", "local_cloudflare", *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serves_on_a_free_port_and_stops_on_signal(tmp_path, stop_signal):
    port_file = tmp_path / "port"
    process = start("--port", "0", "--port-file", str(port_file))
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"local Cloudflare API listening on http://127\.0\.0\.1:(\d+)/client/v4\n", line)
        assert match, line
        assert port_file.read_text(encoding="utf-8").strip() == match.group(1)
        base = "http://127.0.0.1:%s" % match.group(1)
        session = requests.Session()
        session.trust_env = False
        assert session.get(base + "/__control/health", timeout=5).json() == {"ok": True}
        zones = session.get(base + "/client/v4/zones", headers={"Authorization": "Bearer " + TOKEN}, timeout=5)
        assert zones.json()["result"][0]["name"] == "example.com"
        session.close()
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_config_file_replaces_zones_and_keeps_other_defaults(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"zones": [{"id": "a" * 32, "name": "example.net"}], "delays": {"revocation": 0}}), encoding="utf-8")
    process = start("--config", str(config))
    try:
        port = re.search(r":(\d+)/client/v4", process.stdout.readline()).group(1)
        session = requests.Session()
        session.trust_env = False
        shown = session.get("http://127.0.0.1:%s/__control/config" % port, timeout=5).json()
        session.close()
        assert shown["zones"] == [{"id": "a" * 32, "name": "example.net"}]
        assert shown["delays"] == {"revocation": 0, "reactivation": 2, "deployment": 2, "deletion": 2, "association": 2}
        assert shown["rate_limit"] == {"quota": 1200, "window": 300}
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


@pytest.mark.parametrize("arguments, message", [
    (("--host", "0.0.0.0"), "loopback"),
    (("--host", "192.168.1.10"), "loopback"),
    (("--host", "example.com"), "loopback"),
    (("--config", "/nonexistent/config.json"), "cannot read config"),
])
def test_refuses_non_loopback_hosts_and_bad_config(arguments, message):
    process = start(*arguments)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert message in err


def test_refuses_a_config_with_unusable_credentials(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"global_keys": [{"email": "a@example.com", "key": "short"}]}), encoding="utf-8")
    process = start("--config", str(config))
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "37 lowercase hex" in err
