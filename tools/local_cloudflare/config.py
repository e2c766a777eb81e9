# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The local API's configuration: zones, credentials, delays, limits.

Other engineers' tests and the demo rely on the default zone and credentials below, so
they must not change. A config file replaces whole top-level entries (``zones``,
``tokens``, ``global_keys``) and merges the nested ``delays``, ``rate_limit`` and ``variants``.
"""

from __future__ import annotations

import copy
import json
import re

DEFAULT_CONFIG = {
    "zones": [{"id": "023e105f4ecef8ad9ca31a8372d0c353", "name": "example.com"}],
    "tokens": {"local-demo-token": "write", "local-readonly-token": "read"},
    "global_keys": [{"email": "admin@example.com", "key": "0123456789abcdef0123456789abcdef01234"}],
    "delays": {"revocation": 2, "reactivation": 2, "deployment": 2, "deletion": 2, "association": 2},
    "rate_limit": {"quota": 1200, "window": 300},
    "hostname_certificate_limit": 10,
    "associations_per_certificate": 100,
    # Seconds every /client/v4 answer is held back (real time), as a network round trip to
    # Cloudflare would (about 0.05 from a controller); 0 is bare loopback.
    "latency": 0,
    # What nobody here has seen on the real API, served in each plausible form (README, "Guesses").
    "variants": {"removed_association": "null_fields", "deleted_hostname_certificate": "404_1415",
                 "revoked_client_certificate": "200", "hostname_certificate_deploying": "200", "hostname_certificate_deleting": "200",
                 "association_list": "2026"},
}

# removed_association: how GET .../hostnames/{hostname} answers for a hostname whose association was
# removed (enabled: null) or never existed. null_fields: 200, every field but hostname null;
# disabled: 200 with enabled false and the old cert_id and certificate fields, status pending_deletion
# then deleted (a never-associated hostname still gets null_fields); disabled_active: the same with
# status active, exactly like a disabled association (the worst case); 404, 404_1415, 404_7003, 404_1553: a 404 without a code,
# with 1415, with 7003, with 1553 (Cloudflare's "never configured", seen in 2026).
# deleted_hostname_certificate: how a deleted hostname certificate answers GET and DELETE (status_code; 1551/1552 seen in 2026).
# revoked_client_certificate: DELETE of a client certificate already pending_revocation or revoked: 200 with it as it is, or
# 400 with 1407 "already deleted" (seen in 2026).
# hostname_certificate_deploying: DELETE of a hostname certificate still initializing or pending_deployment: carried out (200),
# or refused with 400 1434 (seen in 2026).
# hostname_certificate_deleting: DELETE of a hostname certificate already pending_deletion: 200 with it as it is, or 400 1414.
# association_list: GET /zones/{zone_id}/origin_tls_client_auth/hostnames (the 2026 list of associations): served (2026),
# or answered as an API from before it: 404 (no route, 7003) or 400 (1411, as a read of the hostname "").
VARIANTS = {
    "removed_association": ("null_fields", "disabled", "disabled_active", "404", "404_1415", "404_7003", "404_1553"),
    "deleted_hostname_certificate": ("404_1415", "404", "400_1415", "404_1551", "400_1551", "404_1552", "400_1552"),
    "revoked_client_certificate": ("200", "400_1407"),
    "hostname_certificate_deploying": ("200", "400_1434"),
    "hostname_certificate_deleting": ("200", "400_1414"),
    "association_list": ("2026", "404", "400"),
}

# The part of the config a running server lets PATCH /__control/config change; zones and
# credentials stay as started so that a test cannot lock other tests out.
PATCHABLE_KEYS = ("delays", "rate_limit", "hostname_certificate_limit", "associations_per_certificate", "variants", "latency")
MERGED_KEYS = ("delays", "rate_limit", "variants")
MAX_LATENCY = 5

ZONE_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
ZONE_NAME_PATTERN = re.compile(r"^([a-z0-9][-a-z0-9]*\.)+[-a-z0-9]{2,20}$")
# Cloudflare API tokens are 40 characters of [A-Za-z0-9_-]; local ones may be shorter and
# readable, but stay within the characters a Bearer token may carry.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")
# A global API key is 37 lowercase hex characters.
GLOBAL_KEY_PATTERN = re.compile(r"^[0-9a-f]{37}$")
DELAY_NAMES = ("revocation", "reactivation", "deployment", "deletion", "association")


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which entry and why."""


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def validate_config(config: dict) -> dict:
    """Return ``config`` if every entry is usable, else raise ConfigError."""
    unknown = sorted(set(config) - set(DEFAULT_CONFIG))
    if unknown:
        raise ConfigError("unknown config entries: %s" % ", ".join(unknown))
    zones = config["zones"]
    if not isinstance(zones, list):
        raise ConfigError("zones must be a list of {id, name}")
    seen_ids = set()
    for zone in zones:
        if not isinstance(zone, dict) or set(zone) != {"id", "name"}:
            raise ConfigError("each zone must be exactly {id, name}: %r" % (zone,))
        if not isinstance(zone["id"], str) or not ZONE_ID_PATTERN.match(zone["id"]):
            raise ConfigError("zone id must be 32 lowercase hex characters: %r" % (zone["id"],))
        if not isinstance(zone["name"], str) or not ZONE_NAME_PATTERN.match(zone["name"]):
            raise ConfigError("zone name must be a lowercase domain name: %r" % (zone["name"],))
        if zone["id"] in seen_ids:
            raise ConfigError("zone id listed twice: %s" % zone["id"])
        seen_ids.add(zone["id"])
    tokens = config["tokens"]
    if not isinstance(tokens, dict):
        raise ConfigError("tokens must map a token to 'read' or 'write'")
    for token, permission in tokens.items():
        # The token itself never goes into an error message.
        if not TOKEN_PATTERN.match(token):
            raise ConfigError("a token contains characters a Bearer token cannot carry")
        if permission not in ("read", "write"):
            raise ConfigError("token permission must be 'read' or 'write', not %r" % (permission,))
    global_keys = config["global_keys"]
    if not isinstance(global_keys, list):
        raise ConfigError("global_keys must be a list of {email, key}")
    for entry in global_keys:
        if not isinstance(entry, dict) or set(entry) != {"email", "key"}:
            raise ConfigError("each global key must be exactly {email, key}")
        if not isinstance(entry["email"], str) or "@" not in entry["email"]:
            raise ConfigError("global key email must be an email address: %r" % (entry["email"],))
        if not isinstance(entry["key"], str) or not GLOBAL_KEY_PATTERN.match(entry["key"]):
            raise ConfigError("a global key must be 37 lowercase hex characters (email %s)" % entry["email"])
    delays = config["delays"]
    if not isinstance(delays, dict) or set(delays) != set(DELAY_NAMES):
        raise ConfigError("delays must have exactly: %s" % ", ".join(DELAY_NAMES))
    for name, seconds in delays.items():
        if not _is_number(seconds) or seconds < 0:
            raise ConfigError("delays.%s must be a number of seconds >= 0" % name)
    rate_limit = config["rate_limit"]
    if not isinstance(rate_limit, dict) or set(rate_limit) != {"quota", "window"}:
        raise ConfigError("rate_limit must be exactly {quota, window}")
    if not _is_positive_int(rate_limit["quota"]):
        raise ConfigError("rate_limit.quota must be a positive integer")
    if not _is_number(rate_limit["window"]) or rate_limit["window"] <= 0:
        raise ConfigError("rate_limit.window must be a positive number of seconds")
    for name in ("hostname_certificate_limit", "associations_per_certificate"):
        if not _is_positive_int(config[name]):
            raise ConfigError("%s must be a positive integer" % name)
    variants = config["variants"]
    if not isinstance(variants, dict) or set(variants) != set(VARIANTS):
        raise ConfigError("variants must have exactly: %s" % ", ".join(sorted(VARIANTS)))
    for name, value in variants.items():
        if value not in VARIANTS[name]:
            raise ConfigError("variants.%s must be one of %s" % (name, ", ".join(VARIANTS[name])))
    if not _is_number(config["latency"]) or not 0 <= config["latency"] <= MAX_LATENCY:
        raise ConfigError("latency must be a number of seconds from 0 to %d" % MAX_LATENCY)
    return config


