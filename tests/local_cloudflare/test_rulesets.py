# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zone rulesets (the WAF custom rules entry point and its rules) and the API Shield mTLS hostnames.

These endpoints are not in the 2024-08 document the ``api`` fixture validates against: every
200 answer here is checked against the 2026 split files instead
(``tests/openapi/2026/``), response schema by response schema.
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from local_api_helpers import REPO, to_json_schema, zone_path

SPEC_2026 = REPO / "tests" / "openapi" / "2026"
ENTRYPOINT = zone_path("/rulesets/phases/http_request_firewall_custom/entrypoint")
MTLS_HOSTNAMES = zone_path("/certificate_authorities/hostname_associations")
ENFORCE = {"action": "block", "description": "enforce", "expression": "(not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)"}
OTHER = {"action": "log", "description": "someone else's", "expression": "ip.src eq 192.0.2.1"}


class Spec2026:
    def __init__(self, name):
        path = SPEC_2026 / name
        if not path.is_file():
            pytest.fail("the 2026 Cloudflare OpenAPI files are not at %s" % SPEC_2026)
        with open(path, encoding="utf-8") as spec_file:
            self.document = json.load(spec_file)
        self.components = to_json_schema(self.document["components"])

    def validate(self, schema, payload):
        jsonschema.Draft7Validator({"allOf": [to_json_schema(schema)], "components": self.components}).validate(copy.deepcopy(payload))

    def response(self, response_name, payload):
        self.validate(self.document["components"]["responses"][response_name]["content"]["application/json"]["schema"], payload)

    def operation_response(self, path, method, payload):
        self.validate(self.document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"], payload)


@pytest.fixture(scope="module")
def rulesets_spec():
    return Spec2026("rulesets.json")


@pytest.fixture(scope="module")
def shield_spec():
    return Spec2026("client-certificates.json")


def _ok(response, spec, name="rulesets_Ruleset"):
    assert response.status_code == 200, response.text
    payload = response.json()
    spec.response(name, payload)
    return payload["result"]


def test_a_zone_without_custom_rules_has_no_entrypoint(api):
    response = api.get(ENTRYPOINT, validate=False)
    assert response.status_code == 404
    assert response.json()["success"] is False and response.json()["result"] is None


def test_put_creates_the_entrypoint_and_rules_get_ids(api, rulesets_spec):
    created = _ok(api.put(ENTRYPOINT, json={"rules": [ENFORCE]}, validate=False), rulesets_spec, "rulesets_RulesetOrDryRun")
    assert created["phase"] == "http_request_firewall_custom" and created["kind"] == "zone" and created["version"] == "1"
    [rule] = created["rules"]
    assert len(rule["id"]) == 32 and rule["ref"] == rule["id"] and rule["enabled"] is True and rule["version"] == "1"
    assert dict((key, rule[key]) for key in ENFORCE) == ENFORCE
    read = _ok(api.get(ENTRYPOINT, validate=False), rulesets_spec)
    assert read == created


def test_rules_are_added_changed_and_deleted_one_at_a_time(api, rulesets_spec):
    ruleset = _ok(api.put(ENTRYPOINT, json={"rules": [OTHER]}, validate=False), rulesets_spec, "rulesets_RulesetOrDryRun")
    other = ruleset["rules"][0]
    rules = zone_path("/rulesets/%s/rules" % ruleset["id"])
    added = _ok(api.post(rules, json=ENFORCE, validate=False), rulesets_spec, "rulesets_RulesetOrDryRun")
    assert [rule["description"] for rule in added["rules"]] == ["someone else's", "enforce"] and added["version"] == "2"
    enforce_id = added["rules"][1]["id"]
    changed = _ok(api.patch(rules + "/" + enforce_id, json=dict(ENFORCE, enabled=False), validate=False), rulesets_spec,
                  "rulesets_RulesetOrDryRun")
    assert changed["rules"][0] == other
    assert changed["rules"][1]["id"] == enforce_id and changed["rules"][1]["enabled"] is False and changed["rules"][1]["version"] == "2"
    first = _ok(api.post(rules, json=dict(ENFORCE, description="first", position={"index": 1}), validate=False), rulesets_spec,
                "rulesets_RulesetOrDryRun")
    assert [rule["description"] for rule in first["rules"]] == ["first", "someone else's", "enforce"]
    left = _ok(api.delete(rules + "/" + enforce_id, validate=False), rulesets_spec, "rulesets_RulesetOrDryRun")
    assert [rule["description"] for rule in left["rules"]] == ["first", "someone else's"] and left["rules"][1] == other
    gone = api.delete(rules + "/" + enforce_id, validate=False)
    assert gone.status_code == 404 and gone.json()["success"] is False


def test_put_keeps_the_ids_of_rules_sent_back(api, rulesets_spec):
    first = _ok(api.put(ENTRYPOINT, json={"rules": [OTHER]}, validate=False), rulesets_spec, "rulesets_RulesetOrDryRun")
    kept = dict(first["rules"][0], description="renamed")
    again = _ok(api.put(ENTRYPOINT, json={"rules": [kept, ENFORCE]}, validate=False), rulesets_spec, "rulesets_RulesetOrDryRun")
    assert again["id"] == first["id"] and again["version"] == "2"
    assert again["rules"][0]["id"] == kept["id"] and again["rules"][0]["version"] == "2" and again["rules"][1]["id"] != kept["id"]


@pytest.mark.parametrize("rule", [{"action": "block"}, {"action": "explode", "expression": "true"},
                                  dict(ENFORCE, enabled="yes"), "block"])
def test_a_bad_rule_is_refused_and_changes_nothing(api, rule):
    ruleset = api.put(ENTRYPOINT, json={"rules": [OTHER]}, validate=False).json()["result"]
    response = api.post(zone_path("/rulesets/%s/rules" % ruleset["id"]), json=rule, validate=False)
    assert response.status_code == 400 and response.json()["success"] is False
    assert api.get(ENTRYPOINT, validate=False).json()["result"]["rules"] == ruleset["rules"]


def test_unknown_and_malformed_ruleset_and_rule_ids(api):
    ruleset = api.put(ENTRYPOINT, json={"rules": [OTHER]}, validate=False).json()["result"]
    assert api.post(zone_path("/rulesets/%s/rules" % ("0" * 32)), json=ENFORCE, validate=False).status_code == 404
    assert api.patch(zone_path("/rulesets/%s/rules/%s" % (ruleset["id"], "0" * 32)), json=ENFORCE, validate=False).status_code == 404
    malformed = api.delete(zone_path("/rulesets/%s/rules/not-an-id" % ruleset["id"]), validate=False)
    assert malformed.status_code == 404 and 7003 in [error["code"] for error in malformed.json()["errors"]]


def test_a_read_only_token_cannot_change_rules(api):
    response = api.put(ENTRYPOINT, json={"rules": [ENFORCE]}, headers={"Authorization": "Bearer local-readonly-token"}, validate=False)
    assert response.status_code == 403
    assert api.get(ENTRYPOINT, validate=False).status_code == 404


def test_the_reset_forgets_rulesets_and_mtls_hostnames(api):
    api.put(ENTRYPOINT, json={"rules": [ENFORCE]}, validate=False)
    api.put(MTLS_HOSTNAMES, json={"hostnames": ["api.example.com"]}, validate=False)
    api.control("POST", "reset")
    assert api.get(ENTRYPOINT, validate=False).status_code == 404
    assert api.get(MTLS_HOSTNAMES, validate=False).json()["result"] == {"hostnames": []}


def test_mtls_hostnames_are_replaced_and_read(api, shield_spec):
    path = "/zones/{zone_id}/certificate_authorities/hostname_associations"
    empty = api.get(MTLS_HOSTNAMES, validate=False)
    shield_spec.operation_response(path, "get", empty.json())
    assert empty.json()["result"] == {"hostnames": []}
    put = api.put(MTLS_HOSTNAMES, json={"hostnames": ["API.example.com", "app.example.com", "api.example.com"]}, validate=False)
    assert put.status_code == 200
    shield_spec.operation_response(path, "put", put.json())
    assert put.json()["result"] == {"hostnames": ["api.example.com", "app.example.com"]}
    read = api.get(MTLS_HOSTNAMES, validate=False)
    shield_spec.operation_response(path, "get", read.json())
    assert read.json()["result"] == {"hostnames": ["api.example.com", "app.example.com"]}
    byo = "b2134436-2555-4acf-be5b-26c48136575e"
    assert api.get(MTLS_HOSTNAMES, params={"mtls_certificate_id": byo}, validate=False).json()["result"] == {"hostnames": []}


@pytest.mark.parametrize("body", [{"hostnames": ["api.other.org"]}, {"hostnames": "api.example.com"}, {"hostnames": ["not a host"]}])
def test_bad_mtls_hostnames_are_refused(api, body):
    api.put(MTLS_HOSTNAMES, json={"hostnames": ["api.example.com"]}, validate=False)
    response = api.put(MTLS_HOSTNAMES, json=body, validate=False)
    assert response.status_code == 400 and response.json()["success"] is False
    assert api.get(MTLS_HOSTNAMES, validate=False).json()["result"] == {"hostnames": ["api.example.com"]}
