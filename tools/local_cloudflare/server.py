# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP side: a threading server on loopback, faults, journal, headers.

Every answer carries ``cf-ray`` (random hex + ``-LOC``) and ``Server: cloudflare``; answers
under ``/client/v4`` also carry ``Ratelimit`` and ``Ratelimit-Policy``. Connections are
HTTP/1.1 keep-alive, as clients such as httpx and requests expect.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .api import ApiRequest, attempted_scheme, handle_api_request
from .clock import iso_micro
from .config import build_config
from .control import handle_control
from .errors import MALFORMED_JSON, could_not_route, error_item, failure_envelope
from .faults import STREAMED
from .state import LocalCloudflare

API_PREFIX = "/client/v4"
CONTROL_PREFIX = "/__control"
MAX_BODY = 10 * 1024 * 1024


def require_loopback(host: str) -> None:
    """Refuse to listen anywhere but loopback: the server accepts demo credentials."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError("refusing to listen on %r: the local Cloudflare API only listens on a loopback address "
                         "(127.0.0.1, ::1 or localhost)" % host)


def _json_bytes(payload) -> bytes:
    return json.dumps(payload).encode("utf-8")


def _parse_json(raw: bytes) -> tuple[object, bool]:
    """(parsed body, malformed?); an empty body is no body."""
    if not raw.strip():
        return None, False
    try:
        return json.loads(raw.decode("utf-8")), False
    except (ValueError, UnicodeDecodeError):
        return None, True


def _journal_query(query: dict) -> dict:
    return {name: values[0] if len(values) == 1 else values for name, values in query.items()}


class LocalCloudflareHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms each.
    disable_nagle_algorithm = True
    server: LocalCloudflareServer

    def version_string(self) -> str:
        return "cloudflare"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.log_requests:
            super().log_message(format, *args)

    def do_GET(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_POST(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_PUT(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_PATCH(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_DELETE(self):  # pylint: disable=invalid-name
        self._dispatch()

    # No operation answers HEAD or OPTIONS: they get Cloudflare's 405 rather than http.server's 501 page.
    def do_HEAD(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_OPTIONS(self):  # pylint: disable=invalid-name
        self._dispatch()

    # ---- plumbing ----

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("Content-Length out of range")
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        self.send_header("cf-ray", secrets.token_hex(8) + "-LOC")
        headers = dict(headers)
        headers.setdefault("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _stream(self, headers: dict, pieces) -> None:
        """A 200 sent piece by piece (pausing before each); without Content-Length it ends with the connection."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for pause, piece in pieces:
                if pause:
                    time.sleep(pause)
                self.wfile.write(piece)
                self.wfile.flush()
        except OSError:
            pass  # the client gave up: that is what a drip is for

    def _drop(self) -> None:
        """Close the connection without a single byte of answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _dispatch(self) -> None:
        try:
            split = urlsplit(self.path)
            query = parse_qs(split.query, keep_blank_values=True)
            try:
                raw = self._read_body()
            except ValueError:
                self.close_connection = True
                self._send(400, {}, _json_bytes(failure_envelope([error_item(MALFORMED_JSON, "Malformed request body")])))
                return
            if split.path == API_PREFIX or split.path.startswith(API_PREFIX + "/"):
                self._serve_api(split.path[len(API_PREFIX):] or "/", query, raw)
            elif split.path == CONTROL_PREFIX or split.path.startswith(CONTROL_PREFIX + "/"):
                body, malformed = _parse_json(raw)
                status, payload = handle_control(self.server.app, self.command, split.path, body, malformed)
                self._send(status, {}, _json_bytes(payload))
            else:
                self._send(404, {}, _json_bytes(could_not_route(split.path).envelope()))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # pylint: disable=broad-exception-caught
            # A bug here must still answer like Cloudflare (500 with an envelope) and leave a trace.
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(500, {}, _json_bytes(failure_envelope([error_item(1000, "Internal error in the local Cloudflare API")])))
            except OSError:
                pass

    def _serve_api(self, api_path: str, query: dict, raw: bytes) -> None:
        app = self.server.app
        app.requests_started()
        try:
            latency = app.config["latency"]
            if latency:
                # The simulated round trip, before the request counts: outside the lock, so requests overlap as on a network.
                time.sleep(latency)
            self._serve_api_request(app, api_path, query, raw)
        finally:
            app.requests_ended()

    def _serve_api_request(self, app, api_path: str, query: dict, raw: bytes) -> None:
        """Carry the request out, unless a fault says otherwise (the order is in faults.py)."""
        body, malformed = _parse_json(raw)
        entry = {"time": iso_micro(app.now()), "method": self.command, "path": api_path, "query": _journal_query(query),
                 "body": body if not malformed else "<malformed JSON, %d bytes>" % len(raw),
                 "status": None, "auth": attempted_scheme(self.headers), "fault": None}
        fault = app.faults.take(self.command, api_path)
        if fault is None:
            response = self._carry_out(api_path, query, body, malformed)
            entry["status"], entry["answer"] = response.status, response.payload
            app.journal.record(entry)
            self._send(response.status, response.headers, _json_bytes(response.payload))
            return
        entry["fault"] = fault.action
        response = None
        if fault.applies_first:
            response = self._carry_out(api_path, query, body, malformed)
        time.sleep(fault.sleeps)
        if fault.applies_after_sleep:
            response = self._carry_out(api_path, query, body, malformed)
        if fault.action == "delay":
            # The normal answer, only late; the journal shows it as it always did.
            entry["status"], entry["answer"] = response.status, response.payload
            if fault.after_apply:
                entry["applied_status"] = response.status
            app.journal.record(entry)
            self._send(response.status, response.headers, _json_bytes(response.payload))
            return
        if response is not None:
            entry["applied_status"] = response.status
        real = (response.status, _json_bytes(response.payload)) if response is not None else None
        self._answer_fault(fault, entry, real)

    def _carry_out(self, api_path: str, query: dict, body, malformed: bool):
        request = ApiRequest(method=self.command, path=api_path, query=query, headers=self.headers, body=body,
                             body_malformed=malformed, client=self.client_address[0])
        return handle_api_request(self.server.app, request)

    def _answer_fault(self, fault, entry: dict, real: tuple[int, bytes] | None) -> None:
        if fault.action in STREAMED:
            entry["status"] = 200
            self.server.app.journal.record(entry)
            self._stream(*fault.stream())
            return
        answer = fault.response(real)
        entry["status"] = answer[0] if answer is not None else None
        self.server.app.journal.record(entry)
        if answer is None:
            self._drop()
            return
        status, headers, body = answer
        self._send(status, headers, body)


class LocalCloudflareServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple, app: LocalCloudflare, log_requests: bool = False):
        self.app = app
        self.log_requests = log_requests
        super().__init__(address, LocalCloudflareHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d%s" % (host, port, API_PREFIX)


class LocalCloudflareServer6(LocalCloudflareServer):
    address_family = socket.AF_INET6


def make_server(config: dict | None = None, host: str = "127.0.0.1", port: int = 0,
                log_requests: bool = False) -> LocalCloudflareServer:
    """A bound server that is not serving yet; ``config`` holds overrides of the defaults."""
    require_loopback(host)
    app = LocalCloudflare(build_config(config))
    server_class = LocalCloudflareServer6 if ":" in host else LocalCloudflareServer
    return server_class((host, port), app, log_requests)


def start_server(config: dict | None = None, host: str = "127.0.0.1", port: int = 0,
                 log_requests: bool = False) -> tuple[LocalCloudflareServer, threading.Thread, str]:
    """Serve in a daemon thread: (server, thread, base URL ending in /client/v4)."""
    server = make_server(config, host, port, log_requests)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="local-cloudflare", daemon=True)
    thread.start()
    return server, thread, server.base_url


def stop_server(server: LocalCloudflareServer, thread: threading.Thread | None = None) -> None:
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)
