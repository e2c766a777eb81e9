# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""mtls_enforcement_info and mtls_enforcement_rule against the local API: revocation that blocks.

Cloudflare keeps ``cf.tls_client_auth.cert_verified`` true for a revoked client certificate;
only a block rule that checks ``cf.tls_client_auth.cert_revoked`` stops it. The info module
must say, per mTLS hostname, whether such a rule covers it (and ``unknown`` rather than
``blocked`` when it cannot tell); the rule module must manage its one rule and never any other.
"""

from __future__ import annotations

import pytest

from conftest import TOKEN, ZONE_ID

ENTRYPOINT = "/zones/%s/rulesets/phases/http_request_firewall_custom/entrypoint" % ZONE_ID
MTLS_HOSTNAMES = "/zones/%s/certificate_authorities/hostname_associations" % ZONE_ID
DESCRIPTION = "mtls.cloudflare: block revoked and unverified client certificates"
CONDITION = "(not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)"
OTHER = {"action": "log", "description": "someone else's", "expression": "ip.src eq 192.0.2.1"}
SKIP = {"action": "skip", "description": "skip the rest", "expression": "ip.src eq 192.0.2.2",
        "action_parameters": {"ruleset": "current"}}


def _api(local_api, method, path, body=None):
    response = local_api.session.request(method, local_api.base_url + path, json=body, headers={"Authorization": "Bearer " + TOKEN},
                                         timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def _mtls(local_api, *hostnames):
    """Seed the zone's mTLS hostnames; the journal then starts empty, for the module's requests alone."""
    _api(local_api, "PUT", MTLS_HOSTNAMES, {"hostnames": list(hostnames)})
    local_api.control("DELETE", "journal")


def _rules(local_api, *rules):
    """Seed the entry point ruleset with ``rules``; the journal then starts empty."""
    ruleset = _api(local_api, "PUT", ENTRYPOINT, {"rules": list(rules)})
    local_api.control("DELETE", "journal")
    return ruleset


def _entrypoint(local_api):
    response = local_api.session.get(local_api.base_url + ENTRYPOINT, headers={"Authorization": "Bearer " + TOKEN}, timeout=10)
    return response.json()["result"] if response.status_code == 200 else None


def _ok(result):
    code, outcome = result
    assert code == 0, outcome.get("msg")
    return outcome


def _statuses(outcome):
    return dict((entry["hostname"], entry["status"]) for entry in outcome["hostnames"])


# --- mtls_enforcement_info ---------------------------------------------------------------------

def test_no_ruleset_means_nothing_is_blocked(local_api, run_module):
    _mtls(local_api, "api.example.com", "app.example.com")
    outcome = _ok(run_module("mtls_enforcement_info", {}))
    assert outcome["mtls_hostnames"] == ["api.example.com", "app.example.com"]
    assert outcome["ruleset"] is None and outcome["rules"] == []
    assert _statuses(outcome) == {"api.example.com": "not_blocked", "app.example.com": "not_blocked"}
    assert outcome["all_blocked"] is False and outcome["hostnames_not_blocked"] == ["api.example.com", "app.example.com"]
    assert outcome["changed"] is False and {entry["method"] for entry in local_api.journal()} == {"GET"}


def test_a_blocking_rule_covers_every_hostname(local_api, run_module):
    _mtls(local_api, "api.example.com", "app.example.com")
    ruleset = _rules(local_api, OTHER, {"action": "block", "expression": "(not cf.tls_client_auth.cert_verified) or cf.tls_client_auth.cert_revoked"})
    outcome = _ok(run_module("mtls_enforcement_info", {}))
    assert _statuses(outcome) == {"api.example.com": "blocked", "app.example.com": "blocked"}
    assert outcome["all_blocked"] is True and outcome["hostnames_not_blocked"] == []
    assert outcome["hostnames"][0]["rules"] == [ruleset["rules"][1]["id"]]
    assert [rule["revoked_certificates"] for rule in outcome["rules"]] == ["not_blocked", "blocked_everywhere"]
    assert outcome["ruleset"]["id"] == ruleset["id"]


def test_a_disabled_rule_blocks_nothing(local_api, run_module):
    _mtls(local_api, "api.example.com")
    _rules(local_api, {"action": "block", "expression": CONDITION, "enabled": False})
    outcome = _ok(run_module("mtls_enforcement_info", {}))
    assert _statuses(outcome) == {"api.example.com": "not_blocked"} and outcome["all_blocked"] is False


def test_a_rule_scoped_to_other_hostnames_does_not_cover_these(local_api, run_module):
    _mtls(local_api, "api.example.com", "app.example.com")
    _rules(local_api, {"action": "block", "expression": '(http.host in {"app.example.com" "www.example.com"}) and ' + CONDITION})
    outcome = _ok(run_module("mtls_enforcement_info", {}))
    assert _statuses(outcome) == {"api.example.com": "not_blocked", "app.example.com": "blocked"}
    assert outcome["hostnames_not_blocked"] == ["api.example.com"]
    assert outcome["rules"][0]["blocked_hosts"] == ["app.example.com", "www.example.com"]


@pytest.mark.parametrize("rules", [
    [{"action": "block", "expression": "cf.tls_client_auth.cert_revoked and ip.src eq 192.0.2.9"}],
    [{"action": "block", "expression": 'http.host contains "api" and cf.tls_client_auth.cert_revoked'}],
    [SKIP, {"action": "block", "expression": CONDITION}],
], ids=["narrowed", "host-function", "skip-before"])
def test_what_cannot_be_told_is_unknown_never_blocked(local_api, run_module, rules):
    _mtls(local_api, "api.example.com")
    _rules(local_api, *rules)
    outcome = _ok(run_module("mtls_enforcement_info", {}))
    assert _statuses(outcome) == {"api.example.com": "unknown"}
    assert outcome["all_blocked"] is False and outcome["hostnames_not_blocked"] == ["api.example.com"]


def test_given_hostnames_are_checked_without_reading_the_mtls_list(local_api, run_module):
    _rules(local_api, {"action": "block", "expression": 'http.host eq "api.example.com" and ' + CONDITION})
    outcome = _ok(run_module("mtls_enforcement_info", {"hostnames": ["API.example.com.", "www.example.com"]}))
    assert _statuses(outcome) == {"api.example.com": "blocked", "www.example.com": "not_blocked"}
    assert "mtls_hostnames" not in outcome
    assert [entry["path"] for entry in local_api.journal()] == [ENTRYPOINT]


# --- mtls_enforcement_rule ---------------------------------------------------------------------

def test_the_rule_is_created_with_the_entrypoint_and_then_blocks(local_api, run_module):
    _mtls(local_api, "app.example.com", "api.example.com")
    outcome = _ok(run_module("mtls_enforcement_rule", {}, diff=True))
    expression = '(http.host in {"api.example.com" "app.example.com"}) and ' + CONDITION
    assert outcome["changed"] is True and outcome["expression"] == expression
    assert outcome["hostnames"] == ["api.example.com", "app.example.com"]
    assert outcome["rule"]["expression"] == expression and len(outcome["rule"]["id"]) == 32
    assert outcome["diff"]["before"] == {"state": "absent"}
    assert outcome["diff"]["after"] == {"state": "present", "description": DESCRIPTION, "expression": expression, "action": "block",
                                        "enabled": True}
    assert [(entry["method"], entry["path"]) for entry in local_api.writes()] == [("PUT", ENTRYPOINT)]
    assert _entrypoint(local_api)["rules"][0]["id"] == outcome["rule"]["id"]
    info = _ok(run_module("mtls_enforcement_info", {}))
    assert info["all_blocked"] is True


def test_a_second_run_changes_nothing(local_api, run_module):
    _mtls(local_api, "api.example.com")
    _ok(run_module("mtls_enforcement_rule", {}))
    local_api.control("DELETE", "journal")
    outcome = _ok(run_module("mtls_enforcement_rule", {}, diff=True))
    assert outcome["changed"] is False and local_api.writes() == []
    assert outcome["diff"]["before"] == outcome["diff"]["after"]


def test_check_mode_sends_no_write_and_predicts_the_rule(local_api, run_module):
    _mtls(local_api, "api.example.com")
    ruleset = _rules(local_api, OTHER)
    local_api.control("DELETE", "journal")
    outcome = _ok(run_module("mtls_enforcement_rule", {}, check_mode=True, diff=True))
    assert outcome["changed"] is True and local_api.writes() == []
    assert outcome["rule"]["id"] is None and outcome["rule"]["expression"].endswith(CONDITION)
    assert outcome["diff"]["after"]["state"] == "present"
    assert _entrypoint(local_api)["rules"] == ruleset["rules"]


def test_the_rule_is_added_beside_other_rules_and_never_touches_them(local_api, run_module):
    ruleset = _rules(local_api, OTHER, SKIP)
    local_api.control("DELETE", "journal")
    outcome = _ok(run_module("mtls_enforcement_rule", {"hostnames": ["api.example.com"]}))
    assert outcome["changed"] is True and outcome["ruleset_id"] == ruleset["id"]
    writes = local_api.writes()
    assert [(entry["method"], entry["path"]) for entry in writes] == [("POST", "/zones/%s/rulesets/%s/rules" % (ZONE_ID, ruleset["id"]))]
    assert writes[0]["body"] == {"description": DESCRIPTION, "expression": '(http.host in {"api.example.com"}) and ' + CONDITION,
                                 "action": "block", "enabled": True}
    after = _entrypoint(local_api)["rules"]
    assert after[:2] == ruleset["rules"] and after[2]["id"] == outcome["rule"]["id"]


def test_a_changed_rule_is_patched_alone(local_api, run_module):
    ruleset = _rules(local_api, OTHER, {"action": "block", "description": DESCRIPTION, "expression": CONDITION, "enabled": False})
    mine = ruleset["rules"][1]
    local_api.control("DELETE", "journal")
    outcome = _ok(run_module("mtls_enforcement_rule", {"hostnames": ["api.example.com"]}, diff=True))
    assert outcome["changed"] is True and outcome["rule"]["id"] == mine["id"] and outcome["rule"]["enabled"] is True
    assert [(entry["method"], entry["path"]) for entry in local_api.writes()] == [
        ("PATCH", "/zones/%s/rulesets/%s/rules/%s" % (ZONE_ID, ruleset["id"], mine["id"]))]
    assert outcome["diff"]["before"]["enabled"] is False and outcome["diff"]["after"]["enabled"] is True
    assert _entrypoint(local_api)["rules"][0] == ruleset["rules"][0]


def test_absent_deletes_only_the_rule_and_is_idempotent(local_api, run_module):
    ruleset = _rules(local_api, OTHER, {"action": "block", "description": DESCRIPTION, "expression": CONDITION})
    local_api.control("DELETE", "journal")
    check = _ok(run_module("mtls_enforcement_rule", {"state": "absent"}, check_mode=True))
    assert check["changed"] is True and check["rule"] is None and local_api.writes() == []
    outcome = _ok(run_module("mtls_enforcement_rule", {"state": "absent"}, diff=True))
    assert outcome["changed"] is True and outcome["rule"] is None and outcome["diff"]["after"] == {"state": "absent"}
    assert [entry["method"] for entry in local_api.writes()] == ["DELETE"]
    assert _entrypoint(local_api)["rules"] == ruleset["rules"][:1]
    again = _ok(run_module("mtls_enforcement_rule", {"state": "absent"}))
    assert again["changed"] is False and len(local_api.writes()) == 1


def test_absent_without_a_ruleset_changes_nothing(local_api, run_module):
    outcome = _ok(run_module("mtls_enforcement_rule", {"state": "absent"}))
    assert outcome["changed"] is False and outcome["rule"] is None and outcome["ruleset_id"] is None and local_api.writes() == []


def test_without_hostnames_and_without_mtls_hostnames_it_fails_before_any_write(local_api, run_module):
    code, outcome = run_module("mtls_enforcement_rule", {})
    assert code == 1 and "hostnames" in outcome["msg"] and "all_hostnames" in outcome["msg"] and local_api.writes() == []


def test_all_hostnames_sets_the_rule_without_a_host_condition(local_api, run_module):
    outcome = _ok(run_module("mtls_enforcement_rule", {"all_hostnames": True}))
    assert outcome["expression"] == CONDITION and outcome["hostnames"] is None
    assert _entrypoint(local_api)["rules"][0]["expression"] == CONDITION


def test_two_rules_with_the_description_fail_before_any_write(local_api, run_module):
    mine = {"action": "block", "description": DESCRIPTION, "expression": CONDITION}
    _rules(local_api, mine, mine)
    local_api.control("DELETE", "journal")
    code, outcome = run_module("mtls_enforcement_rule", {"hostnames": ["api.example.com"]})
    assert code == 1 and "2 rules" in outcome["msg"] and local_api.writes() == []


def test_a_lost_answer_to_the_post_is_decided_by_a_read(local_api, run_module):
    ruleset = _rules(local_api, OTHER)
    local_api.control("DELETE", "journal")
    local_api.fault(method="POST", path="/rulesets/.*/rules$", count=1, action="drop", after_apply=True)
    code, outcome = run_module("mtls_enforcement_rule", {"hostnames": ["api.example.com"]})
    assert code == 0 and outcome["changed"] is True, outcome.get("msg")
    # A warning is a string or, on newer cores, a dict that holds the text.
    assert "a new read shows that it was applied" in str(outcome.get("warnings"))
    assert [entry["method"] for entry in local_api.writes()] == ["POST"]
    rules = _entrypoint(local_api)["rules"]
    assert len(rules) == 2 and rules[0] == ruleset["rules"][0] and outcome["rule"]["id"] == rules[1]["id"]


def test_a_lost_post_that_was_not_applied_is_not_sent_twice(local_api, run_module):
    _rules(local_api, OTHER)
    local_api.control("DELETE", "journal")
    local_api.fault(method="POST", path="/rulesets/.*/rules$", count=1, action="drop")
    code, outcome = run_module("mtls_enforcement_rule", {"hostnames": ["api.example.com"]})
    assert code == 1 and "outcome is unknown" in outcome["msg"]
    assert [entry["method"] for entry in local_api.writes()] == ["POST"] and len(_entrypoint(local_api)["rules"]) == 1
