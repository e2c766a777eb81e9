# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Injected faults: what the next matching ``/client/v4`` requests get instead of an answer.

A fault (``POST /__control/faults``) matches a method (or ``*``) and a regular expression
searched in the path after ``/client/v4``; the next ``count`` matching requests get it. So a
fault can hit only a write (``"method": "DELETE", "path": "/client_certificates/<id>$"``)
while the reads a client makes afterwards, to learn what happened, are answered normally.

Whether the request is carried out (state changes) is the fault's ``after_apply`` (default
false: it is not). With ``after_apply: true`` the request is carried out first and the fault
replaces the answer: "the DELETE happened but the response was lost". The journal entry of
a request carried out under a fault has ``applied_status`` (the status of the real answer).

=================  =========================================================================
action             what the client gets
=================  =========================================================================
``status``         that HTTP status (default 503) with a Cloudflare error envelope (``errors``
                   may be given, even empty), and ``Retry-After`` when ``retry_after`` is given
``delay``          sleep ``delay`` seconds (real time), then the normal answer. Without
                   ``after_apply`` the request is carried out AFTER the sleep (a client that
                   gave up meanwhile sees its request land late); with it, before the sleep
``timeout``        sleep ``delay`` seconds (real time), then close the connection without a
                   byte of answer. Not carried out at all (a timeout that never lands), unless
                   ``after_apply`` (carried out at once, then the sleep: applied, answer lost)
                   or ``lands_late`` (carried out after the sleep: it lands after a client with
                   a shorter timeout gave up). The journal entry is written when the sleep
                   ends; ``POST /__control/wait_idle`` waits for it
``drop``           close the connection without answering
``bad_body``       an HTML page instead of JSON, status 502 unless ``status`` is given (200 is
                   fine: a proxy's or a captive portal's page)
``success_false``  200 with ``success: false`` and an error (``errors`` may be given)
``result_null``    200 (or ``status``), ``success: true``, ``result: null``
``empty_body``     200 (or ``status``) with an empty body (``Content-Length: 0``)
``truncated``      the JSON answer cut in half (``Content-Type: application/json``). With
                   ``after_apply``: the real answer, with its real status (or ``status``);
                   without: the first half of ``{"success": true, ..., "result": null}``, 200
``redirect``       that 3xx status (default 307) with ``Location: <location>`` (default a host
                   that is not this one)
``raw``            the text ``body`` as it is, as ``application/json``, with ``status`` (default
                   200): envelopes of every odd shape (``"errors": 5``, a code that is a list,
                   ``Infinity``, nesting 200 000 deep)
``drip``           a JSON answer of ``size`` bytes (default 1024) announced in Content-Length,
                   sent one byte every ``delay`` seconds (default 1)
``huge``           a JSON-looking body of ``size`` bytes (default 50 MiB) without Content-Length,
                   the connection closed at its end
``rewrite``        a malformed answer: the real answer (200 ``{"success": true, "result": null}``
                   when not carried out) with ``field`` of its ``result`` set to ``value`` (any
                   JSON), in the result object or in every item of a result list; without
                   ``field``, the result object (every item of a list) is replaced by ``value``.
                   A read is rewritten only with ``after_apply`` (it needs the real answer)
=================  =========================================================================

``lands_late`` is only valid with ``timeout`` and excludes ``after_apply``. ``delay`` is
honoured by ``delay`` and ``timeout`` only.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field

from .errors import error_item, failure_envelope

ACTIONS = ("status", "delay", "timeout", "drop", "bad_body", "success_false", "result_null", "empty_body", "truncated",
           "redirect", "raw", "drip", "huge", "rewrite")
STREAMED = ("drip", "huge")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "*")
BAD_BODY = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
            b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>\n")
