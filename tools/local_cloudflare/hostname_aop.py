# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-hostname Authenticated Origin Pulls: hostname certificates and their associations.

Hostname certificates: upload -> ``pending_deployment`` -> (delays.deployment) ``active``;
DELETE -> ``pending_deletion`` -> (delays.deletion) ``deleted``. Once ``deleted`` a certificate
answers 404 (1415) and leaves the list; while ``pending_deletion`` it is still readable and
still counts toward the zone's limit and the duplicate check (1406). Uploading the same
certificate once its old copy is ``deleted`` gives the old id back (seen in 2026). DELETE is
refused (1433, in use) while any hostname is associated with the certificate, enabled or not,
as Cloudflare's docs ask users to invalidate associations first. A repeated DELETE on a
``pending_deletion`` certificate answers 200 with it unchanged, or 400 1414 with
``variants.hostname_certificate_deleting``; a DELETE while ``initializing`` or
``pending_deployment`` is carried out, or refused with 400 1434 with
``variants.hostname_certificate_deploying``.

Associations (one per hostname, keyed by hostname):

* ``enabled: true|false`` creates or changes the hostname's association; a new or changed one
  is ``pending_deployment`` and becomes ``active`` after delays.association. An identical
  one is left as it is.
* ``enabled: null`` removes the hostname's association at once, whichever certificate it
  pointed at (``cert_id`` must still name a live certificate of the zone). The PUT answer
  shows that hostname with ``enabled: null`` and ``status: "deleted"``; a later GET of the
  hostname answers 200 with every field but ``hostname`` null, which is also what a
  hostname that never had an association returns.
* ``GET .../hostnames`` (2026) lists them: the spec's fields only (hostname, cert_id, enabled,
  status, created_at, updated_at), sorted by hostname; a removed association is listed with
  ``enabled: null`` and status ``pending_deletion`` (for delays.association) then ``deleted``.
  ``variants.association_list`` makes it answer as an API from before the list (404 or 400).
* Hostnames must be valid DNS names inside the zone (``*.`` wildcards allowed); they are
  compared in lowercase. A batch is validated whole before anything changes.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter

from . import errors
from .clock import Transitioning, iso_micro, iso_seconds
from .errors import ApiError
from . import x509 as local_x509

LABEL_PATTERN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
GONE = ("pending_deletion", "deleted")
ASSOCIATION_STATUSES = ("active", "pending_deployment", "pending_deletion", "deleted", "deployment_timed_out", "deletion_timed_out")
ASSOCIATION_FIELDS = ("hostname", "cert_id", "enabled", "status", "cert_status", "certificate", "issuer", "serial_number",
                      "signature", "expires_on", "cert_uploaded_on", "cert_updated_at", "created_at", "updated_at")


