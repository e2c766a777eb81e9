# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault matrix's rows (every write the modules send), columns (every fault) and verdict.

A row sets up the state its write changes, names the write (method + path regex, so that a
fault hits the write only and the module's re-reads are answered normally) and reads the
truth from the server's state (``local_api.app``, not over HTTP: nothing lands in the journal
and no fault can touch it).

A column is one fault: ``a`` in its name means "after apply" (the server carries the write
out, then the answer is replaced), ``*`` means "on every matching attempt" (the retries are
exhausted); without ``*`` it fires once. ``RA`` is a Retry-After header. ``tmo`` never lands,
``tmo-a`` lands at once (only the answer is late), ``tmo-late`` lands after the client gave
up. ``1406`` ... ``1553`` are Cloudflare's codes seen live in 2026 (shared/design/cloudflare-api.md),
each a refusal (400, or 404 for 1553) carrying that code; where a code is one a module must
wait out, the column names the verdict it expects (``expect``). 429 has no "after apply" column: Cloudflare refuses a rate-limited request before doing
anything (the rate limit is its first check), so a 429 whose request was carried out is not
a state a client must cope with. ``mal-*`` columns serve a malformed answer (the local API's
``rewrite`` fault): the result, or each item of a result list, replaced by a number
(``mal-item``), or its ``status``, ``serial_number`` or ``expires_on`` of the wrong JSON type.

Verdicts: ``done`` (succeeded, ``changed`` right, wanted state reached), ``failed`` (failed
honestly; the outcome is known), ``unknown`` (failed honestly, saying the outcome is unknown),
``WRONG:<reason>`` with these reasons, the first that applies:

=========  =================================================================================
tb         a traceback: the module crashed, or its result has ``exception`` / "Traceback"
unhit      the fault never fired: the module did not send the write (the cell proves nothing)
dup        more than one live certificate from the cell's CSR / with the cell's certificate
blind      a POST repeated without a GET of its collection in between
429POST    the same after an answer of 429 (Cloudflare refuses a 429 before doing anything,
           so this one is a policy question, kept apart from ``blind``)
claim      failed, the write's effect is there, yet the message says it was not applied
hid        the effect is there and ``changed`` is false (succeeded, or failed without "unknown")
ghost      ``changed: true`` but the effect is not there
unreached  succeeded, but the wanted state does not hold
nowarn     succeeded through a fault without a single warning
nomsg      failed with an empty ``msg``
=========  =================================================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from cryptography import x509

ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
ZONE_NAME = "example.com"
TOKEN = "local-demo-token"
HOSTNAME = "app.example.com"
CLIENT_CERTIFICATES = "/zones/%s/client_certificates" % ZONE_ID
AOP = "/zones/%s/origin_tls_client_auth/hostnames" % ZONE_ID
HOSTNAME_CERTIFICATES = AOP + "/certificates"

# Small budgets: the fake clock makes Retry-After and backoff free, the timeouts are real.
BUDGET = dict(api_retries=2, api_max_wait=60, api_timeout=10)
CLIENT_TIMEOUT = 0.3
SERVER_DELAY = 0.8
RETRY_AFTER = 7
ALWAYS = 50
# Revocations stay pending for the reactivate row, whatever the fake clock does.
LONG = 10 ** 7

NOT_APPLIED = re.compile(r"not applied|was not (issued|uploaded|revoked|reactivated|deleted|detached|removed|changed|sent)|"
                         r"none was (issued|uploaded)|not uploaded|nothing was (changed|done|sent)|no change was made|"
                         r"did not (happen|land|change)", re.IGNORECASE)
PEM = re.compile(r"-----BEGIN [A-Z ]+-----[^-]*-----END [A-Z ]+-----(\\n)?")


# ---- the server's truth ---------------------------------------------------------------

def _same_pem(one, other):
    return (one or "").replace("\r\n", "\n").strip() == (other or "").replace("\r\n", "\n").strip()


def client_certificate_status(app, certificate_id):
    with app.lock:
        certificate = app.client_certificates._by_id.get(certificate_id)  # pylint: disable=protected-access
        if certificate is None:
            return "gone"
        certificate.settle(app.now())
        return certificate.status


def client_certificates_from(app, csr):
    with app.lock:
        return [c.status for c in app.client_certificates.list(ZONE_ID, "all", app.now()) if _same_pem(c.csr, csr)]


def hostname_certificate_status(app, certificate_id):
    with app.lock:
        certificate = app.hostname_aop._certificates.get(certificate_id)  # pylint: disable=protected-access
        if certificate is None:
            return "gone"
        certificate.settle(app.now())
        return certificate.status