# The answer a ``truncated`` fault cuts when the request was not carried out.
NULL_RESULT = {"success": True, "errors": [], "messages": [], "result": None}
FIELDS = frozenset(("method", "path", "count", "action", "status", "retry_after", "delay", "after_apply", "lands_late", "errors",
                    "location", "body", "size", "field", "value"))
ELSEWHERE = "https://api.elsewhere.invalid/client/v4/"


class FaultError(ValueError):
    """A fault description that cannot be used."""


def as_number(value):
    """``value``, or the number a numeric string spells: templated playbook values arrive as strings."""
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _number(spec: dict, name: str, default, minimum: float, integer: bool = False):
    value = as_number(spec.get(name, default))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise FaultError("%s must be a%s number" % (name, "n integer" if integer else ""))
    if value < minimum:
        raise FaultError("%s must be >= %s" % (name, minimum))
    return value


@dataclass
class Fault:
    method: str
    path: str
    count: int
    action: str
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    after_apply: bool = False
    lands_late: bool = False
    errors: list | None = None
    location: str | None = None
    body: str | None = None
    size: int | None = None
    field_name: str | None = None
    value: object = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pattern: re.Pattern | None = None

    @classmethod
    def from_spec(cls, spec) -> Fault:
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        unknown = sorted(set(spec) - FIELDS)
        if unknown:
            raise FaultError("unknown fault fields: %s" % ", ".join(unknown))
        method = str(spec.get("method", "*")).upper()
        if method not in METHODS:
            raise FaultError("method must be one of %s" % ", ".join(METHODS))
        action = spec.get("action")
        if action not in ACTIONS:
            raise FaultError("action must be one of %s" % ", ".join(ACTIONS))
        path = spec.get("path", ".*")
        if not isinstance(path, str):
            raise FaultError("path must be a regular expression string")
        try:
            pattern = re.compile(path)
        except re.error as exc:
            raise FaultError("path is not a valid regular expression: %s" % exc) from exc
        status = _number(spec, "status", {"status": 503, "bad_body": 502, "redirect": 307}.get(action), 100, integer=True)
        for text in ("location", "body"):
            if spec.get(text) is not None and not isinstance(spec[text], str):
                raise FaultError("%s must be a string" % text)
        if action == "raw" and spec.get("body") is None:
            raise FaultError("the raw action needs body")
        if status is not None and status > 599:
            raise FaultError("status must be an HTTP status (100..599)")
        fault_errors = spec.get("errors")
        if fault_errors is not None and (not isinstance(fault_errors, list) or not all(isinstance(e, dict) for e in fault_errors)):
            raise FaultError("errors must be a list of {code, message} objects")
        if spec.get("field") is not None and (not isinstance(spec["field"], str) or not spec["field"]):
            raise FaultError("field must be the name of a field of the result")
        if ("field" in spec or "value" in spec) and action != "rewrite":
            raise FaultError("field and value are only for the rewrite action")
        for flag in ("after_apply", "lands_late"):
            if not isinstance(spec.get(flag, False), bool):
                raise FaultError("%s must be true or false" % flag)
        if spec.get("lands_late", False):
            if action != "timeout":
                raise FaultError("lands_late is only for the timeout action")
            if spec.get("after_apply", False):
                raise FaultError("lands_late and after_apply exclude each other: a timeout lands late, at once or never")
        return cls(method=method, path=path, pattern=pattern, count=_number(spec, "count", 1, 1, integer=True), action=action,
                   status=status, retry_after=_number(spec, "retry_after", None, 0, integer=True),
                   delay=_number(spec, "delay", 0, 0), after_apply=spec.get("after_apply", False),
                   lands_late=spec.get("lands_late", False), errors=fault_errors, location=spec.get("location"),
                   body=spec.get("body"), size=_number(spec, "size", {"drip": 1024, "huge": 50 * 1024 * 1024}.get(action), 0,
                                                       integer=True),
                   field_name=spec.get("field"), value=spec.get("value"))

    def describe(self) -> dict:
        return {"id": self.id, "method": self.method, "path": self.path, "count": self.count, "action": self.action,
                "status": self.status, "retry_after": self.retry_after, "delay": self.delay,
                "after_apply": self.after_apply, "lands_late": self.lands_late, "errors": self.errors,
                "location": self.location, "body": self.body, "size": self.size, "field": self.field_name, "value": self.value}

    @property
    def applies_first(self) -> bool:
        """Is the request carried out before the fault's sleep and answer?"""
        return self.after_apply

    @property
    def applies_after_sleep(self) -> bool:
        """Is the request carried out after the fault's sleep (``delay`` without after_apply, ``lands_late``)?"""
        return (self.action == "delay" and not self.after_apply) or self.lands_late

    @property
    def sleeps(self) -> float:
        return self.delay if self.action in ("delay", "timeout") else 0.0

    def stream(self):
        """(headers, iterator of (pause in seconds, bytes)) of a ``drip`` or ``huge`` answer."""
        if self.action == "drip":
            body = json.dumps({"success": True, "errors": [], "messages": [], "result": {"pad": "x" * self.size}}).encode()[:self.size]
            pause = self.delay or 1.0
            return {"Content-Length": str(len(body))}, ((pause, body[i:i + 1]) for i in range(len(body)))
        piece = b"[" + b'{"id": "x"},' * 8191 + b'{"id": "x"}]'
        count = max(1, self.size // len(piece))
        return {}, ((0.0, piece) for dummy in range(count))

    def response(self, real: tuple[int, bytes] | None = None) -> tuple[int, dict, bytes] | None:
        """(status, headers, body) to send, or None to drop the connection.

        ``real`` is (status, JSON body) of the answer to a request that was carried out.
        """
        if self.action in ("drop", "timeout"):
            return None
        headers = {"Content-Type": "application/json"}
        if self.action == "redirect":
            return self.status, {"Location": self.location or ELSEWHERE, "Content-Type": "text/html"}, b"<html>Moved</html>\n"
        if self.action == "raw":
            return self.status or 200, headers, self.body.encode("utf-8")
        if self.action == "result_null":
            return self.status or 200, headers, json.dumps(NULL_RESULT).encode("utf-8")
        if self.action == "empty_body":
            return self.status or 200, headers, b""
        if self.action == "truncated":
            status, body = real if real is not None else (200, json.dumps(NULL_RESULT).encode("utf-8"))
            return self.status or status, headers, body[:len(body) // 2]
        if self.action == "rewrite":
            status, body = real if real is not None else (200, json.dumps(NULL_RESULT).encode("utf-8"))
            return self.status or status, headers, json.dumps(self._rewritten(json.loads(body))).encode("utf-8")
        if self.action == "bad_body":
            return self.status, {"Content-Type": "text/html"}, BAD_BODY
        if self.action == "success_false":
            errors = self.errors if self.errors is not None else [error_item(1000, "An internal error occurred (injected fault)")]
            return 200, headers, json.dumps(failure_envelope(errors)).encode("utf-8")
        if self.errors is not None:
            errors = self.errors
        elif self.status == 429:
            errors = [error_item(971, "Please wait and consider throttling your request speed")]
        else:
            errors = [error_item(1000, "Injected fault: HTTP %d" % self.status)]
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return self.status, headers, json.dumps(failure_envelope(errors)).encode("utf-8")

    def _rewritten(self, envelope: dict) -> dict:
        result = envelope.get("result")
        items = result if isinstance(result, list) else [result]
        if self.field_name is None:
            items = [self.value for _item in items]
        else:
            items = [dict(item if isinstance(item, dict) else {}, **{self.field_name: self.value}) for item in items]
        return dict(envelope, result=items if isinstance(result, list) else items[0])


class FaultBook:
    def __init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, spec) -> Fault:
        fault = Fault.from_spec(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first pending fault for this request, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault.method in ("*", method) and fault.pattern.search(path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