def normalise_hostname(value, zone_name: str) -> str:
    """The hostname in lowercase, or ApiError 400 (1411)."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, errors.HOSTNAME_INVALID, "hostname is required")
    hostname = value.strip().lower()
    shown = hostname[:255]
    labels = hostname.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    if len(hostname) > 255 or len(labels) < 2 or not all(LABEL_PATTERN.match(label) for label in labels):
        raise ApiError(400, errors.HOSTNAME_INVALID, "Invalid hostname: %s" % shown)
    if hostname != zone_name and not hostname.endswith("." + zone_name):
        raise ApiError(400, errors.HOSTNAME_INVALID, "Hostname %s is not in zone %s" % (shown, zone_name))
    return hostname


class HostnameCertificate(Transitioning):
    """One uploaded leaf certificate; its private key was checked and dropped."""

    def __init__(self, zone_id: str, leaf, now: float, delay: float, certificate_id: str | None = None):
        super().__init__("pending_deployment", now)
        self.schedule("pending_deployment", "active", now, delay)
        self.id = certificate_id or uuid.uuid4().hex
        self.zone_id = zone_id
        self.uploaded_at = now
        self.certificate_pem = local_x509.certificate_pem(leaf)
        self.fingerprint_sha256 = local_x509.fingerprint_sha256(leaf)
        self.serial_number = str(leaf.serial_number)
        self.issuer = local_x509.issuer_name(leaf)
        self.signature = local_x509.signature_name(leaf)
        self.expires_on = iso_seconds(leaf.not_valid_after_utc)

    def to_result(self) -> dict:
        return {
            "id": self.id,
            "certificate": self.certificate_pem,
            "expires_on": self.expires_on,
            "issuer": self.issuer,
            "serial_number": self.serial_number,
            "signature": self.signature,
            "status": self.status,
            "uploaded_on": iso_micro(self.uploaded_at),
        }


class Association(Transitioning):
    def __init__(self, zone_id: str, hostname: str, cert_id: str, enabled: bool, now: float, delay: float):
        super().__init__("pending_deployment", now)
        self.schedule("pending_deployment", "active", now, delay)
        self.zone_id = zone_id
        self.hostname = hostname
        self.cert_id = cert_id
        self.enabled = enabled
        self.created_at = now


def empty_association(hostname: str) -> dict:
    view = dict.fromkeys(ASSOCIATION_FIELDS)
    view["hostname"] = hostname
    return view


def without_code(error: ApiError) -> ApiError:
    """The same answer with an empty ``errors`` list: Cloudflare does not always send a code."""
    error.errors = []
    return error


GONE_ANSWERS = {
    "1415": (errors.HOSTNAME_CERTIFICATE_INVALID_OR_DELETED, "Certificate id invalid or deleted: %s"),
    "1551": (errors.HOSTNAME_CERTIFICATE_NOT_FOUND, "Certificate not found: %s"),
    "1552": (errors.HOSTNAME_CERTIFICATE_NOT_FOUND_2, "Certificate not found: %s"),
}


def certificate_gone(certificate_id: str, variant: str) -> ApiError:
    """A deleted or unknown hostname certificate: ``variant`` is ``<status>_<code>`` or a bare status (no code)."""
    status, _separator, code = variant.partition("_")
    known, message = GONE_ANSWERS.get(code, GONE_ANSWERS["1415"])
    error = ApiError(int(status), known, message % certificate_id[:64])
    return error if code else without_code(error)


class Removed:
    """What is left of a removed association: enough for the ``disabled`` read variant."""

    def __init__(self, association: "Association", now: float, delay: float):
        self.delay = delay
        self.hostname = association.hostname
        self.cert_id = association.cert_id
        self.created_at = association.created_at
        self.removed_at = now


class HostnameAopStore:
    """Every zone's hostname certificates and associations; callers hold the application lock."""

    def __init__(self):
        self._certificates: dict[str, HostnameCertificate] = {}
        self._associations: dict[tuple[str, str], Association] = {}
        self._removed: dict[tuple[str, str], Removed] = {}

    def clear(self) -> None:
        self._certificates.clear()
        self._associations.clear()
        self._removed.clear()

    # ---- hostname certificates ----

    def _zone_certificates(self, zone_id: str, now: float) -> list[HostnameCertificate]:
        found = [c for c in self._certificates.values() if c.zone_id == zone_id]
        for certificate in found:
            certificate.settle(now)
        return sorted((c for c in found if c.status != "deleted"), key=lambda c: (c.uploaded_at, c.id))

    def upload(self, zone_id: str, body, now: float, delay: float, limit: int) -> HostnameCertificate:
        if not isinstance(body, dict):
            raise ApiError(400, errors.UPLOAD_FIELD_MISSING, "The request body must be a JSON object with certificate and private_key")
        leaf = local_x509.parse_hostname_upload(body.get("certificate"), body.get("private_key"))
        live = self._zone_certificates(zone_id, now)
        fingerprint = local_x509.fingerprint_sha256(leaf)
        if any(c.fingerprint_sha256 == fingerprint for c in live):
            raise ApiError(400, errors.HOSTNAME_CERTIFICATE_EXISTS, "This certificate already exists for this zone.")
        if len(live) >= limit:
            raise ApiError(400, errors.HOSTNAME_CERTIFICATE_LIMIT,
                           "This zone already has %d hostname certificates, the most allowed; delete one first" % limit)
        # The same certificate uploaded again after its deletion gets its old id back.
        previous = [c.id for c in self._certificates.values()
                    if c.zone_id == zone_id and c.status == "deleted" and c.fingerprint_sha256 == fingerprint]
        certificate = HostnameCertificate(zone_id, leaf, now, delay, previous[0] if previous else None)
        self._certificates[certificate.id] = certificate
        return certificate

    def get(self, zone_id: str, certificate_id: str, now: float, gone: str = "404_1415") -> HostnameCertificate:
        """The certificate; a deleted or unknown one answers as ``variants.deleted_hostname_certificate`` says."""
        certificate = self._certificates.get(certificate_id)
        if certificate is not None and certificate.zone_id == zone_id:
            certificate.settle(now)
            if certificate.status != "deleted":
                return certificate
        raise certificate_gone(certificate_id, gone)

    def list(self, zone_id: str, now: float) -> list[HostnameCertificate]:
        return self._zone_certificates(zone_id, now)

    def delete(self, zone_id: str, certificate_id: str, now: float, delay: float, gone: str = "404_1415",
               deploying: str = "200", deleting: str = "200") -> HostnameCertificate:
        certificate = self.get(zone_id, certificate_id, now, gone)
        if certificate.status == "pending_deletion":
            if deleting == "400_1414":
                raise ApiError(400, errors.HOSTNAME_CERTIFICATE_PENDING_DELETION, "Certificate is pending deletion")
            return certificate
        if certificate.status in ("initializing", "pending_deployment") and deploying == "400_1434":
            raise ApiError(400, errors.HOSTNAME_CERTIFICATE_PENDING_DEPLOYMENT, "Certificate is pending deployment")
        hostnames = sorted(a.hostname for a in self._associations.values() if a.cert_id == certificate.id)
        if hostnames:
            shown = ", ".join(hostnames[:10]) + (" and %d more" % (len(hostnames) - 10) if len(hostnames) > 10 else "")
            raise ApiError(400, errors.HOSTNAME_CERTIFICATE_IN_USE,
                           "The certificate is associated with hostnames (%s); invalidate those associations first "
                           "(PUT /zones/%s/origin_tls_client_auth/hostnames with enabled: null)" % (shown, zone_id))
        certificate.schedule("pending_deletion", "deleted", now, delay)
        return certificate

    # ---- associations ----

    def _view(self, hostname: str, certificate: HostnameCertificate, enabled, status: str,
              created_at: float, updated_at: float, now: float) -> dict:
        certificate.settle(now)
        return {
            "hostname": hostname,
            "cert_id": certificate.id,
            "enabled": enabled,
            "status": status,
            "cert_status": certificate.status,
            "certificate": certificate.certificate_pem,
            "issuer": certificate.issuer,
            "serial_number": certificate.serial_number,
            "signature": certificate.signature,
            "expires_on": certificate.expires_on,
            "cert_uploaded_on": iso_micro(certificate.uploaded_at),
            "cert_updated_at": iso_micro(certificate.updated_at),
            "created_at": iso_micro(created_at),
            "updated_at": iso_micro(updated_at),
        }

    def _association_view(self, association: Association, now: float) -> dict:
        association.settle(now)
        return self._view(association.hostname, self._certificates[association.cert_id], association.enabled,
                          association.status, association.created_at, association.updated_at, now)

    def association(self, zone_id: str, zone_name: str, hostname_value: str, now: float, removed: str = "null_fields") -> dict:
        """One hostname's association; without one, the answer ``variants.removed_association`` names."""
        hostname = normalise_hostname(hostname_value, zone_name)
        association = self._associations.get((zone_id, hostname))
        if association is not None:
            return self._association_view(association, now)
        if removed.startswith("404"):
            code = {"404_7003": errors.COULD_NOT_ROUTE, "404_1553": errors.HOSTNAME_NOT_CONFIGURED}.get(
                removed, errors.HOSTNAME_CERTIFICATE_INVALID_OR_DELETED)
            error = ApiError(404, code, "No association found for hostname %s" % hostname)
            raise error if removed != "404" else without_code(error)
        tombstone = self._removed.get((zone_id, hostname))
        certificate = self._certificates.get(tombstone.cert_id) if tombstone is not None else None
        if removed in ("disabled", "disabled_active") and certificate is not None:
            # What a disabled association looks like, but for the status: associations have no DELETE, so
            # pending_deletion (for delays.association) and then deleted can only mean it was removed.
            # disabled_active is the worst case, not told apart from a disabled association at all.
            status = "pending_deletion" if now < tombstone.removed_at + tombstone.delay else "deleted"
            if removed == "disabled_active":
                status = "active"
            return self._view(hostname, certificate, False, status, tombstone.created_at, tombstone.removed_at, now)
        return empty_association(hostname)

    def list_associations(self, zone_id: str, statuses, now: float) -> list[dict]:
        """Every association of the zone, removed ones included, as the list serves them; ``statuses`` None for all."""
        listed = []
        for (zone, hostname), association in self._associations.items():
            if zone == zone_id:
                association.settle(now)
                listed.append({"hostname": hostname, "cert_id": association.cert_id, "enabled": association.enabled,
                               "status": association.status, "created_at": iso_micro(association.created_at),
                               "updated_at": iso_micro(association.updated_at)})
        for (zone, hostname), tombstone in self._removed.items():
            if zone == zone_id and (zone, hostname) not in self._associations:
                status = "pending_deletion" if now < tombstone.removed_at + tombstone.delay else "deleted"
                listed.append({"hostname": hostname, "cert_id": tombstone.cert_id, "enabled": None, "status": status,
                               "created_at": iso_micro(tombstone.created_at), "updated_at": iso_micro(tombstone.removed_at)})
        return sorted((item for item in listed if statuses is None or item["status"] in statuses), key=lambda item: item["hostname"])

    def _plan(self, zone_id: str, zone_name: str, body, now: float) -> list[tuple[str, HostnameCertificate, object]]:
        if not isinstance(body, dict) or not isinstance(body.get("config"), list):
            raise ApiError(400, errors.ASSOCIATION_CONFIG_INVALID, "config is required: a list of {hostname, cert_id, enabled}")
        plan = []
        seen = set()
        for index, item in enumerate(body["config"]):
            if not isinstance(item, dict):
                raise ApiError(400, errors.ASSOCIATION_CONFIG_INVALID, "config[%d] must be an object" % index)
            hostname = normalise_hostname(item.get("hostname"), zone_name)
            if hostname in seen:
                raise ApiError(400, errors.ASSOCIATION_CONFIG_INVALID, "config lists hostname %s more than once" % hostname)
            seen.add(hostname)
            # A missing ``enabled`` is taken as null (remove), as a JSON decoder of a nullable field would: a guess.
            if item.get("enabled") is not None and not isinstance(item["enabled"], bool):
                raise ApiError(400, errors.ASSOCIATION_CONFIG_INVALID, "config[%d].enabled must be true, false or null" % index)
            cert_id = item.get("cert_id")
            if not isinstance(cert_id, str) or not cert_id:
                raise ApiError(400, errors.ASSOCIATION_CONFIG_INVALID, "config[%d].cert_id is required" % index)
            certificate = self._certificates.get(cert_id)
            if certificate is not None and certificate.zone_id == zone_id:
                certificate.settle(now)
            if certificate is None or certificate.zone_id != zone_id or certificate.status in GONE:
                raise ApiError(400, errors.HOSTNAME_CERTIFICATE_INVALID_OR_DELETED, "Certificate id invalid or deleted: %s" % cert_id[:64])
            plan.append((hostname, certificate, item.get("enabled")))
        return plan

    def _check_limit(self, zone_id: str, plan: list, limit: int) -> None:
        counts = Counter(a.cert_id for a in self._associations.values() if a.zone_id == zone_id)
        for hostname, certificate, enabled in plan:
            current = self._associations.get((zone_id, hostname))
            if current is not None:
                counts[current.cert_id] -= 1
            if enabled is not None:
                counts[certificate.id] += 1
        for _hostname, certificate, enabled in plan:
            if enabled is not None and counts[certificate.id] > limit:
                raise ApiError(400, errors.ASSOCIATION_LIMIT,
                               "Certificate %s would have %d associations; at most %d are allowed per certificate"
                               % (certificate.id, counts[certificate.id], limit))

    def associate(self, zone_id: str, zone_name: str, body, now: float, delay: float, limit: int) -> list[dict]:
        """Apply a PUT batch all or nothing; the answer lists each hostname's association."""
        plan = self._plan(zone_id, zone_name, body, now)
        self._check_limit(zone_id, plan, limit)
        results = []
        for hostname, certificate, enabled in plan:
            key = (zone_id, hostname)
            current = self._associations.get(key)
            if enabled is None:
                if current is not None:
                    del self._associations[key]
                    self._removed[key] = Removed(current, now, delay)
                    removed_from = self._certificates[current.cert_id]
                    results.append(self._view(hostname, removed_from, None, "deleted", current.created_at, now, now))
                else:
                    results.append(self._view(hostname, certificate, None, "deleted", now, now, now))
                continue
            if current is None:
                current = Association(zone_id, hostname, certificate.id, enabled, now, delay)
                self._associations[key] = current
                self._removed.pop(key, None)
            elif current.cert_id != certificate.id or current.enabled != enabled:
                current.cert_id = certificate.id
                current.enabled = enabled
                current.schedule("pending_deployment", "active", now, delay)
            results.append(self._association_view(current, now))
        return results

    # ---- control API ----

    def force_certificate_status(self, zone_id: str, certificate_id: str, status: str) -> dict:
        certificate = self._certificates.get(certificate_id)
        if certificate is None or certificate.zone_id != zone_id:
            raise KeyError(certificate_id)
        certificate.status, certificate.next_status, certificate.transition_at = status, None, None
        return certificate.to_result()

    def force_association_status(self, zone_id: str, hostname: str, status: str, now: float) -> dict:
        association = self._associations.get((zone_id, hostname.lower()))
        if association is None:
            raise KeyError(hostname)
        association.status, association.next_status, association.transition_at = status, None, None
        return self._association_view(association, now)