def hostname_certificates_with(app, serial_number):
    with app.lock:
        return [c.status for c in app.hostname_aop.list(ZONE_ID, app.now()) if c.serial_number == serial_number]


def association(app, hostname=HOSTNAME):
    with app.lock:
        return app.hostname_aop.association(ZONE_ID, ZONE_NAME, hostname, app.now())


# ---- set-up through the API -------------------------------------------------------------

def api(local_api, method, path, body=None):
    response = local_api.session.request(method, local_api.base_url + path, json=body, timeout=30,
                                         headers={"Authorization": "Bearer " + TOKEN})
    assert response.status_code == 200, "set-up %s %s: %s" % (method, path, response.text)
    return response.json()["result"]


def upload(local_api, common_name="origin.example.com"):
    bundle = local_api.material("hostname_certificate", common_name)
    result = api(local_api, "POST", HOSTNAME_CERTIFICATES, {"certificate": bundle["certificate"], "private_key": bundle["private_key"]})
    return result["id"]


def associate(local_api, cert_id, enabled, hostname=HOSTNAME):
    api(local_api, "PUT", AOP, {"config": [{"hostname": hostname, "cert_id": cert_id, "enabled": enabled}]})


# ---- rows ---------------------------------------------------------------------------------

@dataclass
class Cell:
    """One row's set-up: the module's args and what the truth functions need."""
    args: dict
    facts: dict = field(default_factory=dict)


@dataclass
class Row:
    name: str
    module: str
    method: str
    # path regex of the write; may hold {id}
    path: str
    setup: object  # (local_api) -> Cell
    effect: object  # (app, cell) -> bool: is the write's effect there?
    wanted: object  # (app, cell) -> bool: does the state the task asks for hold?
    live: object = None  # (app, cell) -> how many live objects the cell created (at most one allowed)
    # For a task of many objects: (result, cell) -> whether the module reports the faulted object changed
    # (the verdict is per object), and (app, cell, result) -> problems with the other objects' outcomes.
    changed_of: object = None
    others: object = None

    def write_path(self, cell):
        return self.path.format(**cell.facts)


def setup_issue(local_api):
    material = local_api.material("csr", "device-matrix")
    return Cell(dict(csr=material["csr"], validity_days=30, state="present"), dict(csr=material["csr"]))


def issued(app, cell):
    return any(status != "revoked" for status in client_certificates_from(app, cell.facts["csr"]))


def live_issued(app, cell):
    return sum(1 for status in client_certificates_from(app, cell.facts["csr"]) if status != "revoked")


def setup_revoke(local_api):
    certificate_id = local_api.seed_client_certificates(1)[0]
    return Cell(dict(id=certificate_id, state="revoked"), dict(id=certificate_id))


def revoked(app, cell):
    return client_certificate_status(app, cell.facts["id"]) in ("pending_revocation", "revoked")


def setup_reactivate(local_api):
    local_api.configure(delays={"revocation": LONG})
    certificate_id = local_api.seed_client_certificates(1)[0]
    assert api(local_api, "DELETE", CLIENT_CERTIFICATES + "/" + certificate_id)["status"] == "pending_revocation"
    return Cell(dict(id=certificate_id, state="present"), dict(id=certificate_id))


def reactivated(app, cell):
    return client_certificate_status(app, cell.facts["id"]) in ("pending_reactivation", "active")


def setup_upload(local_api):
    bundle = local_api.material("hostname_certificate", "origin-matrix.example.com")
    serial = str(x509.load_pem_x509_certificate(bundle["certificate"].encode("ascii")).serial_number)
    return Cell(dict(certificate=bundle["certificate"], private_key=bundle["private_key"], state="present"), dict(serial=serial))


def uploaded(app, cell):
    return live_uploaded(app, cell) > 0


def live_uploaded(app, cell):
    return sum(1 for status in hostname_certificates_with(app, cell.facts["serial"]) if status not in ("pending_deletion", "deleted"))


def setup_delete(local_api):
    certificate_id = upload(local_api)
    return Cell(dict(id=certificate_id, state="absent"), dict(id=certificate_id))


def deleted(app, cell):
    return hostname_certificate_status(app, cell.facts["id"]) in ("pending_deletion", "deleted", "gone")


def setup_detach(local_api):
    certificate_id = upload(local_api)
    associate(local_api, certificate_id, True)
    return Cell(dict(id=certificate_id, state="absent", detach_hostnames=[HOSTNAME]), dict(id=certificate_id))


def detached(app, cell):
    return association(app)["cert_id"] is None


