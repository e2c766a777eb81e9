# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The validating proxy of the contract check, and the summary of what it saw.

Usage:
  python contract_proxy.py serve --upstream http://127.0.0.1:P --prism http://127.0.0.1:Q --spec SPEC --report FILE [--port-file FILE]
  python contract_proxy.py summary --spec SPEC --report FILE [--compat COMPAT_SPEC]

``serve`` listens on a free loopback port (written to --port-file) and forwards every request
under /client/v4/ unchanged (method, path, query, headers, body) to the local Cloudflare API
(--upstream), whose answer goes back to the client: the modules see real, stateful behaviour.
The same request also goes to Prism (--prism, which mocks SPEC at the root, so without the
/client/v4 prefix), and Prism's verdict on its shape is appended to --report as one JSON line
(before the client gets its answer, so the report is complete once the client is done):
method, the spec's path template, operationId, query parameter names, top-level body field
names, the auth scheme, both statuses and Prism's sl-violations text. Header values, query
values and bodies are never recorded (tokens, keys, private keys). Requests under /__control/
go to the local API only and are not recorded. SIGTERM or SIGINT stops the proxy cleanly.

Prism answers 422 (sl-violations says why), 400, 401 (auth scheme not allowed), 404 (no such
path), 405 (no such method) or 415 (content type) to a request that breaks the spec: a
violation, whatever the local API answered, since only the shape is judged. Any other
non-2xx answer, or none, means the request could not be checked; that fails the check too.

