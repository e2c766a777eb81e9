# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real X.509 for the local API: a managed CA that signs CSRs, and upload parsing.

Formats follow the spec's examples: a client certificate's ``serial_number`` is 40 lowercase
hex digits (``3bb94ff144ac567b9f75ad664b6c55f8d5e48182``) while a hostname certificate's is
decimal (``6743787633689793699141714808227354901``); ``signature`` reads ``SHA256WithRSA``.
No private key that a client sends is ever kept: it is parsed, compared, and dropped.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from . import errors
from .clock import to_datetime
from .errors import ApiError

# CSR subject attribute -> the client certificate field Cloudflare fills from it.
SUBJECT_FIELDS = (
    ("common_name", NameOID.COMMON_NAME),
    ("country", NameOID.COUNTRY_NAME),
    ("organization", NameOID.ORGANIZATION_NAME),
    ("organizational_unit", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("location", NameOID.LOCALITY_NAME),
    ("state", NameOID.STATE_OR_PROVINCE_NAME),
)
MIN_RSA_BITS = 2048
_ECDSA_OIDS = (SignatureAlgorithmOID.ECDSA_WITH_SHA1, SignatureAlgorithmOID.ECDSA_WITH_SHA224, SignatureAlgorithmOID.ECDSA_WITH_SHA256,
               SignatureAlgorithmOID.ECDSA_WITH_SHA384, SignatureAlgorithmOID.ECDSA_WITH_SHA512)
_DSA_OIDS = (SignatureAlgorithmOID.DSA_WITH_SHA1, SignatureAlgorithmOID.DSA_WITH_SHA224, SignatureAlgorithmOID.DSA_WITH_SHA256)


def _name_value(name: x509.Name, oid) -> str:
    attributes = name.get_attributes_for_oid(oid)
    return str(attributes[0].value) if attributes else ""


def subject_fields(name: x509.Name) -> dict:
    return {field: _name_value(name, oid) for field, oid in SUBJECT_FIELDS}


def signature_name(certificate: x509.Certificate) -> str:
    """Cloudflare's spelling of a signature algorithm: SHA256WithRSA, ECDSAWithSHA256, ..."""
    oid = certificate.signature_algorithm_oid
    if oid == SignatureAlgorithmOID.ED25519:
        return "ED25519"
    if oid == SignatureAlgorithmOID.ED448:
        return "ED448"
    try:
        hash_algorithm = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        hash_algorithm = None
    hash_name = hash_algorithm.name.upper().replace("-", "") if hash_algorithm is not None else "UNKNOWN"
    if oid in _ECDSA_OIDS:
        return "ECDSAWith" + hash_name
    if oid == SignatureAlgorithmOID.RSASSA_PSS:
        return hash_name + "WithRSAPSS"
    if oid in _DSA_OIDS:
        return hash_name + "WithDSA"
    return hash_name + "WithRSA"


def fingerprint_sha256(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _public_key_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _hex_serial() -> int:
    # The top bit set at 2**156 gives exactly 40 hex digits, like the spec's example.
    return (1 << 156) | secrets.randbits(156)


class ManagedCertificateAuthority:
    """The local stand-in for "Cloudflare Managed CA for account", created at start."""

    name = "Cloudflare Managed CA for account"

    def __init__(self, now: float):
        self.id = str(uuid.uuid4())
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cloudflare, Inc. (local development API)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Local Cloudflare Managed CA"),
        ])
        start = to_datetime(now) - datetime.timedelta(days=1)
        public_key = self._key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365 * 30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self._key, hashes.SHA256())
        )

    def summary(self) -> dict:
        return {"id": self.id, "name": self.name}

    def issue(self, csr: x509.CertificateSigningRequest, now: float, validity_days: int) -> x509.Certificate:
        """Sign ``csr`` the way Cloudflare's managed CA does: a client-auth leaf."""
        not_before = to_datetime(int(now))
        public_key = csr.public_key()
        is_rsa = isinstance(public_key, rsa.RSAPublicKey)
        return (
            x509.CertificateBuilder()
            .subject_name(csr.subject).issuer_name(self.certificate.subject).public_key(public_key)
            .serial_number(_hex_serial())
            .not_valid_before(not_before).not_valid_after(not_before + datetime.timedelta(days=validity_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=is_rsa,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )


def parse_csr(csr_pem) -> x509.CertificateSigningRequest:
    """The CSR of a create request, or ApiError 400 (1101 missing, 1102 unusable)."""
    if csr_pem is None or csr_pem == "":
        raise ApiError(400, errors.CSR_MISSING, "csr is required")
    if not isinstance(csr_pem, str):
        raise ApiError(400, errors.CSR_INVALID, "csr must be a PEM string")
    try:
        csr = x509.load_pem_x509_csr(csr_pem.strip().encode("utf-8"))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ApiError(400, errors.CSR_INVALID, "Invalid CSR: it could not be parsed as a PEM certificate request") from exc
    try:
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        raise ApiError(400, errors.CSR_INVALID, "Invalid CSR: its signature does not verify")
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ApiError(400, errors.CSR_INVALID, "Invalid CSR: unsupported public key") from exc
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise ApiError(400, errors.CSR_INVALID, "Invalid CSR: RSA keys must have at least %d bits" % MIN_RSA_BITS)
    elif not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise ApiError(400, errors.CSR_INVALID, "Invalid CSR: only RSA and ECDSA keys are supported")
    return csr


def parse_hostname_upload(certificate_pem, private_key_pem) -> x509.Certificate:
    """The leaf of an uploaded bundle once its key is proven to match, else ApiError 400.

    The key is only compared: it is neither returned nor kept, and no message quotes it.
    """
    for field, value in (("certificate", certificate_pem), ("private_key", private_key_pem)):
        if value is None or value == "":
            raise ApiError(400, errors.UPLOAD_FIELD_MISSING, "%s is required" % field)
        if not isinstance(value, str):
            raise ApiError(400, errors.UPLOAD_FIELD_MISSING, "%s must be a PEM string" % field)
    if "PRIVATE KEY-----" in certificate_pem:
        raise ApiError(400, errors.CERTIFICATE_INVALID, "The certificate field must not contain a private key")
    try:
        chain = x509.load_pem_x509_certificates(certificate_pem.strip().encode("utf-8"))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ApiError(400, errors.CERTIFICATE_INVALID, "The certificate could not be parsed as PEM") from exc
    leaf = chain[0]
    try:
        private_key = serialization.load_pem_private_key(private_key_pem.strip().encode("utf-8"), password=None)
    except TypeError as exc:
        raise ApiError(400, errors.PRIVATE_KEY_INVALID, "The private key is encrypted; upload it without a passphrase") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ApiError(400, errors.PRIVATE_KEY_INVALID, "The private key could not be parsed as PEM") from exc
    if isinstance(private_key, dsa.DSAPrivateKey):
        raise ApiError(400, errors.PRIVATE_KEY_INVALID, "DSA private keys are not supported")
    try:
        leaf_key = _public_key_der(leaf.public_key())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ApiError(400, errors.CERTIFICATE_INVALID, "The certificate's public key is not supported") from exc
    if leaf_key != _public_key_der(private_key.public_key()):
        raise ApiError(400, errors.KEY_MISMATCH, "The private key does not match the certificate")
    return leaf


def issuer_name(certificate: x509.Certificate) -> str:
    """The issuer as Cloudflare shows it: the organisation (``GlobalSign``), else the CN."""
    return (_name_value(certificate.issuer, NameOID.ORGANIZATION_NAME)
            or _name_value(certificate.issuer, NameOID.COMMON_NAME)
            or certificate.issuer.rfc4514_string())


# ---- key material for tests and the demo (POST /__control/material, bulk seeding) ----

def new_key(key_type: str = "ec"):
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def make_csr(key, common_name: str, organization: str = "", organizational_unit: str = "") -> str:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if organizational_unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organizational_unit))
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_hostname_certificate(key, common_name: str, now: float, days: int = 365) -> str:
    """A self-signed origin client certificate for per-hostname AOP uploads."""
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Local Origin"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = to_datetime(int(now)) - datetime.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate_pem(certificate)