def detached_and_deleted(app, cell):
    return detached(app, cell) and deleted(app, cell)


def setup_association(state, existing):
    def setup(local_api):
        certificate_id = upload(local_api)
        if existing is not None:
            associate(local_api, certificate_id, existing)
        return Cell(dict(hostnames=[HOSTNAME], certificate_id=certificate_id, state=state), dict(id=certificate_id))
    return setup


def association_is(enabled):
    def check(app, cell):
        current = association(app)
        if enabled is None:
            return current["cert_id"] is None
        return current["cert_id"] == cell.facts["id"] and current["enabled"] is enabled
    return check


def setup_bulk_revoke(local_api):
    ids = local_api.seed_client_certificates(3)
    # The fault hits the second certificate's DELETE; the first and third are revoked normally.
    return Cell(dict(ids=ids, state="revoked"), dict(id=ids[1], ids=ids))


def _entry(result, certificate_id):
    return next((entry for entry in result.get("certificates") or [] if entry.get("id") == certificate_id), {})


def bulk_changed(result, cell):
    return _entry(result, cell.facts["id"]).get("changed") is True


def all_revoked(app, cell):
    return all(client_certificate_status(app, key) in ("pending_revocation", "revoked") for key in cell.facts["ids"])


def bulk_others(app, cell, result):
    problems = []
    for key in cell.facts["ids"]:
        if key == cell.facts["id"]:
            continue
        entry = _entry(result, key)
        if entry.get("changed") is not True or entry.get("outcome") != "revoked":
            problems.append(("hid", "certificate %s was revoked without a fault, but is reported %r" % (key, entry.get("outcome"))))
    if result.get("certificates") and result.get("changed") is not True:
        problems.append(("hid", "two certificates were revoked, but the task reports changed=%r" % result.get("changed")))
    return problems


ROWS = [
    Row("cc issue", "client_certificate", "POST", "^%s$" % CLIENT_CERTIFICATES, setup_issue, issued, issued, live_issued),
    Row("cc revoke", "client_certificate", "DELETE", "^%s/{id}$" % CLIENT_CERTIFICATES, setup_revoke, revoked, revoked),
    Row("ccs revoke 3", "client_certificates", "DELETE", "^%s/{id}$" % CLIENT_CERTIFICATES, setup_bulk_revoke, revoked, all_revoked,
        changed_of=bulk_changed, others=bulk_others),
    Row("cc reactivate", "client_certificate", "PATCH", "^%s/{id}$" % CLIENT_CERTIFICATES, setup_reactivate, reactivated, reactivated),
    Row("hc upload", "hostname_certificate", "POST", "^%s$" % HOSTNAME_CERTIFICATES, setup_upload, uploaded, uploaded, live_uploaded),
    Row("hc delete", "hostname_certificate", "DELETE", "^%s/{id}$" % HOSTNAME_CERTIFICATES, setup_delete, deleted, deleted),
    Row("hc detach PUT", "hostname_certificate", "PUT", "^%s$" % AOP, setup_detach, detached, detached_and_deleted),
    Row("assoc enable", "hostname_association", "PUT", "^%s$" % AOP, setup_association("enabled", None),
        association_is(True), association_is(True)),
    Row("assoc disable", "hostname_association", "PUT", "^%s$" % AOP, setup_association("disabled", True),
        association_is(False), association_is(False)),
    Row("assoc remove", "hostname_association", "PUT", "^%s$" % AOP, setup_association("absent", True),
        association_is(None), association_is(None)),
]


# ---- columns ------------------------------------------------------------------------------

# Envelopes of shapes Cloudflare does not send but a proxy, a bug or a hostile network may:
# each must end as an honest failure or a re-read, never as a crash.
MALFORMED = {
    "errors: 5": '{"success": false, "errors": 5, "messages": [], "result": null}',
    "code a list": '{"success": false, "errors": [{"code": [1000, 1001], "message": "x"}], "messages": [], "result": null}',
    "code an object": '{"success": false, "errors": [{"code": {"a": 1}, "message": ["x"]}], "messages": {}, "result": null}',
    "errors of strings": '{"success": false, "errors": ["boom", 7, null], "messages": "x", "result": null}',
    "Infinity": '{"success": true, "errors": [], "messages": [], "result": {"id": Infinity}, "result_info": {"total_count": Infinity}}',
    "NaN count": '{"success": true, "errors": [], "messages": [], "result": [], "result_info": {"total_count": 1e400, "total_pages": "x"}}',
    "success a string": '{"success": "yes", "errors": [], "messages": [], "result": {}}',
    "nested 200000 deep": '[' * 200000 + ']' * 200000,
    "lone surrogate": '{"success": true, "result": "\udcff"}',
}