def build_config(overrides: dict | None = None) -> dict:
    """The default config with ``overrides`` applied, validated."""
    config = copy.deepcopy(DEFAULT_CONFIG)
    if overrides is None:
        return validate_config(config)
    if not isinstance(overrides, dict):
        raise ConfigError("the config must be a JSON object")
    for key, value in overrides.items():
        if key in MERGED_KEYS and isinstance(value, dict) and key in config:
            config[key].update(copy.deepcopy(value))
        else:
            config[key] = copy.deepcopy(value)
    return validate_config(config)


def load_config_file(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as config_file:
            overrides = json.load(config_file)
    except (OSError, ValueError) as exc:
        raise ConfigError("cannot read config %s: %s" % (path, exc)) from exc
    return build_config(overrides)


def patch_config(config: dict, patch: dict) -> dict:
    """A new config with ``patch`` merged in; only PATCHABLE_KEYS may change."""
    if not isinstance(patch, dict):
        raise ConfigError("the patch must be a JSON object")
    refused = sorted(set(patch) - set(PATCHABLE_KEYS))
    if refused:
        raise ConfigError("cannot change %s on a running server (allowed: %s)" % (", ".join(refused), ", ".join(PATCHABLE_KEYS)))
    patched = copy.deepcopy(config)
    for key, value in patch.items():
        if key in MERGED_KEYS:
            if not isinstance(value, dict):
                raise ConfigError("%s must be an object" % key)
            unknown = sorted(set(value) - set(patched[key]))
            if unknown:
                raise ConfigError("unknown %s entries: %s" % (key, ", ".join(unknown)))
            patched[key].update(copy.deepcopy(value))
        else:
            patched[key] = value
    return validate_config(patched)


def public_config(config: dict) -> dict:
    """The config as GET /__control/config shows it, with every credential masked.

    Control answers end up in test logs; the demo credentials are documented anyway, and a
    config file may hold tokens someone would rather not see printed.
    """
    shown = copy.deepcopy(config)
    shown["tokens"] = [{"token": "********", "permission": permission} for permission in config["tokens"].values()]
    shown["global_keys"] = [{"email": entry["email"], "key": "********"} for entry in config["global_keys"]]
    return shown
