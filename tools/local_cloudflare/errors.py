# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's error envelope and the error codes the local API answers with.

Cloudflare publishes only some of its codes. Where the real code is known (from the
API's own answers quoted in public clients and in its README)
it is used; the others were chosen here, close to the family Cloudflare uses for that
product, and are listed below so that nobody mistakes them for documented values.

Known from Cloudflare:

======  ======  ==========================================================================
code    HTTP    when
======  ======  ==========================================================================
971     429     rate limit exceeded ("Please wait and consider throttling your request speed")
6003    400     invalid request headers; ``error_chain`` names the header: 6102 (X-Auth-Email),
                6103 (X-Auth-Key, typically an API token sent as a global key), 6111
                (Authorization)
6007    400     malformed JSON in the request body
7003    404     could not route (unknown path or malformed identifier), followed by 7000
                "No route for that URI", as Cloudflare sends both
9103    403     unknown X-Auth-Key or X-Auth-Email
9109    403     invalid access token (well-formed, unknown)
10000   401     no credentials at all: "Authentication error"
10000   403     the credential may not do this: a read-only token writing, or a zone the
                credential cannot see (Cloudflare answers 403 rather than revealing whether
                the zone exists)
1406    400     hostname certificate already exists for this zone
10003   404     no entry point ruleset of that phase in the zone: "could not find entrypoint
                ruleset in the <phase> phase" (code and text as a public client logged them,
                ibm-mas/ansible-devops#2403; the status 404 is assumed). The modules read any
                404 of the entry point as "none", whatever its code
1415    404     hostname certificate id invalid or deleted (400 inside an association PUT); the
                status of a GET/DELETE is a guess: ``variants.deleted_hostname_certificate``
                serves 404 (1415), 404 without a code, or 400 (1415)
======  ======  ==========================================================================

Seen on the live API in 2026 by another project (see the README, one
source each; the HTTP status of the 400s is a guess). Each is served as a variant
(``config.VARIANTS``) unless said otherwise:

======  ======  ==========================================================================
1407    400     revoke (DELETE) of a client certificate already revoked: "already deleted"
                (``variants.revoked_client_certificate: 400_1407``)
1414    400     DELETE of a hostname certificate already ``pending_deletion``
                (``variants.hostname_certificate_deleting: 400_1414``)
1433    400     DELETE of a hostname certificate that associations still use (always)
1434    400     DELETE of a hostname certificate still ``pending_deployment`` (or
                ``initializing``) (``variants.hostname_certificate_deploying: 400_1434``)
1551    404/400 hostname certificate not found (``variants.deleted_hostname_certificate``:
1552            ``404_1551``, ``400_1551``, ``404_1552``, ``400_1552``)
1553    404     GET hostnames/{hostname} never configured
                (``variants.removed_association: 404_1553``)
1406    400     also for about 10 s while the same certificate's old copy is
                ``pending_deletion``; the upload after that returns the old id (always)
======  ======  ==========================================================================

Chosen here (plausible, not documented by Cloudflare):

======  ======  ==========================================================================
1001    400     invalid query parameter or request body shape (page, per_page, status, ...)
7001    405     method not allowed on a known path
1101    400     client certificate: ``csr`` missing
1102    400     client certificate: ``csr`` cannot be parsed, bad signature, weak key
1103    400     client certificate: ``validity_days`` missing or out of range (1..5475)
1104    404     client certificate not found in this zone
1105    400     reactivation refused: the certificate is not ``pending_revocation``
1107    400     revocation refused while the certificate is ``pending_reactivation``
1401    400     hostname certificate upload: ``certificate`` or ``private_key`` missing
1402    400     hostname certificate cannot be parsed
1403    400     private key cannot be parsed (or is encrypted)
1421    400     private key does not match the certificate (not 1407: Cloudflare uses that
                code for an already revoked client certificate)
1409    400     the zone already has ``hostname_certificate_limit`` hostname certificates
1410    400     a certificate would get more than ``associations_per_certificate`` hostnames
1411    400     invalid hostname, or a hostname outside the zone
1412    400     invalid association config (``config`` missing, an item malformed, a
                hostname twice in one batch, ``enabled`` not true/false/null; a missing
                ``enabled`` is taken as null)
10004   404     no ruleset with that id in the zone
10005   404     no rule with that id in the ruleset
======  ======  ==========================================================================
"""

from __future__ import annotations

# Cloudflare's codes (see the module docstring).
RATE_LIMITED = 971
INVALID_HEADERS = 6003
INVALID_EMAIL_HEADER = 6102
INVALID_KEY_HEADER = 6103
INVALID_AUTHORIZATION_HEADER = 6111
MALFORMED_JSON = 6007
NO_ROUTE = 7000
COULD_NOT_ROUTE = 7003
UNKNOWN_GLOBAL_KEY = 9103
INVALID_ACCESS_TOKEN = 9109
AUTHENTICATION_ERROR = 10000
HOSTNAME_CERTIFICATE_EXISTS = 1406
HOSTNAME_CERTIFICATE_INVALID_OR_DELETED = 1415
ALREADY_REVOKED = 1407
HOSTNAME_CERTIFICATE_PENDING_DELETION = 1414
HOSTNAME_CERTIFICATE_IN_USE = 1433
HOSTNAME_CERTIFICATE_PENDING_DEPLOYMENT = 1434
HOSTNAME_CERTIFICATE_NOT_FOUND = 1551
HOSTNAME_CERTIFICATE_NOT_FOUND_2 = 1552
HOSTNAME_NOT_CONFIGURED = 1553
ENTRYPOINT_NOT_FOUND = 10003

# Codes chosen for the local API (see the module docstring).
INVALID_REQUEST = 1001
METHOD_NOT_ALLOWED = 7001
CSR_MISSING = 1101
CSR_INVALID = 1102
VALIDITY_DAYS_INVALID = 1103
CLIENT_CERTIFICATE_NOT_FOUND = 1104
REACTIVATION_REFUSED = 1105
REVOCATION_REFUSED = 1107
UPLOAD_FIELD_MISSING = 1401
CERTIFICATE_INVALID = 1402
PRIVATE_KEY_INVALID = 1403
KEY_MISMATCH = 1421
HOSTNAME_CERTIFICATE_LIMIT = 1409
ASSOCIATION_LIMIT = 1410
HOSTNAME_INVALID = 1411
ASSOCIATION_CONFIG_INVALID = 1412
RULESET_NOT_FOUND = 10004
RULE_NOT_FOUND = 10005


def error_item(code: int, message: str, chain: list[dict] | None = None) -> dict:
    """One item of ``errors``; ``chain`` becomes Cloudflare's nested ``error_chain``."""
    item: dict = {"code": code, "message": message}
    if chain:
        item["error_chain"] = chain
    return item


def failure_envelope(errors: list[dict]) -> dict:
    return {"success": False, "errors": errors, "messages": [], "result": None}


def success_envelope(result, result_info: dict | None = None) -> dict:
    envelope = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        envelope["result_info"] = result_info
    return envelope


class ApiError(Exception):
    """A Cloudflare error answer: HTTP status plus the ``errors`` of the envelope."""

    def __init__(self, status: int, code: int, message: str, chain: list[dict] | None = None,
                 headers: dict | None = None, extra_errors: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.errors = [error_item(code, message, chain)] + list(extra_errors or [])
        self.headers = dict(headers or {})

    @property
    def code(self) -> int:
        return self.errors[0]["code"]

    def envelope(self) -> dict:
        return failure_envelope(self.errors)


def invalid_request(message: str) -> ApiError:
    return ApiError(400, INVALID_REQUEST, message)


def could_not_route(path: str) -> ApiError:
    return ApiError(404, COULD_NOT_ROUTE, "Could not route to %s, perhaps your object identifier is invalid?" % path,
                    extra_errors=[error_item(NO_ROUTE, "No route for that URI")])
