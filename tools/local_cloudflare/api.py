# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``/client/v4`` operations: routing, the order of checks, and the envelopes.

Order of checks for every request, as a client of Cloudflare sees it: rate limit (429),
route (404 7003 / 405 7001), authentication (400/401/403), permission (403 10000 for a
read-only token writing), body (400 6007 for malformed JSON), identifiers (7003 for a
malformed zone or client certificate id, 403 10000 for a zone the credential cannot see),
then the operation itself. Every answer carries ``Ratelimit`` and ``Ratelimit-Policy``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from . import errors
from .auth import authenticate, require_write
from .client_certificates import STATUSES as CLIENT_CERTIFICATE_STATUSES
from .errors import ApiError, invalid_request, success_envelope
from .hostname_aop import ASSOCIATION_STATUSES

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
ZONE_NAME_OPERATORS = ("equal", "not_equal", "starts_with", "ends_with", "contains",
                       "starts_with_case_sensitive", "ends_with_case_sensitive", "contains_case_sensitive")


@dataclass
class ApiRequest:
    method: str
    path: str  # the part after /client/v4
    query: dict
    headers: object  # an email.message.Message, as http.server gives it
    body: object = None
    body_malformed: bool = False
    client: str = ""


@dataclass
class ApiResponse:
    status: int
    payload: dict
    headers: dict = field(default_factory=dict)
    auth: str = "none"


def attempted_scheme(headers) -> str:
    if headers.get("Authorization") is not None:
        return "token"
    if headers.get("X-Auth-Key") is not None or headers.get("X-Auth-Email") is not None:
        return "global_key"
    return "none"


# ---- query parameters and pagination ----

