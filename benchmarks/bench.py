# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``make bench``: the collection against the hand-written ``ansible.builtin.uri`` way, on the local API.

Every variant of a row runs in the same run, alternating (A B C A B C ...), each from a fresh
server state, as a whole ``ansible-playbook`` process (wall time, what a user waits for).
By default with a simulated round trip of 50 ms a request (the local API's ``latency``, about
what a controller sees from Cloudflare; about 13 minutes); ``--latencies 0,0.05`` adds bare
loopback (about 1 ms a request, where neither concurrency nor saved requests can show; roughly
twice as long). The two quota rows run side by side at the end, each on a local API of its own:
they wait on the quota, not on the machine. The API calls of each run are counted in the local
API's journal.

The forks rows: 8 forks of ansible-playbook, each host revoking its own 50 certificates with one
client_certificates task (or a loop of client_certificate), all with one token under a scaled quota of 50 requests per 10 s;
it counts the requests, the 429s and the certificates left unrevoked, and compares the wall time with
the quota floor (the requests that got through / the quota's rate). Alone (about 2 minutes):
``python benchmarks/bench.py --only forks``.

Usage: python benchmarks/bench.py [--repeats 3] [--heavy-repeats 1] [--out FILE] [--latencies 0.05] [--only NAME]
       [--collection PATH]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
PLAYBOOKS = REPO / "benchmarks" / "playbooks"
TOKEN = "local-demo-token"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
# BENCH_N: a smaller N only to try the playbooks out; the figures the README quotes are for 50.
N = int(os.environ.get("BENCH_N", 50))
REVOCATION_DELAY = 1
QUOTA = dict(quota=100, window=10)
FORKS = dict(forks=8, per=50, quota=50, window=10, latency=0.05)
FORKS_NAME = "%(forks)d forks x %(per)d under %(quota)d req / %(window)d s" % FORKS
# The playbooks of the forks rows: one client_certificates task per host, or a loop of client_certificate (a module run a
# certificate), the way most playbooks are written.
FORKS_PLAYBOOKS = (("forks_revoke.yml", "bulk module"), ("forks_revoke_loop.yml", "loop of client_certificate"))


class LocalApi:
    """The local API in a process of its own (so that it does not share this process's GIL with nothing, fairly)."""

    def __init__(self, workdir):
        port_file = Path(workdir) / "port"
        environment = dict(os.environ, PYTHONPATH=str(REPO / "tools"))
        self.process = subprocess.Popen([sys.executable, "-m", "local_cloudflare", "--port", "0", "--port-file", str(port_file)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
        for _attempt in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        root = "http://127.0.0.1:%s" % port_file.read_text().strip()
        self.base_url = root + "/client/v4"
        self.control_url = root + "/__control"
        self.session = requests.Session()
        self.session.trust_env = False
        self.latency = 0

    def control(self, method, name, body=None):
        response = self.session.request(method, "%s/%s" % (self.control_url, name), json=body, timeout=120)
        response.raise_for_status()
        return response.json()

    def fresh(self, **config):
        self.control("POST", "reset")
        self.control("PATCH", "config", dict(dict(latency=self.latency, delays=dict(revocation=REVOCATION_DELAY)), **config))

    def seed(self, count, status="active"):
        ids = []
        while count > 0:
            ids += self.control("POST", "client_certificates", {"count": min(count, 1000), "status": status})["ids"]
            count -= 1000
        return ids

    def api(self, method, path, body=None):
        response = self.session.request(method, self.base_url + path, json=body, headers={"Authorization": "Bearer " + TOKEN}, timeout=30)
        response.raise_for_status()
        return response.json()["result"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


# ---- rows: set-up (-> playbook vars), variants ----------------------------------------------------

def seeded(count, status="active"):
    def setup(api):
        api.fresh()
        return dict(ids=api.seed(count, status))
    return setup


def serial_at(position):
    def setup(api):
        if not getattr(api, "thousand", None) or api.thousand[0] != api.latency:
            api.fresh()
            ids = api.seed(1000)
            serials = dict((item["id"], item["serial_number"]) for page in range(1, 21)
                           for item in api.api("GET", "/zones/%s/client_certificates?page=%d&per_page=50" % (ZONE_ID, page)))
            api.thousand = (api.latency, [serials[key] for key in ids])
        return dict(serial=api.thousand[1][position - 1]) if position else dict(expected=1000)
    return setup


def hostnames(api, **config):
    api.fresh(**config)
    bundle = api.control("POST", "material", {"type": "hostname_certificate", "common_name": "origin.example.com"})
    certificate = api.api("POST", "/zones/%s/origin_tls_client_auth/hostnames/certificates" % ZONE_ID,
                          {"certificate": bundle["certificate"], "private_key": bundle["private_key"]})
    return dict(hostnames=["host-%03d.example.com" % number for number in range(100)], cert_id=certificate["id"])


def hostnames_without_list(api):
    """An API from before the 2026 list of associations: each hostname is read on its own."""
    return hostnames(api, variants={"association_list": "404"})


def quota(count):
    def setup(api):
        api.fresh(rate_limit=QUOTA)
        api.seed(count)
        return dict(select_all=True)
    return setup


class Variant:
    def __init__(self, label, playbook, extra=None, heavy=False, baseline=False, floor=None):
        self.label = label
        self.playbook = playbook
        self.extra = extra or {}
        self.heavy = heavy
        self.baseline = baseline
        self.floor = floor


class Row:
    def __init__(self, name, setup, variants, latencies=None, quota_floor=None):
        self.name = name
        self.setup = setup
        self.variants = variants
        self.latencies = latencies
        self.quota_floor = quota_floor


def quota_floor_seconds(requests_needed):
    """The quota's floor: the last request can go out at the start of window ceil(R/Q) (a fixed window from the first request)."""
    return (math.ceil(requests_needed / QUOTA["quota"]) - 1) * QUOTA["window"]


ROWS = [
    Row("revoke %d by id" % N, seeded(N), [
        Variant("ours: client_certificate loop", "loop_revoke.yml", heavy=True, floor=N + N),
        Variant("ours: client_certificates", "bulk_revoke.yml", floor=1 + N),
        Variant("uri GET+DELETE loop", "uri_revoke.yml", heavy=True, baseline=True, floor=N + N)]),
    Row("revoke %d + wait revoked (delay %d s)" % (N, REVOCATION_DELAY), seeded(N), [
        Variant("ours: client_certificate loop, wait", "loop_revoke.yml", dict(wait=True), heavy=True),
        Variant("ours: client_certificates, wait", "bulk_revoke.yml", dict(wait=True), floor=1 + N + 1),
        Variant("uri three-pass (read, delete, until)", "uri_revoke.yml", dict(wait=True), heavy=True, baseline=True),
        Variant("ours: client_certificate_revocation role, wait", "role_revoke.yml", dict(wait=True), floor=1 + N + 1),
        # The role's revocation path alone: its enforcement check (one more module run, 2 reads) costs a fixed ~0.7 s.
        Variant("ours: the role, wait, no enforcement check", "role_revoke.yml", dict(wait=True, enforcement=False), floor=1 + N + 1)]),
    Row("no-op re-run of %d" % N, seeded(N, "revoked"), [
        Variant("ours: client_certificate loop", "loop_revoke.yml", heavy=True, floor=N),
        Variant("ours: client_certificates", "bulk_revoke.yml", floor=1),
        Variant("uri GET+DELETE loop", "uri_revoke.yml", heavy=True, baseline=True, floor=N)]),
    Row("one certificate", seeded(1), [
        Variant("ours: client_certificate", "single_ours.yml", floor=2),
        Variant("uri GET+DELETE", "single_uri.yml", baseline=True, floor=2)]),
    Row("Ansible floor: %d-task loop" % N, seeded(N, "revoked"), [
        Variant("ansible.builtin.ping loop", "ping.yml", heavy=True, baseline=True, floor=0)]),
    Row("serial at 1 of 1000", serial_at(1), [
        Variant("ours: client_certificate_info", "lookup_ours.yml", floor=1),
        Variant("uri: every page", "lookup_uri.yml", heavy=True, baseline=True, floor=1)]),
    Row("serial at 500 of 1000", serial_at(500), [
        Variant("ours: client_certificate_info", "lookup_ours.yml", floor=10),
        Variant("uri: every page", "lookup_uri.yml", heavy=True, baseline=True, floor=10)]),
    Row("serial at 1000 of 1000", serial_at(1000), [
        Variant("ours: client_certificate_info", "lookup_ours.yml", floor=20),
        Variant("uri: every page", "lookup_uri.yml", heavy=True, baseline=True, floor=20)]),
    Row("list all 1000", serial_at(0), [
        Variant("ours: client_certificate_info", "lookup_ours.yml", floor=20),
        Variant("uri: every page", "lookup_uri.yml", heavy=True, baseline=True, floor=20)]),
    # None of the 100 is associated yet: one empty page of the association list, no certificate list, one PUT.
    Row("associate 100 hostnames", hostnames, [
        Variant("ours: hostname_association", "associate_ours.yml", floor=2),
        Variant("uri: reads + one PUT", "associate_uri.yml", heavy=True, baseline=True, floor=101),
        Variant("uri: one blind PUT", "associate_uri.yml", dict(blind=True), floor=1)]),
    Row("associate 100 hostnames, API without the list", hostnames_without_list, [
        Variant("ours: hostname_association", "associate_ours.yml", floor=102),
        Variant("ours: parallel 1 (the sequential reads of before)", "associate_ours.yml", dict(parallel=1), floor=102)]),
    Row("revoke 1000 under %d req / %d s" % (QUOTA["quota"], QUOTA["window"]), quota(1000), [
        Variant("ours: client_certificates, all", "bulk_revoke.yml", heavy=True, floor=1000 + 20)],
        latencies=[0.05], quota_floor=1000 + 20),
    Row("revoke 2000 under %d req / %d s" % (QUOTA["quota"], QUOTA["window"]), quota(2000), [
        Variant("ours: client_certificates, all", "bulk_revoke.yml", heavy=True, floor=2000 + 40)],
        latencies=[0.05], quota_floor=2000 + 40),
]


# ---- running -------------------------------------------------------------------------------------

def collections_path(workdir, collection=REPO):
    root = Path(workdir) / "collections" / "ansible_collections" / "mtls"
    root.mkdir(parents=True)
    (root / "cloudflare").symlink_to(collection)
    return str(Path(workdir) / "collections")


def run_forks(environment, workdir, playbook):
    """A forks row: FORKS["forks"] hosts (local connection) in as many forks, one token, a scaled quota; one run."""
    folder = Path(workdir) / ("forks-" + playbook)
    folder.mkdir()
    api = LocalApi(folder)
    try:
        api.latency = FORKS["latency"]
        api.fresh(rate_limit=dict(quota=FORKS["quota"], window=FORKS["window"]))
        ids = api.seed(FORKS["forks"] * FORKS["per"])
        hosts = ["fork%d" % number for number in range(1, FORKS["forks"] + 1)]
        variables = dict(fork_ids=dict((host, ids[index * FORKS["per"]:(index + 1) * FORKS["per"]]) for index, host in enumerate(hosts)),
                         cf=dict(base_url=api.base_url, token=TOKEN, zone_id=ZONE_ID), ansible_python_interpreter=sys.executable)
        vars_file = folder / "vars.json"
        vars_file.write_text(json.dumps(variables))
        # Each run starts from an empty shared budget (the modules' file under a folder of this run).
        forks_environment = dict(environment, MTLS_CLOUDFLARE_BUDGET_DIR=str(folder / "budget"))
        api.control("DELETE", "journal")
        started = time.monotonic()
        process = subprocess.Popen([str(Path(sys.executable).parent / "ansible-playbook"), "-i", ",".join(hosts) + ",", "-c", "local",
                                    "-f", str(FORKS["forks"]), str(PLAYBOOKS / playbook), "-e", "@" + str(vars_file)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=forks_environment, cwd=str(PLAYBOOKS))
        output = process.communicate()[0]
        seconds = time.monotonic() - started
        journal = api.control("GET", "journal")["requests"]
        # Lift the quota (it clears the counters) to read what the run left behind.
        api.control("PATCH", "config", dict(rate_limit=dict(quota=100000, window=1)))
        statuses = {}
        for page in range(1, len(ids) // 50 + 2):
            for item in api.api("GET", "/zones/%s/client_certificates?page=%d&per_page=50" % (ZONE_ID, page)):
                statuses[item["id"]] = item["status"]
    finally:
        api.stop()
    if process.returncode != 0:
        print(output.decode("utf-8", "replace")[-3000:], file=sys.stderr)
    requests_sent = len(journal)
    limited = sum(1 for entry in journal if entry["status"] == 429)
    unrevoked = sum(1 for key in ids if statuses.get(key) not in ("pending_revocation", "revoked"))
    floor = (requests_sent - limited) / (FORKS["quota"] / float(FORKS["window"]))
    return dict(seconds=seconds, requests=requests_sent, rate_limited=limited, unrevoked=unrevoked, floor=floor,
                ratio=seconds / floor if floor else float("inf"), rc=process.returncode)


def render_forks(measured):
    """The table and the target lines of the forks rows; ``measured`` is [(label, figures)]."""
    header = "%-68s %9s %6s %5s %9s %8s %8s %3s" % ("operation", "wall s", "calls", "429s", "unrevoked", "floor s", "ratio", "rc")
    rows, targets_met = [header, "-" * len(header)], []
    for label, figures in measured:
        name = "%s, %s" % (FORKS_NAME, label)
        rows.append("%-68s %9.2f %6d %5d %9d %8.2f %7.2fx %3d" % (
            name, figures["seconds"], figures["requests"], figures["rate_limited"], figures["unrevoked"], figures["floor"],
            figures["ratio"], figures["rc"]))
        verdict = "met" if figures["rate_limited"] == 0 and figures["unrevoked"] == 0 and figures["ratio"] <= 1.2 else "NOT met"
        targets_met.append("%-68s %.3fx the quota floor of %.0f s (requests that got through / %d per %d s), %d x 429, %d unrevoked "
                           "(target <= 1.2x, 0, 0): %s" % (name, figures["ratio"], figures["floor"], FORKS["quota"], FORKS["window"],
                                                           figures["rate_limited"], figures["unrevoked"], verdict))
    return "\n".join(rows), "\n".join(targets_met)


def run_playbook(api, environment, workdir, variant, facts):
    variables = dict(facts, **variant.extra)
    variables["cf"] = dict(base_url=api.base_url, token=TOKEN, zone_id=ZONE_ID)
    variables["ansible_python_interpreter"] = sys.executable
    vars_file = Path(workdir) / "vars.json"
    vars_file.write_text(json.dumps(variables))
    # A fresh server state, and a fresh rate budget of the controller (the modules' shared file) to go with it.
    budget = tempfile.mkdtemp(prefix="budget-", dir=workdir)
    api.control("DELETE", "journal")
    started = time.monotonic()
    process = subprocess.Popen([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                                str(PLAYBOOKS / variant.playbook), "-e", "@" + str(vars_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(environment, MTLS_CLOUDFLARE_BUDGET_DIR=budget),
                               cwd=str(PLAYBOOKS))
    output = process.communicate()[0]
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    journal = api.control("GET", "journal")["requests"]
    if process.returncode != 0:
        print(output.decode("utf-8", "replace")[-3000:], file=sys.stderr)
        print("benchmark playbook %s (%s) failed; its row shows FAILED" % (variant.playbook, variant.label), file=sys.stderr)
        return None
    arrivals = sorted(datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ") for entry in journal)
    # The time the task spent talking to the API: first request's arrival to the last one's answer.
    api_seconds = (arrivals[-1] - arrivals[0]).total_seconds() + 2 * api.latency if arrivals else 0.0
    return dict(seconds=seconds, api_seconds=api_seconds, calls=len(journal),
                rate_limited=sum(1 for entry in journal if entry["status"] == 429), peak_kib=peak)


def measure(api, environment, workdir, row, latency, repeats, heavy_repeats):
    api.latency = latency
    results = dict((variant.label, []) for variant in row.variants)
    rounds = max(repeats, heavy_repeats)
    for number in range(rounds):
        for variant in row.variants:
            if number >= (heavy_repeats if variant.heavy else repeats):
                continue
            facts = row.setup(api)
            measured = run_playbook(api, environment, workdir, variant, facts)
            if measured is None:
                continue
            results[variant.label].append(measured)
            latest = results[variant.label][-1]
            print("  %-42s %-50s %7.2f s %5d calls" % (row.name, variant.label, latest["seconds"], latest["calls"]),
                  file=sys.stderr, flush=True)
    return results


def render(table_rows, settings):
    header = "%-40s %-52s %9s %4s %8s %7s %6s %6s %5s" % ("operation", "variant", "median s", "runs", "ratio", "API s", "calls", "floor",
                                                          "429s")
    lines = [header, "-" * len(header)]
    for latency in settings:
        lines.append("network: %s" % ("bare loopback" if latency == 0 else "simulated round trip of %d ms per request" % (latency * 1000)))
        for row, results in table_rows:
            if latency not in results:
                continue
            measured = results[latency]
            baseline = next((v for v in row.variants if v.baseline), None)
            base = statistics.median(r["seconds"] for r in measured[baseline.label]) if baseline and measured[baseline.label] else None
            for variant in row.variants:
                runs = measured[variant.label]
                if not runs:
                    lines.append("%-40s %-52s %9s" % (row.name, variant.label, "FAILED"))
                    continue
                median = statistics.median(r["seconds"] for r in runs)
                if row.quota_floor is not None:
                    ratio = "%.2fxQ" % (median / quota_floor_seconds(row.quota_floor))
                elif base and not variant.baseline:
                    ratio = "%.3fx" % (median / base)
                else:
                    ratio = "1 (base)" if variant.baseline else ""
                floor = "" if variant.floor is None else str(variant.floor)
                lines.append("%-40s %-52s %9.2f %4d %8s %7.2f %6d %6s %5d" % (
                    row.name, variant.label, median, len(runs), ratio, statistics.median(r["api_seconds"] for r in runs),
                    int(statistics.median(r["calls"] for r in runs)), floor, max(r["rate_limited"] for r in runs)))
    return "\n".join(lines)


def targets(table_rows):
    def median(row_name, label, latency, key="seconds"):
        for row, results in table_rows:
            if row.name == row_name and latency in results and results[latency][label]:
                return statistics.median(r[key] for r in results[latency][label])
        return None

    checks = []
    for latency in sorted(set(latency for _row, results in table_rows for latency in results)):
        pairs = [("bulk revoke %d vs uri loop" % N, "revoke %d by id" % N, "ours: client_certificates", "uri GET+DELETE loop", 0.05,
                  "seconds"),
                 ("bulk revoke %d + wait vs three-pass" % N, "revoke %d + wait revoked (delay %d s)" % (N, REVOCATION_DELAY),
                  "ours: client_certificates, wait", "uri three-pass (read, delete, until)", 0.3, "seconds"),
                 ("role's revocation %d + wait vs bulk module + wait" % N, "revoke %d + wait revoked (delay %d s)" % (N, REVOCATION_DELAY),
                  "ours: the role, wait, no enforcement check", "ours: client_certificates, wait", 1.3, "seconds")]
        if latency:
            # The reads' own time (API s): a playbook's start-up would hide what the reads cost.
            pairs.append(("100 hostnames vs the sequential reads (API s)", "associate 100 hostnames, API without the list",
                          "ours: hostname_association",
                          "ours: parallel 1 (the sequential reads of before)", 0.3, "api_seconds"))
        for text, row_name, ours, theirs, limit, key in pairs:
            a, b = median(row_name, ours, latency, key), median(row_name, theirs, latency, key)
            if a is not None and b:
                verdict = "met" if a / b <= limit else "NOT met"
                checks.append("%-45s %-10s %.3fx (target <= %.2fx): %s" % (text, "%d ms" % (latency * 1000), a / b, limit, verdict))
    for row, results in table_rows:
        if row.quota_floor is None:
            continue
        for latency, measured in results.items():
            runs = measured[row.variants[0].label]
            if not runs:
                continue
            ratio = statistics.median(r["seconds"] for r in runs) / quota_floor_seconds(row.quota_floor)
            blocked = max(r["rate_limited"] for r in runs)
            checks.append("%-45s %-10s %.3fx the quota floor of %d s, %d x 429 (target <= 1.15x, 0): %s" % (
                row.name, "%d ms" % (latency * 1000), ratio, quota_floor_seconds(row.quota_floor), blocked,
                "met" if ratio <= 1.15 and blocked == 0 else "NOT met"))
    return "\n".join(checks)


def side_by_side(rows, environment, workdir, repeats, heavy_repeats):
    """The quota rows all at once, each with a local API and a work folder of its own.

    They wait on the quota (a few hundred requests a minute), not on this machine, so running them
    together costs the longest one's time instead of the sum; nothing else runs meanwhile.
    """
    results = {}

    def one(index, row):
        folder = Path(workdir) / ("quota-%d" % index)
        folder.mkdir()
        api = LocalApi(folder)
        try:
            results[row.name] = dict((latency, measure(api, environment, folder, row, latency, repeats, heavy_repeats))
                                     for latency in row.latencies)
        finally:
            api.stop()

    threads = [threading.Thread(target=one, args=(index, row), name=row.name) for index, row in enumerate(rows)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    missing = [row.name for row in rows if row.name not in results]
    if missing:
        raise RuntimeError("the quota rows %s did not finish" % ", ".join(missing))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", 3)),
                        help="runs of each short variant (the median is shown)")
    parser.add_argument("--heavy-repeats", type=int, default=int(os.environ.get("BENCH_HEAVY_REPEATS", 1)),
                        help="runs of each long variant (loops of %d tasks, the uri every-page lookups, quota runs)" % N)
    parser.add_argument("--latencies", default=os.environ.get("BENCH_LATENCIES", "0.05"),
                        help="simulated round trips in seconds, comma-separated; 0 is bare loopback (0,0.05: both, roughly twice as long)")
    parser.add_argument("--only", help="run only the rows whose name contains this")
    parser.add_argument("--out", default=os.environ.get("BENCH_OUT", str(REPO / ".build" / "bench.txt")))
    parser.add_argument("--collection", default=str(REPO),
                        help="the checkout of the collection to measure (another worktree or an exported commit, to compare)")
    args = parser.parse_args(argv)
    settings = [float(value) for value in args.latencies.split(",")]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mtls-bench-") as workdir:
        environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(workdir, Path(args.collection).resolve()), ANSIBLE_LOCALHOST_WARNING="False",
                           ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="False",
                           PYTHONWARNINGS="ignore")
        for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_TOKEN", "CLOUDFLARE_API_BASE_URL"):
            environment.pop(name, None)
        rows = [row for row in ROWS if not args.only or args.only in row.name]
        measured = {}
        if any(row.quota_floor is None for row in rows):
            api = LocalApi(workdir)
            try:
                for row in rows:
                    if row.quota_floor is None:
                        measured[row.name] = dict((latency, measure(api, environment, workdir, row, latency, args.repeats,
                                                                    args.heavy_repeats))
                                                  for latency in row.latencies or settings)
            finally:
                api.stop()
        measured.update(side_by_side([row for row in rows if row.quota_floor is not None], environment, workdir, args.repeats,
                                     args.heavy_repeats))
        table_rows = [(row, measured[row.name]) for row in rows]
        forks = [(label, run_forks(environment, workdir, playbook)) for playbook, label in FORKS_PLAYBOOKS
                 if not args.only or args.only in "%s, %s" % (FORKS_NAME, label)]
    shown = sorted(set(settings) | set(latency for row, _results in table_rows for latency in (row.latencies or [])))
    text = "\n".join([
        "make bench: medians; ratio = variant / the row's hand-written base, measured in the same run, alternating;",
        "xQ = wall time / the floor the quota sets for the requests the task must send; calls counted in the journal.",
        "Revocation delay %d s on the local API for every variant. Loops, uri every-page lookups and quota runs: %d run(s), others %d." % (
            REVOCATION_DELAY, args.heavy_repeats, args.repeats),
        "", render(table_rows, shown), "", "targets:", targets(table_rows), ""]
        + (["forks sharing one token (%d ms a request):" % (FORKS["latency"] * 1000), render_forks(forks)[0], "", "target:",
            render_forks(forks)[1], ""] if forks else []) + [
        "peak memory: %.0f MiB (largest ansible-playbook run with its modules, or the local API)" % (
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0),
        "total bench time: %.0f s" % (time.monotonic() - started)])
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")
    print("written to %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