``summary`` reads the report and prints, per operation, how many requests were checked, then
every violation, and every operation of SPEC (paths x methods) that no request exercised (one the
local API accepted: a refused request, say with a wrong token, does not count).
Exit status 1 when there is a violation, an unchecked request or an unexercised operation.
With --compat (the original spec checked, COMPAT_SPEC the one with the documented drifts), a
violation is accepted as a documented drift when the two documents define its operation
differently in just what Prism refused: ``security`` for a 401 to a token request,
``requestBody`` for a 415 or a 422 about the body. Every other violation still fails.

Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import sys
import threading
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_PREFIX = '/client/v4'
CONTROL_PREFIX = '/__control/'
SPEC_METHODS = ('get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace')
# Prism's answers to a request that breaks the spec, and what each one means.
VIOLATION_STATUSES = {
    400: 'bad request',
    401: 'no security scheme of the operation matches the auth headers',
    404: 'no path of the spec matches',
    405: 'the path has no such method in the spec',
    415: 'content type not allowed by the spec',
    422: 'request does not match the spec',
}
# Headers that belong to one connection, not to the request; http.client sets Host itself.
HOP_BY_HOP = frozenset(('connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
                        'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'host'))
HEX_ID = re.compile(r'^[0-9a-f]{32}$')
UPSTREAM_TIMEOUT = 120
PRISM_TIMEOUT = 60
JSON_TYPE = ('Content-Type', 'application/json')


class SpecIndex:
    """The operations of an OpenAPI document: (METHOD, path template) -> operationId."""

    def __init__(self, operations: dict[tuple[str, str], str], definitions: dict | None = None):
        self.operations = operations
        self.definitions = definitions or {}
        self.templates = sorted({template for method, template in operations})

    @classmethod
    def load(cls, path: str) -> SpecIndex:
        """Read an OpenAPI document (JSON)."""
        with open(path, encoding='utf-8') as spec_file:
            spec = json.load(spec_file)
        operations, definitions = {}, {}
        for template, item in spec.get('paths', {}).items():
            for method, operation in item.items():
                if method in SPEC_METHODS:
                    operations[(method.upper(), template)] = operation.get('operationId', '')
                    definitions[(method.upper(), template)] = operation
        return cls(operations, definitions)

    def drifts_to(self, other: SpecIndex) -> dict[tuple[str, str], set]:
        """Per operation, the parts (``security``, ``requestBody``) that ``other`` defines differently."""
        drifts = {}
        for key, operation in self.definitions.items():
            changed = {part for part in ('security', 'requestBody') if operation.get(part) != other.definitions.get(key, {}).get(part)}
            if changed:
                drifts[key] = changed
        return drifts

    def template(self, path: str) -> str:
        """The spec's template for a concrete path (literal segments win over parameters); else ids as {id}."""
        segments = path.split('/')
        best, best_score = None, -1
        for template in self.templates:
            score = _match_score(template.split('/'), segments)
            if score is not None and score > best_score:
                best, best_score = template, score
        if best is not None:
            return best
        return '/'.join('{id}' if HEX_ID.match(segment) else segment for segment in segments)


def documented_drift(entry: dict, drifts: dict) -> bool:
    """Whether a violation is one of the differences the compat document records for its operation."""
    changed = drifts.get((entry['method'], entry['path']), set())
    if entry['prism_status'] == 401 and entry['auth'] == 'api_token' and 'security' in changed:
        return True
    about_body = entry['prism_status'] == 415 or (entry['prism_status'] == 422 and 'body' in (entry.get('sl_violations') or '').lower())
    return about_body and 'requestBody' in changed


def _match_score(pattern: list[str], segments: list[str]) -> int | None:
    """How many literal segments of ``pattern`` match, or None when it does not match at all."""
    if len(pattern) != len(segments):
        return None
    score = 0
    for expected, actual in zip(pattern, segments):
        if expected.startswith('{') and expected.endswith('}'):
            if not actual:
                return None
        elif expected == actual:
            score += 1
        else:
            return None
    return score


class Backend:
    """One server the proxy talks to (the local API or Prism)."""

    def __init__(self, url: str, timeout: float):
        self.url = url
        self.parts = urlsplit(url)
        self.timeout = timeout

    def send(self, method: str, path: str, body: bytes | None, headers: dict):
        """One request; returns (status, header list, body). Raises OSError or HTTPException."""
        connection = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


class Settings:
    """What the proxy needs besides its socket: both backends, the spec and the report."""

    def __init__(self, upstream: str, prism: str, spec: SpecIndex, report_path: str):
        self.upstream = Backend(upstream, UPSTREAM_TIMEOUT)
        self.prism = Backend(prism, PRISM_TIMEOUT)
        self.spec = spec
        self.report = open(report_path, 'a', encoding='utf-8')  # pylint: disable=consider-using-with
        self.report_lock = threading.Lock()

    def record(self, entry: dict) -> None:
        """Append one JSON line to the report (whole lines only, whatever the threads do)."""
        with self.report_lock:
            self.report.write(json.dumps(entry, sort_keys=True) + '\n')
            self.report.flush()

    def close(self) -> None:
        """Close the report."""
        self.report.close()


class ContractProxy(ThreadingHTTPServer):
    """The proxy's server: one thread per connection."""

    daemon_threads = True

    def __init__(self, address, settings: Settings):
        self.settings = settings
        super().__init__(address, ProxyHandler)


def auth_scheme(headers) -> str:
    """Which credential scheme a request carries (never the credential)."""
    if headers.get('Authorization', '').startswith('Bearer '):
        return 'api_token'
    if headers.get('X-Auth-Key') or headers.get('X-Auth-Email'):
        return 'api_email+api_key'
    if headers.get('X-Auth-User-Service-Key'):
        return 'user_service_key'
    return 'none'


def body_fields(body: bytes | None, content_type: str):
    """The top-level field names of a JSON object body (names only), or a word for any other body."""
    if not body:
        return None
    if 'json' not in content_type.lower():
        return '<%s body>' % (content_type or 'untyped')
    try:
        parsed = json.loads(body)
    except ValueError:
        return '<invalid JSON>'
    if isinstance(parsed, dict):
        return sorted(parsed)
    return '<JSON %s>' % type(parsed).__name__


def verdict_of(prism_status: int | None) -> str:
    """ok (2xx), violation (Prism refused the request's shape) or unchecked (anything else)."""
    if prism_status is not None and 200 <= prism_status < 300:
        return 'ok'
    if prism_status in VIOLATION_STATUSES:
        return 'violation'
    return 'unchecked'


class ProxyHandler(BaseHTTPRequestHandler):
    """Forwards to the local API, has Prism judge the request, then answers with the local API's response."""

    protocol_version = 'HTTP/1.1'
    server_version = 'mtls-contract-proxy'

    def do_request(self) -> None:
        """Every method: /__control/ to the local API only, /client/v4/ to both, the rest refused."""
        settings = self.server.settings
        path = urlsplit(self.path).path
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            self.answer(411, [JSON_TYPE], b'{"error": "send a Content-Length, not a chunked body"}')
            return
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        if body is None and 'Content-Length' in self.headers:
            body = b''
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        if path.startswith(CONTROL_PREFIX):
            self.answer(*self.forward_upstream(settings.upstream, body, headers))
        elif path.startswith(API_PREFIX + '/'):
            status, response_headers, response_body = self.forward_upstream(settings.upstream, body, headers)
            # The verdict is recorded before the client has its answer, so the report is complete once the client is done.
            self.check_with_prism(settings, body, headers, status)
            self.answer(status, response_headers, response_body)
        else:
            self.answer(404, [JSON_TYPE], b'{"error": "the contract proxy serves /client/v4/ and /__control/ only"}')

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_request

    def forward_upstream(self, upstream: Backend, body: bytes | None, headers: dict) -> tuple[int, list, bytes]:
        """Send the request to the local API; returns its answer for the client (a 502 envelope when there is none)."""
        try:
            status, response_headers, response_body = upstream.send(self.command, self.path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            error = {'code': 0, 'message': 'contract proxy: the local API did not answer (%s)' % exc}
            return 502, [JSON_TYPE], json.dumps({'success': False, 'errors': [error], 'messages': [], 'result': None}).encode()
        kept = [(name, value) for name, value in response_headers if name.lower() not in HOP_BY_HOP and name.lower() != 'content-length']
        return status, kept, response_body

    def check_with_prism(self, settings: Settings, body: bytes | None, headers: dict, upstream_status: int) -> None:
        """Send the same request to Prism (without /client/v4) and record its verdict."""
        parts = urlsplit(self.path)
        entry = {
            'method': self.command,
            'path': settings.spec.template(parts.path[len(API_PREFIX):]),
            'query': sorted({name for name, value in parse_qsl(parts.query, keep_blank_values=True)}),
            'body_fields': body_fields(body, headers.get('Content-Type', '')),
            'auth': auth_scheme(self.headers),
            'upstream_status': upstream_status,
        }
        entry['operation'] = settings.spec.operations.get((entry['method'], entry['path']))
        try:
            prism_status, prism_headers = settings.prism.send(self.command, self.path[len(API_PREFIX):], body, headers)[:2]
            violations = {name.lower(): value for name, value in prism_headers}.get('sl-violations')
            reason = None
        except (OSError, http.client.HTTPException) as exc:
            prism_status, violations, reason = None, None, 'Prism did not answer: %s' % exc
        entry.update(prism_status=prism_status, sl_violations=violations, verdict=verdict_of(prism_status))
        if reason is None and entry['verdict'] != 'ok':
            reason = VIOLATION_STATUSES.get(prism_status, 'Prism answered %s, which is neither a success nor a request check' % prism_status)
        entry['reason'] = reason
        settings.record(entry)
        sys.stderr.write('%s %s -> local API %s, Prism %s (%s)\n' % (entry['method'], entry['path'], upstream_status, prism_status, entry['verdict']))

    def answer(self, status: int, headers: list, body: bytes) -> None:
        """Send a complete response with a Content-Length (the connection may be kept alive)."""
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Only errors are logged (check_with_prism writes one line per checked request)."""

    def log_error(self, format, *args):  # pylint: disable=redefined-builtin
        sys.stderr.write('contract proxy: %s\n' % (format % args))


def serve(args) -> int:
    """Run the proxy until SIGTERM or SIGINT."""
    settings = Settings(args.upstream, args.prism, SpecIndex.load(args.spec), args.report)
    server = ContractProxy(('127.0.0.1', args.port), settings)

    def stop(signum, frame):
        del signum, frame
        # shutdown() waits for serve_forever() to return, which runs in this (the main) thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    if args.port_file:
        temporary = args.port_file + '.tmp'
        with open(temporary, 'w', encoding='utf-8') as port_file:
            port_file.write('%d\n' % port)
        os.replace(temporary, args.port_file)
    print('contract proxy listening on http://127.0.0.1:%d%s (local API %s, Prism %s)' % (port, API_PREFIX, args.upstream, args.prism), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        settings.close()
    print('contract proxy stopped', flush=True)
    return 0


def load_report(path: str) -> list[dict]:
    """The report's entries; a missing report (no request came) is an empty one."""
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as report:
        return [json.loads(line) for line in report if line.strip()]


def names(value) -> str:
    """A recorded list of names (or a word for a body that has none) as one short string."""
    if not value:
        return '-'
    return ','.join(value) if isinstance(value, list) else value


def table(spec: SpecIndex, entries: list[dict]) -> list[str]:
    """One line per operation of the spec (and per other request seen): requests, violations, local API answers."""
    counts = Counter((entry['method'], entry['path']) for entry in entries)
    bad_counts = Counter((entry['method'], entry['path']) for entry in entries if entry['verdict'] not in ('ok', 'documented drift'))
    answers = defaultdict(Counter)
    for entry in entries:
        answers[(entry['method'], entry['path'])][entry['upstream_status']] += 1
    rows = [('METHOD', 'PATH (spec template)', 'REQUESTS', 'VIOLATIONS', 'LOCAL API ANSWERS')]
    for key in sorted(set(spec.operations) | set(counts), key=lambda item: (item[1], item[0])):
        local = ' '.join('%s x%d' % (status, number) for status, number in sorted(answers[key].items())) or '-'
        rows.append((key[0], key[1], str(counts[key]), str(bad_counts[key]), local))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return ['%s  %s  %s  %s  %s' % (row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3]), row[4])
            for row in rows]


def findings(entries: list[dict]) -> list[str]:
    """One line per distinct violation or unchecked request (same shape, same verdict), with how many requests had it."""
    found = Counter((entry['verdict'].upper(), entry['method'], entry['path'], names(entry['query']), names(entry['body_fields']),
                     entry['auth'], entry['prism_status'], entry['upstream_status'], entry['reason'], entry['sl_violations'] or '')
                    for entry in entries if entry['verdict'] != 'ok')
    lines = []
    for (verdict, method, path, query, body, auth, prism_status, upstream_status, reason, violations), number in found.items():
        lines.append('%s x%d: %s %s (query %s, body %s, auth %s): Prism %s, local API %s: %s%s' % (
            verdict, number, method, path, query, body, auth, prism_status, upstream_status, reason, ': ' + violations if violations else ''))
    return lines


def summarize(spec: SpecIndex, entries: list[dict], out=sys.stdout, compat: SpecIndex | None = None) -> int:
    """Print the table, the findings and the coverage; 1 when anything is wrong."""
    accepted_drifts = []
    if compat is not None:
        drifts = spec.drifts_to(compat)
        for entry in entries:
            if entry['verdict'] == 'violation' and documented_drift(entry, drifts):
                entry['verdict'] = 'documented drift'
                accepted_drifts.append(entry)
    lines = table(spec, entries) + findings([entry for entry in entries if entry['verdict'] != 'documented drift'])
    drift_counts = Counter((entry['method'], entry['path'], entry['prism_status']) for entry in accepted_drifts)
    lines.extend('DOCUMENTED DRIFT x%d: %s %s: Prism %s on the original spec; the compat spec records the difference'
                 % (number, method, path, status) for (method, path, status), number in sorted(drift_counts.items()))
    # An operation counts as exercised once the local API accepted one of its requests: a request it refused
    # (a wrong token, an unknown id) may not have the shape a working one has.
    accepted = {(entry['method'], entry['path']) for entry in entries if 200 <= entry['upstream_status'] < 300}
    missing = sorted(key for key in spec.operations if key not in accepted)
    lines.extend('NOT EXERCISED: %s %s (%s): no request the local API accepted' % (key + (spec.operations[key],)) for key in missing)
    bad = sum(1 for entry in entries if entry['verdict'] not in ('ok', 'documented drift'))
    lines.append('%d requests checked against the spec, %d of them documented drifts, %d violations or unchecked, '
                 '%d of %d spec operations exercised'
                 % (len(entries), len(accepted_drifts), bad, len(spec.operations) - len(missing), len(spec.operations)))
    out.write('\n'.join(lines) + '\n')
    return 1 if bad or missing or not entries else 0


def main(argv=None) -> int:
    """Parse the command line and run ``serve`` or ``summary``."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    commands = parser.add_subparsers(dest='command', required=True)
    serve_parser = commands.add_parser('serve', help='run the validating proxy')
    serve_parser.add_argument('--upstream', required=True, help='the local Cloudflare API, http://127.0.0.1:PORT')
    serve_parser.add_argument('--prism', required=True, help='Prism mocking SPEC, http://127.0.0.1:PORT')
    serve_parser.add_argument('--spec', required=True, help='the OpenAPI document Prism mocks')
    serve_parser.add_argument('--report', required=True, help='JSON lines, one per checked request (appended)')
    serve_parser.add_argument('--port', type=int, default=0, help='default: a free port')
    serve_parser.add_argument('--port-file', help='write the port here once listening')
    summary_parser = commands.add_parser('summary', help='print the table, violations and coverage of a report')
    summary_parser.add_argument('--spec', required=True)
    summary_parser.add_argument('--report', required=True)
    summary_parser.add_argument('--compat', help='the spec with the documented drifts: violations it records are accepted')
    args = parser.parse_args(argv)
    if args.command == 'serve':
        return serve(args)
    compat = SpecIndex.load(args.compat) if args.compat else None
    return summarize(SpecIndex.load(args.spec), load_report(args.report), compat=compat)


if __name__ == '__main__':
    sys.exit(main())