def _single(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _int_param(query: dict, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = _single(query, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    bounds = "between %d and %d" % (minimum, maximum) if maximum is not None else ">= %d" % minimum
    if not value.is_integer() or value < minimum or (maximum is not None and value > maximum):
        raise invalid_request("Invalid %s: must be a whole number %s" % (name, bounds))
    return int(value)


def paginate(items: list, page: int, per_page: int, offset: int | None = None) -> tuple[list, dict]:
    """One page: ``per_page`` items from ``offset`` (0 without one), page ``page`` of those."""
    start = (offset or 0) + (page - 1) * per_page
    shown = items[start:start + per_page]
    info = {"page": page if offset is None else start // per_page + 1, "per_page": per_page, "count": len(shown),
            "total_count": len(items), "total_pages": math.ceil(len(items) / per_page)}
    return shown, info


def _page_window(query: dict) -> tuple[int, int, int | None]:
    """(page, per_page, offset) from page/per_page, limit/offset, or both.

    The spec lists both styles without saying how they combine. The official SDK 5.x sends
    ``limit`` and ``offset`` and then adds ``page=2, 3, ...`` to walk on; refusing that, or
    ignoring ``page`` (the same page forever), would be stricter than anything known of the
    real API. A guess, therefore permissive: ``limit`` (when given) is the page size, and page
    N starts ``(N - 1) * size`` items after ``offset``. ``per_page`` keeps the spec's 5..50;
    ``limit`` has no documented bound, so any size from 1 goes.
    """
    if "limit" in query:
        per_page = _int_param(query, "limit", 20, 1)
    else:
        per_page = _int_param(query, "per_page", 20, 5, 50)
    offset = _int_param(query, "offset", 0, 0) if "offset" in query else None
    return _int_param(query, "page", 1, 1), per_page, offset


# ---- zones ----

def _zone_name_matches(name: str, expression: str) -> bool:
    operator, separator, value = expression.partition(":")
    if operator not in ZONE_NAME_OPERATORS or not separator:
        operator, value = "equal", expression
    if not operator.endswith("case_sensitive"):
        name, value = name.lower(), value.lower()
    operator = operator.replace("_case_sensitive", "")
    checks = {"equal": name == value, "not_equal": name != value, "starts_with": name.startswith(value),
              "ends_with": name.endswith(value), "contains": value in name}
    return checks[operator]


def list_zones(app, request: ApiRequest, params: dict, now: float) -> dict:
    del params, now
    name = _single(request.query, "name")
    status = _single(request.query, "status")
    if status is not None and status not in ("initializing", "pending", "active", "moved"):
        raise invalid_request("Invalid status: must be one of initializing, pending, active, moved")
    page, per_page = _int_param(request.query, "page", 1, 1), _int_param(request.query, "per_page", 20, 5, 50)
    zones = sorted((z for z in app.config["zones"] if name is None or _zone_name_matches(z["name"], name)), key=lambda z: z["name"])
    if status not in (None, "active"):
        zones = []
    shown, info = paginate([app.zone_result(z) for z in zones], page, per_page)
    return success_envelope(shown, info)


# ---- client certificates ----

def list_client_certificates(app, request: ApiRequest, params: dict, now: float) -> dict:
    status = _single(request.query, "status") or "all"
    if status not in ("all",) + CLIENT_CERTIFICATE_STATUSES:
        raise invalid_request("Invalid status: must be one of all, %s" % ", ".join(CLIENT_CERTIFICATE_STATUSES))
    page, per_page, offset = _page_window(request.query)
    found = app.client_certificates.list(params["zone_id"], status, now)
    shown, info = paginate(found, page, per_page, offset)
    return success_envelope([c.to_result() for c in shown], info)


def create_client_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    return success_envelope(app.client_certificates.create(params["zone_id"], request.body, now).to_result())


def get_client_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request
    return success_envelope(app.client_certificates.get(params["zone_id"], params["client_certificate_id"], now).to_result())


def revoke_client_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request
    certificate = app.client_certificates.revoke(params["zone_id"], params["client_certificate_id"], now, app.delay("revocation"),
                                                 app.config["variants"]["revoked_client_certificate"])
    return success_envelope(certificate.to_result())


def reactivate_client_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    certificate = app.client_certificates.reactivate(params["zone_id"], params["client_certificate_id"], request.body, now,
                                                     app.delay("reactivation"))
    return success_envelope(certificate.to_result())


# ---- per-hostname authenticated origin pulls ----

def list_hostname_certificates(app, request: ApiRequest, params: dict, now: float) -> dict:
    # Cloudflare ignores every query parameter here and answers one page.
    del request
    found = [c.to_result() for c in app.hostname_aop.list(params["zone_id"], now)]
    info = {"page": 1, "per_page": max(len(found), app.config["hostname_certificate_limit"]), "count": len(found),
            "total_count": len(found), "total_pages": 1}
    return success_envelope(found, info)


def upload_hostname_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    certificate = app.hostname_aop.upload(params["zone_id"], request.body, now, app.delay("deployment"),
                                          app.config["hostname_certificate_limit"])
    return success_envelope(certificate.to_result())


def get_hostname_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request
    gone = app.config["variants"]["deleted_hostname_certificate"]
    return success_envelope(app.hostname_aop.get(params["zone_id"], params["certificate_id"], now, gone).to_result())


def delete_hostname_certificate(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request
    variants = app.config["variants"]
    certificate = app.hostname_aop.delete(params["zone_id"], params["certificate_id"], now, app.delay("deletion"),
                                          variants["deleted_hostname_certificate"], deploying=variants["hostname_certificate_deploying"],
                                          deleting=variants["hostname_certificate_deleting"])
    return success_envelope(certificate.to_result())


def put_associations(app, request: ApiRequest, params: dict, now: float) -> dict:
    zone = app.zone(params["zone_id"])
    results = app.hostname_aop.associate(zone["id"], zone["name"], request.body, now, app.delay("association"),
                                         app.config["associations_per_certificate"])
    return success_envelope(results)


def list_associations(app, request: ApiRequest, params: dict, now: float) -> dict:
    """The 2026 list: ``page``, ``per_page`` (1..1000, default 50), ``status`` (comma-separated, or ``all``; default ``active``)."""
    variant = app.config["variants"]["association_list"]
    if variant == "404":
        raise errors.could_not_route(request.path)
    if variant == "400":
        raise ApiError(400, errors.HOSTNAME_INVALID, "Invalid hostname: ")
    wanted = [value.strip() for value in (_single(request.query, "status") or "active").split(",")]
    if not all(value in ("all",) + ASSOCIATION_STATUSES for value in wanted):
        raise invalid_request("Invalid status: must be all or comma-separated values of %s" % ", ".join(ASSOCIATION_STATUSES))
    page, per_page = _int_param(request.query, "page", 1, 1), _int_param(request.query, "per_page", 50, 1, 1000)
    found = app.hostname_aop.list_associations(params["zone_id"], None if "all" in wanted else wanted, now)
    shown, info = paginate(found, page, per_page)
    return success_envelope(shown, info)


def get_association(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request
    zone = app.zone(params["zone_id"])
    removed = app.config["variants"]["removed_association"]
    return success_envelope(app.hostname_aop.association(zone["id"], zone["name"], params["hostname"], now, removed))


# ---- zone rulesets and API Shield mTLS hostnames ----

def get_entrypoint(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request, now
    return success_envelope(app.rulesets.entrypoint(params["zone_id"], params["phase"]).to_result())


def put_entrypoint(app, request: ApiRequest, params: dict, now: float) -> dict:
    return success_envelope(app.rulesets.put_entrypoint(params["zone_id"], params["phase"], request.body, now).to_result())


def add_rule(app, request: ApiRequest, params: dict, now: float) -> dict:
    return success_envelope(app.rulesets.add_rule(params["zone_id"], params["ruleset_id"], request.body, now).to_result())


def update_rule(app, request: ApiRequest, params: dict, now: float) -> dict:
    ruleset = app.rulesets.update_rule(params["zone_id"], params["ruleset_id"], params["rule_id"], request.body, now)
    return success_envelope(ruleset.to_result())


def delete_rule(app, request: ApiRequest, params: dict, now: float) -> dict:
    del request
    return success_envelope(app.rulesets.delete_rule(params["zone_id"], params["ruleset_id"], params["rule_id"], now).to_result())


def get_mtls_hostnames(app, request: ApiRequest, params: dict, now: float) -> dict:
    del now
    return success_envelope({"hostnames": app.rulesets.mtls_hostnames(params["zone_id"], _single(request.query, "mtls_certificate_id"))})


def put_mtls_hostnames(app, request: ApiRequest, params: dict, now: float) -> dict:
    del now
    zone = app.zone(params["zone_id"])
    return success_envelope({"hostnames": app.rulesets.put_mtls_hostnames(zone["id"], zone["name"], request.body)})


_ZONE = r"^/zones/(?P<zone_id>[^/]+)"
_AOP = _ZONE + r"/origin_tls_client_auth/hostnames"
ROUTES = (
    (re.compile(r"^/zones$"), {"GET": list_zones}),
    (re.compile(_ZONE + r"/client_certificates$"), {"GET": list_client_certificates, "POST": create_client_certificate}),
    (re.compile(_ZONE + r"/client_certificates/(?P<client_certificate_id>[^/]+)$"),
     {"GET": get_client_certificate, "PATCH": reactivate_client_certificate, "DELETE": revoke_client_certificate}),
    (re.compile(_AOP + r"$"), {"GET": list_associations, "PUT": put_associations}),
    (re.compile(_AOP + r"/certificates$"), {"GET": list_hostname_certificates, "POST": upload_hostname_certificate}),
    (re.compile(_AOP + r"/certificates/(?P<certificate_id>[^/]+)$"),
     {"GET": get_hostname_certificate, "DELETE": delete_hostname_certificate}),
    (re.compile(_AOP + r"/(?P<hostname>[^/]+)$"), {"GET": get_association}),
    (re.compile(_ZONE + r"/certificate_authorities/hostname_associations$"), {"GET": get_mtls_hostnames, "PUT": put_mtls_hostnames}),
    (re.compile(_ZONE + r"/rulesets/phases/(?P<phase>[^/]+)/entrypoint$"), {"GET": get_entrypoint, "PUT": put_entrypoint}),
    (re.compile(_ZONE + r"/rulesets/(?P<ruleset_id>[^/]+)/rules$"), {"POST": add_rule}),
    (re.compile(_ZONE + r"/rulesets/(?P<ruleset_id>[^/]+)/rules/(?P<rule_id>[^/]+)$"), {"PATCH": update_rule, "DELETE": delete_rule}),
)


def resolve(method: str, path: str):
    """(handler, decoded path parameters), or ApiError 404 (7003) / 405 (7001)."""
    for pattern, handlers in ROUTES:
        match = pattern.match(path)
        if match is None:
            continue
        if method not in handlers:
            raise ApiError(405, errors.METHOD_NOT_ALLOWED, "Method %s not allowed for this endpoint" % method,
                           headers={"Allow": ", ".join(sorted(handlers))})
        return handlers[method], {name: unquote(value) for name, value in match.groupdict().items()}
    raise errors.could_not_route(path)


def _check_identifiers(app, path: str, params: dict) -> None:
    if "zone_id" in params:
        if not ID_PATTERN.match(params["zone_id"]):
            raise errors.could_not_route(path)
        if app.zone(params["zone_id"]) is None:
            # Cloudflare does not say whether a zone exists that the credential cannot see.
            raise ApiError(403, errors.AUTHENTICATION_ERROR, "Authentication error")
    for name in ("client_certificate_id", "ruleset_id", "rule_id"):
        if name in params and not ID_PATTERN.match(params[name]):
            raise errors.could_not_route(path)


def handle_api_request(app, request: ApiRequest) -> ApiResponse:
    with app.lock:
        now = app.now()
        rate_limit = app.config["rate_limit"]
        credential, auth_error = None, None
        try:
            credential = authenticate(request.headers, app.config)
        except ApiError as exc:
            auth_error = exc
        identity = credential.identity if credential is not None else "client:" + request.client
        decision = app.rate_limiter.hit(identity, now, rate_limit["quota"], rate_limit["window"])
        response = ApiResponse(200, {}, decision.headers(rate_limit["quota"], rate_limit["window"]), attempted_scheme(request.headers))
        try:
            if not decision.allowed:
                raise ApiError(429, errors.RATE_LIMITED, "Please wait and consider throttling your request speed",
                               headers={"Retry-After": str(decision.retry_after)})
            handler, params = resolve(request.method, request.path)
            if auth_error is not None:
                raise auth_error
            require_write(credential, request.method)
            if request.body_malformed:
                raise ApiError(400, errors.MALFORMED_JSON, "Malformed JSON in request body")
            _check_identifiers(app, request.path, params)
            response.payload = handler(app, request, params, now)
        except ApiError as exc:
            response.status = exc.status
            response.payload = exc.envelope()
            response.headers.update(exc.headers)
        return response
