# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The contract check (tools/ci/contract.py) catches what breaks Cloudflare's description, and only that."""

from __future__ import annotations

import sys

from local_api_helpers import REPO

sys.path.insert(0, str(REPO / "tools" / "ci"))

from contract import Contract  # noqa: E402  pylint: disable=wrong-import-position

ZONE = "/zones/023e105f4ecef8ad9ca31a8372d0c353"
CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"
FAILURE = {"success": False, "errors": [{"code": 1003, "message": "Invalid or missing zone id."}], "messages": [], "result": None}


def entry(method, path, body=None, status=200, answer=None, fault=None, auth="token", query=None):
    return {"method": method, "path": ZONE + path, "query": query or {}, "body": body, "status": status,
            "auth": auth, "fault": fault, "answer": answer}


def test_a_valid_request_and_error_answer_pass():
    contract = Contract()
    assert contract.check_all([entry("POST", "/client_certificates", {"csr": CSR, "validity_days": 365}, 400, FAILURE)]) == []
    assert contract.validated == 1 and len(contract.covered) == 1


def test_a_wrong_request_body_is_a_violation():
    problems = Contract().check_all([entry("POST", "/client_certificates", {"validity_days": "a year"}, 400, FAILURE)])
    assert any("request body: 'csr' is a required property" in problem for problem in problems), problems
    assert any("request body: 'a year' is not of type 'integer'" in problem for problem in problems), problems


def test_an_unknown_operation_a_body_where_none_is_taken_and_a_bad_query_are_violations():
    problems = Contract().check_all([
        entry("POST", "/client_certificates/abc/revoke"),
        entry("DELETE", "/client_certificates/abc", {"force": True}, 404, FAILURE),
        entry("GET", "/client_certificates", query={"per_page": "many"}, status=400, answer=FAILURE),
    ])
    assert [problem.split(":")[1].strip() for problem in problems] == [
        "no such operation in Cloudflare's description", "takes no request body", "'many' is not of type 'number' at /"], problems


def test_a_4xx_answer_must_be_an_error_envelope_and_a_fault_answer_is_not_checked():
    bad = {"success": False, "errors": [{"message": "no code"}]}
    problems = Contract().check_all([entry("GET", "/client_certificates/abc", status=404, answer=bad)])
    assert problems and all("answer 404" in problem for problem in problems), problems
    assert Contract().check_all([entry("GET", "/client_certificates/abc", status=404, answer="<garbage>", fault="garbage")]) == []
    # The request of a faulted exchange still counts: a wrong body is reported.
    assert Contract().check_all([entry("POST", "/client_certificates", {}, 502, "<html>", fault="status")])


def test_the_2026_only_operations_are_known_and_global_key_auth_is_checked():
    contract = Contract()
    assert contract.check_all([entry("GET", "/certificate_authorities/hostname_associations", status=400, answer=FAILURE)]) == []
    assert ("GET", "/zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint") in contract.operations
    assert contract.check_all([entry("GET", "/client_certificates", auth="global_key", status=400, answer=FAILURE)]) == []


def test_a_read_only_property_is_required_in_an_answer_but_never_in_a_request():
    """The 2026 rulesets description requires a ruleset's readOnly id, version and last_updated; a request cannot send them."""
    rule = {"action": "block", "expression": "not cf.tls_client_auth.cert_verified", "description": "mtls", "enabled": True}
    put = entry("PUT", "/rulesets/phases/http_request_firewall_custom/entrypoint",
                {"name": "default", "kind": "zone", "phase": "http_request_firewall_custom", "rules": [rule]}, 400, FAILURE)
    assert Contract().check_all([put]) == []
    # The same rule POSTed to a ruleset passes too (the rule's own readOnly id, version, last_updated).
    assert Contract().check_all([entry("POST", "/rulesets/3e1f5177a5ce40fd8443653623b755d5/rules", rule, 400, FAILURE)]) == []
    # An answer without them is a violation.
    answer = {"success": True, "errors": [], "messages": [], "result": {"name": "default", "kind": "zone",
                                                                        "phase": "http_request_firewall_custom", "rules": []}}
    problems = Contract().check_all([entry("GET", "/rulesets/phases/http_request_firewall_custom/entrypoint", answer=answer)])
    assert any("'id' is a required property" in problem for problem in problems), problems
