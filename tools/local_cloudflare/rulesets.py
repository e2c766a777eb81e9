# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zone rulesets (phase entry points and their rules) and the API Shield mTLS hostnames.

Rulesets (``tests/openapi/2026/rulesets.json``):

* ``GET .../rulesets/phases/{phase}/entrypoint``: the zone's entry point of that phase; a
  zone that never had one answers 404 (the code is chosen here, see ``errors.py``).
* ``PUT`` of the entry point creates it, or replaces its rules (rules sent with the ``id`` of
  an existing rule keep that id); the ruleset's version goes up by one.
* ``POST .../rulesets/{id}/rules`` adds a rule at the end (or at ``position``: ``before``,
  ``after``, ``index``); ``PATCH .../rules/{rule_id}`` replaces a rule's definition (id and
  ref kept, version up by one); ``DELETE .../rules/{rule_id}`` removes it. Each answers the
  whole ruleset, as the spec says.
* A rule needs ``action`` (a string among the spec's actions) and a non-empty ``expression``;
  ``enabled`` defaults to true and ``description`` to "". Expressions are stored as given,
  never evaluated. Every answer lists ``rules`` (an empty list for a ruleset without rules).

mTLS hostnames (``certificate_authorities/hostname_associations``): GET answers
``{"hostnames": [...]}`` for the managed CA, or for ``mtls_certificate_id``; PUT replaces
that list (hostnames checked like association hostnames: valid, inside the zone, lowercase).
"""

from __future__ import annotations

import uuid

from . import errors
from .clock import iso_micro
from .errors import ApiError, invalid_request
from .hostname_aop import normalise_hostname

PHASES = ("http_request_firewall_custom", "http_request_firewall_managed", "http_ratelimit", "http_request_transform",
          "http_request_late_transform", "http_request_origin", "http_request_redirect", "http_request_dynamic_redirect",
          "http_request_cache_settings", "http_config_settings", "http_custom_errors", "http_response_headers_transform",
          "http_response_compression", "http_response_firewall_managed", "http_log_custom_fields", "http_request_sbfm",
          "http_request_sanitize", "ddos_l4", "ddos_l7", "magic_transit")
ACTIONS = ("block", "challenge", "compress_response", "ddos_dynamic", "execute", "force_connection_close", "js_challenge", "log",
           "log_custom_field", "managed_challenge", "redirect", "rewrite", "route", "score", "serve_error", "set_cache_control",
           "set_cache_settings", "set_cache_tags", "set_config", "skip", "transform_response_html")
RULE_INPUT = ("action", "action_parameters", "description", "enabled", "expression", "logging", "ref")


class Ruleset:
    def __init__(self, zone_id: str, phase: str, now: float):
        self.id = uuid.uuid4().hex
        self.zone_id = zone_id
        self.phase = phase
        self.version = 0
        self.last_updated = now
        self.rules: list[dict] = []

    def bump(self, now: float) -> None:
        self.version += 1
        self.last_updated = now

    def to_result(self) -> dict:
        return {"id": self.id, "name": "default", "description": "", "kind": "zone", "phase": self.phase,
                "version": str(self.version), "last_updated": iso_micro(self.last_updated),
                "rules": [dict(rule) for rule in self.rules]}


def _rule(body, now: float, version: int = 1, keep: dict | None = None) -> dict:
    if not isinstance(body, dict):
        raise invalid_request("Invalid rule: must be an object")
    action, expression = body.get("action"), body.get("expression")
    if action not in ACTIONS:
        raise invalid_request("Invalid rule action: must be one of %s" % ", ".join(ACTIONS))
    if not isinstance(expression, str) or not expression.strip():
        raise invalid_request("Invalid rule expression: must be a non-empty string")
    enabled = body.get("enabled", True)
    description = body.get("description", "")
    if not isinstance(enabled, bool) or not isinstance(description, str):
        raise invalid_request("Invalid rule: enabled must be a boolean and description a string")
    rule_id = (keep or {}).get("id") or uuid.uuid4().hex
    rule = {"id": rule_id, "version": str(version), "action": action, "expression": expression, "description": description,
            "last_updated": iso_micro(now), "ref": body.get("ref") or (keep or {}).get("ref") or rule_id, "enabled": enabled}
    for name in ("action_parameters", "logging"):
        if isinstance(body.get(name), dict):
            rule[name] = body[name]
    return rule


class RulesetStore:
    def __init__(self):
        self._entrypoints: dict[tuple[str, str], Ruleset] = {}
        self._mtls_hostnames: dict[tuple[str, str | None], list[str]] = {}

    def clear(self) -> None:
        self._entrypoints.clear()
        self._mtls_hostnames.clear()

    # --- entry points and rules ---

    def entrypoint(self, zone_id: str, phase: str) -> Ruleset:
        _check_phase(phase)
        ruleset = self._entrypoints.get((zone_id, phase))
        if ruleset is None:
            raise ApiError(404, errors.ENTRYPOINT_NOT_FOUND, "could not find entrypoint ruleset in the %s phase" % phase)
        return ruleset

    def put_entrypoint(self, zone_id: str, phase: str, body, now: float) -> Ruleset:
        _check_phase(phase)
        if not isinstance(body, dict):
            raise invalid_request("Invalid ruleset: must be an object")
        given = body.get("rules", [])
        if not isinstance(given, list):
            raise invalid_request("Invalid ruleset: rules must be a list")
        ruleset = self._entrypoints.get((zone_id, phase)) or Ruleset(zone_id, phase, now)
        existing = dict((rule["id"], rule) for rule in ruleset.rules)
        rules = []
        for item in given:
            keep = existing.get(item.get("id")) if isinstance(item, dict) else None
            rules.append(_rule(item, now, int(keep["version"]) + 1 if keep else 1, keep))
        ruleset.rules = rules
        ruleset.bump(now)
        self._entrypoints[(zone_id, phase)] = ruleset
        return ruleset

    def ruleset(self, zone_id: str, ruleset_id: str) -> Ruleset:
        for ruleset in self._entrypoints.values():
            if ruleset.zone_id == zone_id and ruleset.id == ruleset_id:
                return ruleset
        raise ApiError(404, errors.RULESET_NOT_FOUND, "could not find ruleset %s" % ruleset_id)

    def add_rule(self, zone_id: str, ruleset_id: str, body, now: float) -> Ruleset:
        ruleset = self.ruleset(zone_id, ruleset_id)
        rule = _rule(body, now)
        ruleset.rules.insert(_position(ruleset, (body or {}).get("position") if isinstance(body, dict) else None), rule)
        ruleset.bump(now)
        return ruleset

    def _index(self, ruleset: Ruleset, rule_id: str) -> int:
        for index, rule in enumerate(ruleset.rules):
            if rule["id"] == rule_id:
                return index
        raise ApiError(404, errors.RULE_NOT_FOUND, "could not find rule %s in ruleset %s" % (rule_id, ruleset.id))

    def update_rule(self, zone_id: str, ruleset_id: str, rule_id: str, body, now: float) -> Ruleset:
        ruleset = self.ruleset(zone_id, ruleset_id)
        index = self._index(ruleset, rule_id)
        old = ruleset.rules[index]
        ruleset.rules[index] = _rule(body, now, int(old["version"]) + 1, old)
        position = body.get("position") if isinstance(body, dict) else None
        if position is not None:
            rule = ruleset.rules.pop(index)
            ruleset.rules.insert(_position(ruleset, position), rule)
        ruleset.bump(now)
        return ruleset

    def delete_rule(self, zone_id: str, ruleset_id: str, rule_id: str, now: float) -> Ruleset:
        ruleset = self.ruleset(zone_id, ruleset_id)
        del ruleset.rules[self._index(ruleset, rule_id)]
        ruleset.bump(now)
        return ruleset

    # --- API Shield mTLS hostnames ---

    def mtls_hostnames(self, zone_id: str, certificate_id: str | None) -> list[str]:
        return list(self._mtls_hostnames.get((zone_id, certificate_id), []))

    def put_mtls_hostnames(self, zone_id: str, zone_name: str, body) -> list[str]:
        if not isinstance(body, dict):
            raise invalid_request("Invalid hostname associations: must be an object")
        given = body.get("hostnames", [])
        certificate_id = body.get("mtls_certificate_id")
        if not isinstance(given, list) or (certificate_id is not None and (not isinstance(certificate_id, str) or len(certificate_id) != 36)):
            raise invalid_request("Invalid hostname associations: hostnames must be a list, mtls_certificate_id a 36-character UUID")
        hostnames = []
        for value in given:
            hostname = normalise_hostname(value, zone_name)
            if hostname not in hostnames:
                hostnames.append(hostname)
        self._mtls_hostnames[(zone_id, certificate_id)] = hostnames
        return list(hostnames)


def _check_phase(phase: str) -> None:
    if phase not in PHASES:
        raise invalid_request("Invalid ruleset phase: %s" % phase[:64])


def _position(ruleset: Ruleset, position) -> int:
    """Where a rule goes: at the end without ``position``; ``before``/``after`` a rule id ("" : top/bottom); ``index`` from 1."""
    if position is None:
        return len(ruleset.rules)
    if not isinstance(position, dict) or len(position) != 1:
        raise invalid_request("Invalid rule position: one of before, after, index")
    (kind, value), = position.items()
    ids = [rule["id"] for rule in ruleset.rules]
    if kind == "index" and isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return min(value - 1, len(ids))
    if kind in ("before", "after") and isinstance(value, str):
        if value == "":
            return 0 if kind == "before" else len(ids)
        if value in ids:
            return ids.index(value) + (1 if kind == "after" else 0)
    raise invalid_request("Invalid rule position: %s %s" % (kind, str(value)[:64]))
