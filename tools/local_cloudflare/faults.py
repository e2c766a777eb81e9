# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Injected faults: what the next matching ``/client/v4`` requests get instead of an answer.

A fault (``POST /__control/faults``) matches a method (or ``*``) and a regular expression
searched in the path after ``/client/v4``; the next ``count`` matching requests get it.

* ``status``: that HTTP status with a Cloudflare error envelope (``errors`` may be given,
  even empty), and ``Retry-After`` when ``retry_after`` is given.
* ``delay``: sleep ``delay`` seconds (real time), then answer normally.
* ``drop``: close the connection without answering.
* ``bad_body``: an HTML page instead of JSON (status 502 unless ``status`` is given).
* ``success_false``: 200 with ``success: false`` and an error.

With ``after_apply: true`` the request is carried out first (state changes, journal entry)
and the fault replaces the answer: "the DELETE happened but the response was lost".
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field

from .errors import error_item, failure_envelope

ACTIONS = ("status", "delay", "drop", "bad_body", "success_false")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "*")
BAD_BODY = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
            b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>\n")


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
    errors: list | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pattern: re.Pattern | None = None

    @classmethod
    def from_spec(cls, spec) -> Fault:
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        unknown = sorted(set(spec) - {"method", "path", "count", "action", "status", "retry_after", "delay", "after_apply", "errors"})
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
        status = _number(spec, "status", {"status": 503, "bad_body": 502}.get(action), 100, integer=True)
        if status is not None and status > 599:
            raise FaultError("status must be an HTTP status (100..599)")
        fault_errors = spec.get("errors")
        if fault_errors is not None and (not isinstance(fault_errors, list) or not all(isinstance(e, dict) for e in fault_errors)):
            raise FaultError("errors must be a list of {code, message} objects")
        if not isinstance(spec.get("after_apply", False), bool):
            raise FaultError("after_apply must be true or false")
        return cls(method=method, path=path, pattern=pattern, count=_number(spec, "count", 1, 1, integer=True), action=action,
                   status=status, retry_after=_number(spec, "retry_after", None, 0, integer=True),
                   delay=_number(spec, "delay", 0, 0), after_apply=spec.get("after_apply", False), errors=fault_errors)

    def describe(self) -> dict:
        return {"id": self.id, "method": self.method, "path": self.path, "count": self.count, "action": self.action,
                "status": self.status, "retry_after": self.retry_after, "delay": self.delay,
                "after_apply": self.after_apply, "errors": self.errors}

    def response(self) -> tuple[int, dict, bytes] | None:
        """(status, headers, body) to send, or None to drop the connection."""
        if self.action == "drop":
            return None
        headers = {"Content-Type": "application/json"}
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
