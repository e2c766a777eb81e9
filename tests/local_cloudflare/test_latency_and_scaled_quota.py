# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The settings the benchmarks use: a simulated network round trip, and a scaled-down quota of Cloudflare's shape."""

from __future__ import annotations

import argparse
import time

from concurrent.futures import ThreadPoolExecutor

from local_cloudflare.__main__ import command_line_config, parse_args
from local_cloudflare.config import DEFAULT_CONFIG, build_config

ZONE = "/zones/023e105f4ecef8ad9ca31a8372d0c353"


def test_latency_holds_every_answer_back_and_requests_overlap(api):
    assert api.control("GET", "config")["latency"] == DEFAULT_CONFIG["latency"] == 0
    assert api.control("PATCH", "config", {"latency": 0.2})["latency"] == 0.2
    started = time.monotonic()
    assert api.get(ZONE + "/client_certificates").status_code == 200
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(lambda _n: api.session.get(api.base_url + ZONE + "/client_certificates", headers=api.auth_headers,
                                                         timeout=10).status_code, range(4)))
    # Four at once take one round trip, not four.
    assert codes == [200] * 4 and time.monotonic() - started < 0.6
    # The control API is never held back.
    started = time.monotonic()
    api.control("GET", "health")
    assert time.monotonic() - started < 0.15
    api.control("PATCH", "config", {"latency": -1}, expect=400)
    api.control("PATCH", "config", {"latency": 60}, expect=400)
    api.control("PATCH", "config", {"latency": 0})


def test_a_scaled_quota_blocks_for_a_window_after_the_request_over_it(api):
    api.control("PATCH", "config", {"rate_limit": {"quota": 5, "window": 10}})
    statuses = [api.get(ZONE + "/client_certificates", validate=False).status_code for _n in range(6)]
    assert statuses == [200] * 5 + [429]
    blocked = api.get(ZONE + "/client_certificates", validate=False)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 10
    assert blocked.headers["Ratelimit-Policy"] == '"default";q=5;w=10'
    api.control("POST", "clock", {"advance": 10})
    assert api.get(ZONE + "/client_certificates").status_code == 200


def test_the_command_line_sets_latency_and_the_quota():
    args = parse_args(["--latency", "0.05", "--rate-limit-quota", "100", "--rate-limit-window", "10"])
    config = command_line_config(build_config(), args)
    assert config["latency"] == 0.05 and config["rate_limit"] == {"quota": 100, "window": 10}
    unchanged = command_line_config(build_config(), argparse.Namespace(latency=None, rate_limit_quota=None, rate_limit_window=None))
    assert unchanged == build_config()
