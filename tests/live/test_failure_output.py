# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A failed run's result is printed whole on the "fatal:" line: it carries no PEM."""

from __future__ import annotations

import json

UNKNOWN_REFUSAL = [{"code": 99999, "message": "something nobody documented"}]


def _shown(result):
    # What the default callback prints at verbosity 0-2: the result without invocation.
    return json.dumps(dict((key, value) for key, value in result.items() if key != "invocation"))


def test_a_failed_revocation_prints_no_certificate_or_csr(local_api, run_module):
    certificate_id = local_api.seed_client_certificates(count=1)[0]
    local_api.fault(method="DELETE", path="/client_certificates/", action="status", status=400, errors=UNKNOWN_REFUSAL)
    code, result = run_module("client_certificate", dict(id=certificate_id, state="revoked"))
    assert code == 1 and "something nobody documented" in result["msg"]
    assert result["client_certificate"]["id"] == certificate_id and result["client_certificate"]["status"] == "active"
    assert "-----BEGIN" not in _shown(result)


def test_a_failed_upload_prints_no_certificate(local_api, run_module):
    material = local_api.material("hostname_certificate", "fatal.example.com")
    local_api.fault(method="POST", path="/certificates$", action="status", status=400, errors=UNKNOWN_REFUSAL)
    code, result = run_module("hostname_certificate", dict(certificate=material["certificate"], private_key=material["private_key"]))
    assert code == 1
    assert "-----BEGIN" not in _shown(result)


def test_a_successful_run_still_returns_the_pem(local_api, run_module):
    certificate_id = local_api.seed_client_certificates(count=1)[0]
    code, result = run_module("client_certificate", dict(id=certificate_id, state="revoked"))
    assert code == 0 and result["client_certificate"]["certificate"].startswith("-----BEGIN CERTIFICATE-----")
