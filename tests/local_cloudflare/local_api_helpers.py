# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers for the local Cloudflare API's tests: a validating client and key material.

Every 200 answer from ``/client/v4`` that goes through ``LocalApi`` is validated against the
official OpenAPI document; the few places where the 2024-08 spec and the live API disagree
are handled in ``OpenApiSpec`` and explained there.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
from pathlib import Path

import jsonschema
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]

ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
ZONE_NAME = "example.com"
TOKEN = "local-demo-token"
READONLY_TOKEN = "local-readonly-token"
EMAIL = "admin@example.com"
GLOBAL_KEY = "0123456789abcdef0123456789abcdef01234"

CLIENT_CERTIFICATE = "tls-certificates-and-hostnames_client_certificate"
HOSTNAME_CERTIFICATE = "tls-certificates-and-hostnames_schemas-certificateObject"
ASSOCIATION = "tls-certificates-and-hostnames_hostname_certid_object"
# operationId -> the schema whose properties bound the keys of each result object.
RESULT_SHAPES = {
    "client-certificate-for-a-zone-list-client-certificates": CLIENT_CERTIFICATE,
    "client-certificate-for-a-zone-create-client-certificate": CLIENT_CERTIFICATE,
    "client-certificate-for-a-zone-delete-client-certificate": CLIENT_CERTIFICATE,
    "client-certificate-for-a-zone-client-certificate-details": CLIENT_CERTIFICATE,
    "client-certificate-for-a-zone-edit-client-certificate": CLIENT_CERTIFICATE,
    "per-hostname-authenticated-origin-pull-list-certificates": HOSTNAME_CERTIFICATE,
    "per-hostname-authenticated-origin-pull-upload-a-hostname-client-certificate": HOSTNAME_CERTIFICATE,
    "per-hostname-authenticated-origin-pull-delete-hostname-client-certificate": HOSTNAME_CERTIFICATE,
    "per-hostname-authenticated-origin-pull-get-the-hostname-client-certificate": HOSTNAME_CERTIFICATE,
    "per-hostname-authenticated-origin-pull-enable-or-disable-a-hostname-for-client-authentication": ASSOCIATION,
    "per-hostname-authenticated-origin-pull-get-the-hostname-status-for-client-authentication": ASSOCIATION,
}
GET_ASSOCIATION = "per-hostname-authenticated-origin-pull-get-the-hostname-status-for-client-authentication"
LIST_HOSTNAME_CERTIFICATES = "per-hostname-authenticated-origin-pull-list-certificates"


def spec_path() -> Path:
    override = os.environ.get("CLOUDFLARE_OPENAPI_SPEC")
    if override:
        return Path(override)
    return REPO / "tests" / "openapi" / "cloudflare-2024.json"


def to_json_schema(node, in_properties: bool = False):
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null type, examples go."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if in_properties:
        return {name: to_json_schema(schema) for name, schema in node.items()}
    converted = {key: to_json_schema(value, key == "properties") for key, value in node.items()
                 if key not in ("example", "examples", "readOnly", "writeOnly", "nullable")}
    if node.get("nullable"):
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = converted["enum"] + [None]
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


