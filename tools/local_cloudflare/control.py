# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The control API under ``/__control/``: what tests and the demo use to steer the server.

No authentication, no rate limit, not journaled. Plain JSON answers (no Cloudflare
envelope); a refused request gets ``{"error": "..."}`` with 400, 404 or 405.

=======  ==============================  =====================================================
method   path                            body -> answer
=======  ==============================  =====================================================
GET      /__control/health               -> {"ok": true}
GET      /__control/journal              -> {"requests": [{method, path, query, body, status,
                                         auth, time, fault, answer}]}
GET      /__control/journal/all          -> the same, every entry since the server started
DELETE   /__control/journal              -> {"ok": true}
GET      /__control/faults               -> {"faults": [...pending...]}
POST     /__control/faults               one fault object (see faults.py) or a list of them
                                         -> {"faults": [...added...]}
DELETE   /__control/faults               -> {"ok": true}
POST     /__control/wait_idle            {"timeout"?: seconds, default 10, at most 60} -> {"idle":
                                         bool, "in_flight": n}: waits until no /client/v4
                                         request is being handled, so that a request landing
                                         late (a ``timeout`` or ``delay`` fault) has been
                                         carried out and journaled before a test reads state
GET      /__control/clock                -> {"now": iso, "offset": seconds}
POST     /__control/clock                {"advance": seconds >= 0} -> {"now": iso, "offset": s}
GET      /__control/config               -> the config, credentials masked
PATCH    /__control/config               {delays?, rate_limit?, hostname_certificate_limit?,
                                         associations_per_certificate?, variants?, latency?} merged
                                         -> the config
POST     /__control/reset                -> {"ok": true}: config as started, no certificates,
                                         associations, rulesets or mTLS hostnames, empty journal,
                                         no faults, fresh rate
                                         counters, clock offset 0
POST     /__control/client_certificates  {"zone_id"?, "count": 1..1000, "status"?: "active"}
                                         -> {"ids": [...]}, real certificates, seeding order
POST     /__control/status               {"kind": "client_certificate" | "hostname_certificate"
                                         | "association", "zone_id"?, "id" | "hostname",
                                         "status"} -> {"result": {...}}: a status that never
                                         settles (``deployment_timed_out``, a stuck pending)
POST     /__control/material             {"type": "csr" | "hostname_certificate",
                                         "common_name", "key_type"?: "ec" | "rsa"}
                                         -> {"csr" | "certificate", "private_key"}: fresh key
                                         material for tests and the demo
=======  ==============================  =====================================================

