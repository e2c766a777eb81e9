# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""API Shield mTLS client certificates of a zone, with Cloudflare's revocation rules.

Statuses and the calls that move them (each ``pending_*`` settles after its delay):

* ``active`` --DELETE--> ``pending_revocation`` --delays.revocation--> ``revoked``
* ``pending_revocation`` --PATCH--> ``pending_reactivation`` --delays.reactivation--> ``active``
* ``revoked`` is final: PATCH is refused (1105), the certificate stays listed and readable.

Choices where Cloudflare's docs are silent:

* DELETE on ``pending_revocation`` or ``revoked`` changes nothing and answers 200 with the
  certificate as it is, so a repeated revoke is harmless; with
  ``variants.revoked_client_certificate: 400_1407`` it answers 400 with 1407 "already deleted",
  as the live API was seen to in 2026.
* DELETE on ``pending_reactivation`` is refused (400, 1107): the reactivation must settle first.
* PATCH with no body, ``{}`` or ``{"reactivate": true}`` reactivates: the 2024-08 spec (and
  SDK 4.x) send no body, newer clients send ``{"reactivate": true}``. ``reactivate`` with any
  other value is a 400 (1001).
* A list without ``status`` (or ``status=all``) returns every status, revoked included.
"""

from __future__ import annotations

import uuid

from cryptography.x509 import SubjectKeyIdentifier

from . import errors
from .clock import Transitioning, iso_seconds
from .errors import ApiError
from . import x509 as local_x509

STATUSES = ("active", "pending_reactivation", "pending_revocation", "revoked")
MAX_VALIDITY_DAYS = 5475  # 15 years, the longest validity the dashboard offers


class ClientCertificate(Transitioning):
    """One issued certificate; the CSR is kept exactly as it was sent."""

    def __init__(self, zone_id: str, csr_pem: str, validity_days: int, certificate, authority: dict, now: float):
        super().__init__("active", now)
        self.id = uuid.uuid4().hex
        self.zone_id = zone_id
        self.csr = csr_pem
        self.validity_days = validity_days
        self.issued_at = now
        self.certificate_pem = local_x509.certificate_pem(certificate)
        self.fields = local_x509.subject_fields(certificate.subject)
        self.serial_number = format(certificate.serial_number, "x")
        self.fingerprint_sha256 = local_x509.fingerprint_sha256(certificate)
        self.ski = certificate.extensions.get_extension_for_class(SubjectKeyIdentifier).value.digest.hex()
        self.signature = local_x509.signature_name(certificate)
        self.issued_on = iso_seconds(certificate.not_valid_before_utc)
        self.expires_on = iso_seconds(certificate.not_valid_after_utc)
        self.certificate_authority = dict(authority)

    def sort_key(self) -> tuple:
        return (self.issued_at, self.id)

    def to_result(self) -> dict:
        result = {
            "id": self.id,
            "certificate": self.certificate_pem,
            "certificate_authority": dict(self.certificate_authority),
            "csr": self.csr,
            "expires_on": self.expires_on,
            "fingerprint_sha256": self.fingerprint_sha256,
            "issued_on": self.issued_on,
            "serial_number": self.serial_number,
            "signature": self.signature,
            "ski": self.ski,
            "status": self.status,
            "validity_days": self.validity_days,
        }
        result.update(self.fields)
        return result


def _validity_days(value) -> int:
    if value is None:
        raise ApiError(400, errors.VALIDITY_DAYS_INVALID, "validity_days is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, errors.VALIDITY_DAYS_INVALID, "validity_days must be an integer number of days")
    if not 1 <= value <= MAX_VALIDITY_DAYS:
        raise ApiError(400, errors.VALIDITY_DAYS_INVALID, "validity_days must be between 1 and %d" % MAX_VALIDITY_DAYS)
    return value


class ClientCertificateStore:
    """Every zone's client certificates; callers hold the application lock."""

    def __init__(self, authority: local_x509.ManagedCertificateAuthority):
        self.authority = authority
        self._by_id: dict[str, ClientCertificate] = {}

    def clear(self) -> None:
        self._by_id.clear()

    def _settled(self, certificate: ClientCertificate, now: float) -> ClientCertificate:
        certificate.settle(now)
        return certificate

    def create(self, zone_id: str, body, now: float) -> ClientCertificate:
        if not isinstance(body, dict):
            raise errors.invalid_request("The request body must be a JSON object with csr and validity_days")
        # Both required fields are checked for presence before either is parsed.
        if body.get("csr") in (None, ""):
            raise ApiError(400, errors.CSR_MISSING, "csr is required")
        validity_days = _validity_days(body.get("validity_days"))
        csr = local_x509.parse_csr(body["csr"])
        issued = self.authority.issue(csr, now, validity_days)
        certificate = ClientCertificate(zone_id, body["csr"], validity_days, issued, self.authority.summary(), now)
        self._by_id[certificate.id] = certificate
        return certificate

    def get(self, zone_id: str, certificate_id: str, now: float) -> ClientCertificate:
        certificate = self._by_id.get(certificate_id)
        if certificate is None or certificate.zone_id != zone_id:
            raise ApiError(404, errors.CLIENT_CERTIFICATE_NOT_FOUND, "Client certificate not found")
        return self._settled(certificate, now)

    def list(self, zone_id: str, status: str, now: float) -> list[ClientCertificate]:
        found = [self._settled(c, now) for c in self._by_id.values() if c.zone_id == zone_id]
        if status != "all":
            found = [c for c in found if c.status == status]
        return sorted(found, key=ClientCertificate.sort_key)

    def revoke(self, zone_id: str, certificate_id: str, now: float, delay: float, revoked: str = "200") -> ClientCertificate:
        certificate = self.get(zone_id, certificate_id, now)
        if certificate.status in ("pending_revocation", "revoked") and revoked == "400_1407":
            raise ApiError(400, errors.ALREADY_REVOKED, "already deleted")
        if certificate.status == "active":
            certificate.schedule("pending_revocation", "revoked", now, delay)
        elif certificate.status == "pending_reactivation":
            raise ApiError(400, errors.REVOCATION_REFUSED,
                           "Client certificate is pending reactivation; it can be revoked once it is active again")
        return certificate

    def reactivate(self, zone_id: str, certificate_id: str, body, now: float, delay: float) -> ClientCertificate:
        if body is not None and not isinstance(body, dict):
            raise errors.invalid_request("The request body must be a JSON object such as {\"reactivate\": true}")
        if isinstance(body, dict) and "reactivate" in body and body["reactivate"] is not True:
            raise errors.invalid_request("reactivate must be true; a client certificate is revoked with DELETE")
        certificate = self.get(zone_id, certificate_id, now)
        if certificate.status != "pending_revocation":
            raise ApiError(400, errors.REACTIVATION_REFUSED,
                           "Client certificate can only be reactivated while pending_revocation (it is %s)" % certificate.status)
        certificate.schedule("pending_reactivation", "active", now, delay)
        return certificate

    def seed(self, zone_id: str, count: int, status: str, now: float, delays: dict) -> list[str]:
        """Issue ``count`` real certificates at once for paging tests (one key pair for all)."""
        key = local_x509.new_key("ec")
        ids = []
        for number in range(count):
            csr_pem = local_x509.make_csr(key, "seeded-%d-%s" % (number + 1, uuid.uuid4().hex[:8]), "Local Seed")
            issued = self.authority.issue(local_x509.parse_csr(csr_pem), now, 365)
            certificate = ClientCertificate(zone_id, csr_pem, 365, issued, self.authority.summary(), now)
            # Distinct creation times keep the list order the order of seeding.
            certificate.issued_at = now + number * 1e-6
            if status == "pending_revocation":
                certificate.schedule("pending_revocation", "revoked", now, delays["revocation"])
            elif status == "pending_reactivation":
                certificate.schedule("pending_reactivation", "active", now, delays["reactivation"])
            elif status == "revoked":
                certificate.status = "revoked"
            self._by_id[certificate.id] = certificate
            ids.append(certificate.id)
        return ids

    def force_status(self, zone_id: str, certificate_id: str, status: str) -> dict:
        """Control API: set a status that never settles (for testing waits and timeouts)."""
        certificate = self._by_id.get(certificate_id)
        if certificate is None or certificate.zone_id != zone_id:
            raise KeyError(certificate_id)
        certificate.status, certificate.next_status, certificate.transition_at = status, None, None
        return certificate.to_result()