class OpenApiSpec:
    """The official document, used to check every 200 answer of the local API."""

    def __init__(self, path: Path):
        with open(path, encoding="utf-8") as spec_file:
            self.document = json.load(spec_file)
        self.components = to_json_schema(self.document["components"])
        self.operations = []
        for template, methods in self.document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, operation in methods.items():
                self.operations.append((template.count("{"), pattern, method.upper(), operation))
        # A literal segment beats a parameter: .../hostnames/certificates is not a hostname.
        self.operations.sort(key=lambda entry: entry[0])
        self.validated = set()

    def operation(self, method: str, path: str) -> dict:
        for _params, pattern, operation_method, operation in self.operations:
            if operation_method == method and pattern.match(path):
                return operation
        raise AssertionError("no operation in the spec for %s %s" % (method, path))

    def schema(self, name: str) -> dict:
        return self.components["schemas"][name]

    def _validate(self, schema: dict, instance) -> None:
        wrapped = {"allOf": [schema], "components": self.components}
        jsonschema.Draft7Validator(wrapped).validate(instance)

    def validate_component(self, name: str, instance) -> None:
        self._validate({"$ref": "#/components/schemas/" + name}, instance)

    def validate_response(self, method: str, path: str, payload: dict) -> str:
        """Validate a 200 answer; returns the operationId it was checked against."""
        operation = self.operation(method, path)
        operation_id = operation["operationId"]
        schema = to_json_schema(operation["responses"]["200"]["content"]["application/json"]["schema"])
        checked = copy.deepcopy(payload)
        if operation_id == GET_ASSOCIATION and checked["result"]["cert_id"] is None:
            # Exception: a hostname without an association. The spec has no shape for it and
            # types cert_id/status/... as non-nullable strings; the local API answers (as
            # cloudflare-api.md describes, "enabled (nullable)") with every field but
            # hostname null. Check that, then validate the hostname alone.
            assert all(value is None for name, value in checked["result"].items() if name != "hostname"), checked
            checked["result"] = {"hostname": checked["result"]["hostname"]}
        self._validate(schema, checked)
        results = checked["result"] if isinstance(checked["result"], list) else [checked["result"]]
        shape = RESULT_SHAPES.get(operation_id)
        if shape is not None:
            allowed = set(self.schema(shape)["properties"])
            for result in results:
                extra = set(result) - allowed
                assert not extra, "%s returned fields the spec does not know: %s" % (operation_id, sorted(extra))
        if operation_id == LIST_HOSTNAME_CERTIFICATES:
            # Exception (spec drift 3): the spec types these items as association objects;
            # the live API returns certificate objects. Hold them to the certificate schema.
            for result in results:
                self.validate_component(HOSTNAME_CERTIFICATE, result)
        self.validated.add(operation_id)
        return operation_id


class LocalApi:
    """A requests client for one server: API calls (validated) and control calls."""

    def __init__(self, base_url: str, spec: OpenApiSpec):
        self.base_url = base_url
        self.root = base_url[:-len("/client/v4")]
        self.spec = spec
        self.session = requests.Session()
        # Loopback only: a proxy from the environment must not get in the way.
        self.session.trust_env = False
        self.auth_headers = {"Authorization": "Bearer " + TOKEN}

    def request(self, method: str, path: str, headers: dict | None = None, validate: bool = True, **kwargs) -> requests.Response:
        """Send one API call; a 200 is checked against the spec unless a test injected a fault."""
        sent_headers = dict(self.auth_headers if headers is None else headers)
        response = self.session.request(method, self.base_url + path, headers=sent_headers, timeout=10, **kwargs)
        if validate and response.status_code == 200:
            self.spec.validate_response(method, path.split("?")[0], response.json())
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def control(self, method: str, path: str, body=None, expect: int = 200):
        response = self.session.request(method, self.root + "/__control/" + path, json=body, timeout=30)
        assert response.status_code == expect, response.text
        return response.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", {"advance": seconds})

    def journal(self) -> list:
        return self.control("GET", "journal")["requests"]

    # ---- resources used by many tests ----

    def create_client_certificate(self, common_name: str = "device-1", validity_days: int = 365) -> dict:
        response = self.post(zone_path("/client_certificates"), json={"csr": make_csr(common_name), "validity_days": validity_days})
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def upload_hostname_certificate(self, bundle: tuple[str, str] | None = None) -> dict:
        certificate, private_key = bundle or make_hostname_bundle()
        response = self.post(zone_path("/origin_tls_client_auth/hostnames/certificates"),
                             json={"certificate": certificate, "private_key": private_key})
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def associate(self, *items: tuple[str, str, object]) -> requests.Response:
        config = [{"hostname": hostname, "cert_id": cert_id, "enabled": enabled} for hostname, cert_id, enabled in items]
        return self.put(zone_path("/origin_tls_client_auth/hostnames"), json={"config": config})


def zone_path(suffix: str = "") -> str:
    return "/zones/%s%s" % (ZONE_ID, suffix)


def pem_key(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def make_csr(common_name: str = "device-1", key=None, **subject) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    names = {"country": NameOID.COUNTRY_NAME, "organization": NameOID.ORGANIZATION_NAME,
             "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME, "location": NameOID.LOCALITY_NAME,
             "state": NameOID.STATE_OR_PROVINCE_NAME}
    attributes += [x509.NameAttribute(names[field], value) for field, value in subject.items()]
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_hostname_bundle(common_name: str = "origin.example.com", key=None, with_chain: bool = False) -> tuple[str, str]:
    """(certificate PEM, private key PEM): a leaf signed by a throwaway CA."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Origin CA"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Test Origin CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30)).sign(ca_key, hashes.SHA256()))
    pem = leaf.public_bytes(serialization.Encoding.PEM).decode("ascii")
    if with_chain:
        pem += ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return pem, pem_key(key)