``zone_id`` defaults to the first configured zone.
"""

from __future__ import annotations

from .client_certificates import STATUSES as CLIENT_CERTIFICATE_STATUSES
from .clock import iso_micro
from .config import ConfigError, public_config
from .faults import FaultError, as_number
from . import x509 as local_x509

AOP_STATUSES = ("initializing", "pending_deployment", "pending_deletion", "active", "deleted",
                "deployment_timed_out", "deletion_timed_out")
MAX_SEED = 1000
MAX_IDLE_WAIT = 60


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _object(body) -> dict:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _zone_id(app, body: dict) -> str:
    zone_id = body.get("zone_id")
    if zone_id is None and app.config["zones"]:
        zone_id = app.config["zones"][0]["id"]
    if not isinstance(zone_id, str) or app.zone(zone_id) is None:
        raise ControlError(400, "unknown zone_id %r" % (zone_id,))
    return zone_id


def _clock(app) -> dict:
    return {"now": iso_micro(app.now()), "offset": app.clock.offset}


def health(app, body):
    del app, body
    return {"ok": True}


def get_journal(app, body):
    del body
    return {"requests": app.journal.entries()}


def get_whole_journal(app, body):
    del body
    return {"requests": app.journal.everything()}


def clear_journal(app, body):
    del body
    app.journal.clear()
    return {"ok": True}


def get_faults(app, body):
    del body
    return {"faults": app.faults.pending()}


def add_faults(app, body):
    specs = body if isinstance(body, list) else [body]
    try:
        return {"faults": [app.faults.add(spec).describe() for spec in specs]}
    except FaultError as exc:
        raise ControlError(400, str(exc)) from exc


def clear_faults(app, body):
    del body
    app.faults.clear()
    return {"ok": True}


def wait_idle(app, body):
    timeout = as_number(_object(body).get("timeout", 10))
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= MAX_IDLE_WAIT:
        raise ControlError(400, "timeout must be a number of seconds from 0 to %d" % MAX_IDLE_WAIT)
    idle = app.wait_idle(timeout)
    return {"idle": idle, "in_flight": app.in_flight()}


def get_clock(app, body):
    del body
    return _clock(app)


def advance_clock(app, body):
    seconds = as_number(_object(body).get("advance"))
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ControlError(400, "advance must be a number of seconds >= 0")
    app.clock.advance(seconds)
    return _clock(app)


def get_config(app, body):
    del body
    return public_config(app.config)


def change_config(app, body):
    try:
        return public_config(app.patch_config(_object(body)))
    except ConfigError as exc:
        raise ControlError(400, str(exc)) from exc


def reset(app, body):
    del body
    app.reset()
    return {"ok": True}


def seed_client_certificates(app, body):
    body = _object(body)
    count = as_number(body.get("count", 1))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SEED:
        raise ControlError(400, "count must be an integer from 1 to %d" % MAX_SEED)
    status = body.get("status", "active")
    if status not in CLIENT_CERTIFICATE_STATUSES:
        raise ControlError(400, "status must be one of %s" % ", ".join(CLIENT_CERTIFICATE_STATUSES))
    with app.lock:
        zone_id = _zone_id(app, body)
        return {"ids": app.client_certificates.seed(zone_id, count, status, app.now(), app.config["delays"])}


def force_status(app, body):
    body = _object(body)
    kind, status = body.get("kind"), body.get("status")
    allowed = {"client_certificate": CLIENT_CERTIFICATE_STATUSES, "hostname_certificate": AOP_STATUSES, "association": AOP_STATUSES}
    if kind not in allowed:
        raise ControlError(400, "kind must be one of %s" % ", ".join(allowed))
    if status not in allowed[kind]:
        raise ControlError(400, "status for %s must be one of %s" % (kind, ", ".join(allowed[kind])))
    with app.lock:
        zone_id = _zone_id(app, body)
        try:
            if kind == "client_certificate":
                result = app.client_certificates.force_status(zone_id, str(body.get("id")), status)
            elif kind == "hostname_certificate":
                result = app.hostname_aop.force_certificate_status(zone_id, str(body.get("id")), status)
            else:
                result = app.hostname_aop.force_association_status(zone_id, str(body.get("hostname")), status, app.now())
        except KeyError as exc:
            raise ControlError(404, "no %s %s in zone %s" % (kind, exc.args[0], zone_id)) from exc
    return {"result": result}


def material(app, body):
    body = _object(body)
    kind, common_name, key_type = body.get("type"), body.get("common_name", "local.example.com"), body.get("key_type", "ec")
    if kind not in ("csr", "hostname_certificate"):
        raise ControlError(400, "type must be csr or hostname_certificate")
    if not isinstance(common_name, str) or not common_name or key_type not in ("ec", "rsa"):
        raise ControlError(400, "common_name must be a string and key_type ec or rsa")
    key = local_x509.new_key(key_type)
    if kind == "csr":
        return {"csr": local_x509.make_csr(key, common_name), "private_key": local_x509.private_key_pem(key)}
    return {"certificate": local_x509.make_hostname_certificate(key, common_name, app.now()),
            "private_key": local_x509.private_key_pem(key)}


ROUTES = {
    "/__control/health": {"GET": health},
    "/__control/journal": {"GET": get_journal, "DELETE": clear_journal},
    "/__control/journal/all": {"GET": get_whole_journal},
    "/__control/faults": {"GET": get_faults, "POST": add_faults, "DELETE": clear_faults},
    "/__control/wait_idle": {"POST": wait_idle},
    "/__control/clock": {"GET": get_clock, "POST": advance_clock},
    "/__control/config": {"GET": get_config, "PATCH": change_config},
    "/__control/reset": {"POST": reset},
    "/__control/client_certificates": {"POST": seed_client_certificates},
    "/__control/status": {"POST": force_status},
    "/__control/material": {"POST": material},
}


def handle_control(app, method: str, path: str, body, body_malformed: bool) -> tuple[int, dict]:
    handlers = ROUTES.get(path.rstrip("/"))
    if handlers is None:
        return 404, {"error": "no control endpoint %s (known: %s)" % (path, ", ".join(sorted(ROUTES)))}
    if method not in handlers:
        return 405, {"error": "%s does not answer %s (allowed: %s)" % (path, method, ", ".join(sorted(handlers)))}
    if body_malformed:
        return 400, {"error": "the body is not valid JSON"}
    try:
        return 200, handlers[method](app, body)
    except ControlError as exc:
        return exc.status, {"error": str(exc)}