@dataclass
class Column:
    name: str
    fault: dict
    count: int = 1
    timeout: float | None = None
    # row name -> the verdict the cell must have (beyond "not WRONG")
    expect: dict = field(default_factory=dict)

    def spec(self, method, path):
        return dict(self.fault, method=method, path=path, count=self.count)


def _columns():
    columns = [
        Column("429RA", dict(action="status", status=429, retry_after=RETRY_AFTER)),
        Column("429RA*", dict(action="status", status=429, retry_after=RETRY_AFTER), ALWAYS),
        Column("429", dict(action="status", status=429)),
        Column("429*", dict(action="status", status=429), ALWAYS),
    ]
    for status in (500, 502, 503, 504):
        for after_apply in (False, True):
            for count in (1, ALWAYS):
                name = "%d%s%s" % (status, "a" if after_apply else "", "*" if count == ALWAYS else "")
                columns.append(Column(name, dict(action="status", status=status, after_apply=after_apply), count))
    for name, fault in (("tmo", dict(action="timeout", delay=SERVER_DELAY)),
                        ("tmo-a", dict(action="timeout", delay=SERVER_DELAY, after_apply=True)),
                        ("tmo-late", dict(action="timeout", delay=SERVER_DELAY, lands_late=True))):
        columns.append(Column(name, fault, timeout=CLIENT_TIMEOUT))
        columns.append(Column(name + "*", fault, ALWAYS, timeout=CLIENT_TIMEOUT))
    columns += [Column("drop*", dict(action="drop"), ALWAYS), Column("drop-a*", dict(action="drop", after_apply=True), ALWAYS)]
    for name, fault in (("drop", dict(action="drop")), ("html502", dict(action="bad_body", status=502)),
                        ("html200", dict(action="bad_body", status=200)), ("sfalse", dict(action="success_false")),
                        ("empty", dict(action="empty_body")), ("null", dict(action="result_null")),
                        ("trunc", dict(action="truncated"))):
        columns.append(Column(name, dict(fault, after_apply=False)))
        columns.append(Column(name + "-a", dict(fault, after_apply=True)))
    # A redirect (never followed: the credentials stay home) and envelopes of odd shapes, whose
    # write may have been carried out all the same.
    for name, fault in (("307", dict(action="redirect", status=307)), ("308", dict(action="redirect", status=308)),
                        ("err5", dict(action="raw", status=400, body=MALFORMED["errors: 5"])),
                        ("code[]", dict(action="raw", status=400, body=MALFORMED["code a list"])),
                        ("inf", dict(action="raw", body=MALFORMED["Infinity"])),
                        ("deep", dict(action="raw", body=MALFORMED["nested 200000 deep"]))):
        columns.append(Column(name, dict(fault, after_apply=False)))
        columns.append(Column(name + "-a", dict(fault, after_apply=True)))
    columns += code_columns()
    # Malformed answers: the result (each item of a list) is no object, or one of its fields has the wrong JSON type.
    for name, fault in (("mal-item", dict(action="rewrite", value=5)),
                        ("mal-status", dict(action="rewrite", field="status", value=5)),
                        ("mal-serial", dict(action="rewrite", field="serial_number", value=["01"])),
                        ("mal-expires", dict(action="rewrite", field="expires_on", value={"at": 1}))):
        columns.append(Column(name, dict(fault, after_apply=False)))
        columns.append(Column(name + "-a", dict(fault, after_apply=True)))
    return columns


# Codes seen live in 2026 (one refusal each, not carried out). 1434 on a delete clears by itself:
# the module sends the delete again and succeeds. (1406 clears only while the copy is pending_deletion,
# which these cells do not set up: test_codes_2026.py does.)
CODE_COLUMNS = ((1406, 400, {}), (1407, 400, {}), (1414, 400, {}), (1433, 400, {}),
                (1434, 400, {"hc delete": "done"}), (1551, 400, {}), (1552, 400, {}), (1553, 404, {}))


def code_columns():
    return [Column(str(code), dict(action="status", status=status, errors=[{"code": code, "message": "code %d" % code}]), expect=expect)
            for code, status, expect in CODE_COLUMNS]


COLUMNS = _columns()


# ---- the verdict ----------------------------------------------------------------------------

REASONS = ("tb", "unhit", "dup", "blind", "429POST", "claim", "hid", "ghost", "unreached", "nowarn", "nomsg")


