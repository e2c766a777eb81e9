# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The contract check: every request and answer in the local API's journal against Cloudflare's OpenAPI (tests/openapi:
the 2024 extract with its three documented drifts, and 2026/*.json for what only the newer files have). A request must be
a known operation with an accepted auth scheme, path and query parameters and body; an answer (unless a fault replaced it)
must match the operation's response for its status, a 4xx the error envelope. `contract.py CONTROL_URL` checks the whole
journal of a running local API (tools/ci/with_local_api.sh --contract)."""

import glob
import json
import os
import re
import sys
import urllib.request

from jsonschema import validators
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, OAS32Validator

OPENAPI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "openapi")
METHODS = ("get", "put", "post", "delete", "patch")
AUTH = {"token": {"api_token"}, "global_key": {"api_email", "api_key"}}
ENVELOPE = {"type": "object", "required": ["success", "errors"], "properties": {
    "success": {"enum": [False]}, "errors": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}}}

# Known drifts between the description and what is answered or sent, each counted in the summary, not
# failed; remove one when it is resolved. Matched against the violation text.
KNOWN = (
    # A removed association or a hostname with no certificate: GET answers cert_id, cert_status, ... as null
    # (read variant "null_fields", tools/local_cloudflare/config.py); the description has them not nullable.
    r"^GET \S+/origin_tls_client_auth/hostnames/[^/]+ answer 200: None ",
    # The read variants "404" (config.py): a 404 without an error code, one of the answers nobody has seen.
    r"answer 404: \[\] should be non-empty",
)


def _read_only(schema):
    """Whether a property's schema (or one of its allOf parts) is marked readOnly."""
    return schema.get("readOnly") is True or any(_read_only(part) for part in schema.get("allOf", []))


def _required_in_request(validator, required, instance, schema):
    """`required` of a request body: a readOnly property (a ruleset's id, version, last_updated) is required in answers only."""
    for name in required if validator.is_type(instance, "object") else ():
        if name not in instance and not _read_only(schema.get("properties", {}).get(name, {})):
            yield validators.ValidationError("%r is a required property" % name)


OAS32WriteValidator = validators.extend(OAS32Validator, {"required": _required_in_request})
# (validator of a request, validator of an answer) by the description's OpenAPI version
VALIDATORS = {"3.0": (OAS30WriteValidator, OAS30ReadValidator), "3.2": (OAS32WriteValidator, OAS32Validator)}


class Contract:
    def __init__(self, root=OPENAPI):
        self.operations = {}  # (METHOD, template) -> (document, operation, path-level parameters)
        for name in ["cloudflare-2024.prism-compat.json"] + sorted(glob.glob(os.path.join(root, "2026", "*.json"))):
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                document = json.load(handle)
            for template, item in document["paths"].items():
                for method in METHODS:
                    if method in item:
                        self.operations.setdefault((method.upper(), template), (document, item[method], item.get("parameters", [])))
        self.patterns = [(re.compile("^%s$" % re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))), method, template)
                         for method, template in self.operations]
        self.covered = set()
        self.validated = 0
        self.known = 0

    def _check(self, document, schema, value, where, problems, request=False):
        validator = VALIDATORS[document["openapi"][:3]][0 if request else 1](dict(schema, components=document.get("components", {})))
        problems.extend("%s: %s at /%s" % (where, error.message[:200], "/".join(map(str, error.absolute_path)))
                        for error in validator.iter_errors(value))

    def _resolve(self, document, node):
        while "$ref" in node:
            for part in node["$ref"].lstrip("#/").split("/"):
                document = document[part]
            node = document
        return node

    def check(self, entry):
        """The list of violations of one journal entry."""
        method, path = entry["method"], entry["path"]
        found = [(pattern.match(path), key_method, template) for pattern, key_method, template in self.patterns
                 if key_method == method and pattern.match(path)]
        if not found:
            return ["%s %s: no such operation in Cloudflare's description" % (method, path)]
        match, template = min(((item[0], item[2]) for item in found), key=lambda item: item[1].count("{"))
        document, operation, shared = self.operations[(method, template)]
        self.validated += 1
        self.covered.add((method, template))
        where, problems = "%s %s" % (method, path), []
        security = operation.get("security", document.get("security", []))
        if entry.get("auth") and not any(AUTH.get(entry["auth"], {None}) <= set(option) for option in security):
            problems.append("%s: auth %s is not accepted" % (where, entry["auth"]))
        values = dict(zip(re.findall(r"\{([^}]+)\}", template), match.groups()))
        for parameter in [self._resolve(document, p) for p in shared + operation.get("parameters", [])]:
            source = values if parameter["in"] == "path" else entry.get("query") or {} if parameter["in"] == "query" else None
            if source is None:
                continue
            if parameter["name"] not in source:
                if parameter.get("required"):
                    problems.append("%s: %s parameter %s is missing" % (where, parameter["in"], parameter["name"]))
                continue
            value, kind = source[parameter["name"]], self._resolve(document, parameter.get("schema", {})).get("type")
            if kind in ("integer", "number") and re.match(r"^-?\d+(\.\d+)?$", str(value)):
                value = float(value) if "." in value else int(value)
            elif kind == "boolean" and value in ("true", "false"):
                value = value == "true"
            self._check(document, parameter.get("schema", {}), value, "%s parameter %s" % (where, parameter["name"]), problems)
        body = self._resolve(document, operation.get("requestBody", {})).get("content", {}).get("application/json")
        if body is None and entry.get("body") is not None:
            problems.append("%s: takes no request body" % where)
        elif body is not None and entry.get("body") is not None:
            self._check(document, body.get("schema", {}), entry["body"], "%s request body" % where, problems, request=True)
        if entry.get("fault") and entry["fault"] != "delay" or "answer" not in entry:
            return problems
        responses, status = operation.get("responses", {}), str(entry["status"])
        spec = responses.get(status) or responses.get(status[0] + "XX") or responses.get("default")
        # Cloudflare's 4XX schemas are allOf(success answer, failure answer), which nothing can match: the envelope.
        if status.startswith("4"):
            self._check(document, ENVELOPE, entry["answer"], "%s answer %s" % (where, status), problems)
        elif spec is None:
            problems.append("%s: status %s is not documented" % (where, status))
        else:
            schema = self._resolve(document, spec).get("content", {}).get("application/json", {}).get("schema", ENVELOPE)
            self._check(document, schema, entry["answer"], "%s answer %s" % (where, status), problems)
        return problems

    def check_all(self, entries):
        unknown = []
        for entry in entries:
            problems = self.check(entry)
            left = [problem for problem in problems if not any(re.search(known, problem) for known in KNOWN)]
            self.known += len(left) < len(problems)  # requests with a known drift
            unknown += left
        return unknown

    def summary(self, label):
        return "contract (%s): %d requests validated, %d of %d operations covered, %d with a known drift" % (
            label, self.validated, len(self.covered), len(self.operations), self.known)


def main(control_url):
    with urllib.request.urlopen(control_url + "/journal/all", timeout=30) as response:
        contract = Contract()
        problems = contract.check_all(json.load(response)["requests"])
    print("\n".join([contract.summary("integration")] + ["contract violation: " + problem for problem in problems]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
