# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Everything one running local API knows: config, clock, certificates, journal, faults."""

from __future__ import annotations

import copy
import hashlib
import threading

from .auth import RateLimiter
from .client_certificates import ClientCertificateStore
from .clock import ServerClock, iso_micro
from .config import patch_config
from .faults import FaultBook
from .hostname_aop import HostnameAopStore
from .journal import Journal
from .rulesets import RulesetStore
from .x509 import ManagedCertificateAuthority


class LocalCloudflare:
    """The application; handlers take ``lock`` around anything that reads or changes state."""

    def __init__(self, config: dict):
        self.lock = threading.RLock()
        self.clock = ServerClock()
        self.started_at = self.clock.now()
        self._seed_config = copy.deepcopy(config)
        self.config = copy.deepcopy(config)
        # One CA for the server's life: a reset keeps it so that certificates a test saved
        # earlier still chain to the same issuer.
        self.authority = ManagedCertificateAuthority(self.started_at)
        self.client_certificates = ClientCertificateStore(self.authority)
        self.hostname_aop = HostnameAopStore()
        self.rulesets = RulesetStore()
        self.rate_limiter = RateLimiter()
        self.journal = Journal()
        self.faults = FaultBook()
        # /client/v4 requests being handled (a late-landing fault sleeps in one of them).
        self._in_flight = 0
        self._idle = threading.Condition()

    def now(self) -> float:
        return self.clock.now()

    def delay(self, name: str) -> float:
        return self.config["delays"][name]

    def requests_started(self) -> None:
        with self._idle:
            self._in_flight += 1

    def requests_ended(self) -> None:
        with self._idle:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()

    def in_flight(self) -> int:
        with self._idle:
            return self._in_flight

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no /client/v4 request is being handled (every late landing and its journal entry is done)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def reset(self) -> None:
        """Back to the seed: config as started, no certificates, journal, faults, clock offset."""
        with self.lock:
            self.config = copy.deepcopy(self._seed_config)
            self.client_certificates.clear()
            self.hostname_aop.clear()
            self.rulesets.clear()
            self.rate_limiter.clear()
            self.journal.clear()
            self.faults.clear()
            self.clock.reset()

    def patch_config(self, patch: dict) -> dict:
        with self.lock:
            self.config = patch_config(self.config, patch)
            if "rate_limit" in patch:
                # A new quota starts from empty windows, so a test gets exactly what it set.
                self.rate_limiter.clear()
            return self.config

    def zone(self, zone_id: str) -> dict | None:
        for zone in self.config["zones"]:
            if zone["id"] == zone_id:
                return zone
        return None

    def zone_result(self, zone: dict) -> dict:
        """A zone object with every field the spec's ``zones_zone`` schema requires."""
        account_id = hashlib.sha256(b"local-account").hexdigest()[:32]
        created = iso_micro(self.started_at)
        return {
            "id": zone["id"],
            "name": zone["name"],
            "status": "active",
            "paused": False,
            "type": "full",
            "development_mode": 0,
            "name_servers": ["bob.ns.cloudflare.com", "lola.ns.cloudflare.com"],
            "original_name_servers": None,
            "original_registrar": None,
            "original_dnshost": None,
            "created_on": created,
            "modified_on": created,
            "activated_on": created,
            "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": False,
                     "cdn_only": False, "dns_only": False, "foundation_dns": False},
            "owner": {"id": account_id, "type": "organization", "name": "Local Account"},
            "account": {"id": account_id, "name": "Local Account"},
            "permissions": ["#ssl:read", "#ssl:edit", "#zone:read"],
            "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD",
                     "frequency": "", "is_subscribed": False, "can_subscribe": False, "legacy_id": "free",
                     "legacy_discount": False, "externally_managed": False},
        }