def post_repeats(journal):
    """Problems with POSTs repeated to one path: (reason, text) for each repeat without a GET of its collection between."""
    problems = []
    last_post = {}
    reads_since = {}
    for index, entry in enumerate(journal):
        path = entry["path"]
        if entry["method"] == "GET":
            for posted in reads_since:
                if path == posted:
                    reads_since[posted] = True
            continue
        if entry["method"] != "POST":
            continue
        previous = last_post.get(path)
        if previous is not None and not reads_since.get(path):
            refused = previous["status"] == 429 and "applied_status" not in previous
            problems.append(("429POST" if refused else "blind",
                             "POST %s #%d repeated after %s with no GET of the collection between" % (path, index, _answer(previous))))
        last_post[path] = entry
        reads_since[path] = False
    return problems


def _answer(entry):
    text = "an answer of %s" % entry["status"] if entry["status"] is not None else "no answer"
    if entry.get("fault"):
        text += " (fault %s%s)" % (entry["fault"], ", applied" if "applied_status" in entry else "")
    return text


def judge(row, cell, app, journal, run, faulted):
    """(verdict, problems): problems is a list of (reason, text), empty when the cell is right."""
    problems = []
    effect = row.effect(app, cell)
    crashed, rc, result = run
    if crashed is not None:
        problems.append(("tb", "the module raised %s" % crashed))
        result = {}
    changed = row.changed_of(result, cell) if row.changed_of is not None else result.get("changed") is True
    msg = result.get("msg") or ""
    if row.others is not None and crashed is None:
        problems.extend(row.others(app, cell, result))
    if row.live is not None and row.live(app, cell) > 1:
        problems.append(("dup", "%d live objects from the cell's material" % row.live(app, cell)))
    problems.extend(post_repeats(journal))
    if crashed is None and rc == 0:
        if changed != effect:
            problems.append(("hid" if effect else "ghost", "succeeded with changed=%s, but the effect is %s" % (changed, "there" if effect else "not there")))
        if not row.wanted(app, cell):
            problems.append(("unreached", "succeeded, but the wanted state does not hold"))
        if faulted and not result.get("warnings"):
            problems.append(("nowarn", "succeeded through a fault without a warning"))
    elif crashed is None:
        if "exception" in result or "Traceback" in msg:
            problems.append(("tb", "the failure carries a traceback"))
        if not msg.strip():
            problems.append(("nomsg", "failed with an empty msg"))
        if changed and not effect:
            problems.append(("ghost", "failed with changed=true, but the effect is not there"))
        if effect and NOT_APPLIED.search(msg):
            problems.append(("claim", "the effect is there, but the msg says: %r" % NOT_APPLIED.search(msg).group(0)))
        elif effect and not changed and "unknown" not in msg.lower():
            problems.append(("hid", "the effect is there, changed=false, and the msg does not say the outcome is unknown"))
    if not faulted:
        problems.append(("unhit", "the fault never fired: no %s reached the server" % row.method))
    if problems:
        first = min(problems, key=lambda problem: REASONS.index(problem[0]))
        return "WRONG:" + first[0], problems
    if rc == 0:
        return "done", problems
    return ("unknown" if "unknown" in msg.lower() else "failed"), problems


def explain(row, column, cell, verdict, problems, run, journal, app):
    crashed, rc, result = run
    lines = ["%s x %s: %s" % (row.name, column.name, verdict)]
    lines += ["  - %s: %s" % problem for problem in problems]
    lines.append("  effect there: %s; wanted state holds: %s" % (row.effect(app, cell), row.wanted(app, cell)))
    lines.append("  module rc=%s%s" % (rc, " raised %s" % crashed if crashed else ""))
    shown = dict((key, value) for key, value in (result or {}).items() if key not in ("invocation", "warnings"))
    for warning in (result or {}).get("warnings") or []:
        lines.append("  warning: %s" % (warning.get("event", {}).get("msg") if isinstance(warning, dict) else warning))
    text = json.dumps(shown, indent=None, sort_keys=True, default=str)
    lines.append("  result: " + PEM.sub("<PEM>", text)[:3000])
    lines.append("  journal:")
    for entry in journal:
        query = "&".join("%s=%s" % item for item in (entry.get("query") or {}).items())
        fault = " fault=%s" % entry["fault"] if entry.get("fault") else ""
        applied = " applied=%s" % entry["applied_status"] if "applied_status" in entry else ""
        lines.append("    %-6s %s%s -> %s%s%s" % (entry["method"], entry["path"], "?" + query if query else "", entry["status"], fault, applied))
    return "\n".join(lines)
