# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures: one real local Cloudflare API for the session, reset before every test.

The server runs in a thread of this process on a free loopback port. ``api`` is a client
that validates every 200 answer against the official OpenAPI document.
"""

from __future__ import annotations

import sys

import pytest

from local_api_helpers import REPO, LocalApi, OpenApiSpec, spec_path

sys.path.insert(0, str(REPO / "tools"))

from local_cloudflare import start_server, stop_server  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def spec() -> OpenApiSpec:
    path = spec_path()
    if not path.is_file():
        pytest.fail("the Cloudflare OpenAPI document is not at %s; run make openapi-extract or set CLOUDFLARE_OPENAPI_SPEC" % path)
    return OpenApiSpec(path)


@pytest.fixture(scope="session")
def server():
    running, thread, base_url = start_server()
    yield base_url
    stop_server(running, thread)


@pytest.fixture
def api(server, spec) -> LocalApi:
    client = LocalApi(server, spec)
    client.control("POST", "reset")
    yield client
    client.session.close()


# Variables the official SDK reads on its own: a credential or proxy left in the environment
# must not decide which request it sends.
SDK_ENVIRONMENT = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_USER_SERVICE_KEY",
                   "CLOUDFLARE_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def sdk_environment(monkeypatch):
    """An environment without the variables the official SDK reads (both SDK test files use it)."""
    for name in SDK_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
