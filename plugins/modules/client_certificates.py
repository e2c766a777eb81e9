#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: client_certificates
short_description: Revoke (or reactivate) many Cloudflare API Shield mTLS client certificates in one task
version_added: 0.1.0
description:
  - Revokes many API Shield mTLS client certificates in one task, for incident response (a batch of lost devices, a
    compromised intermediate, a common name to retire); or reactivates many whose revocation has not completed yet.
  - "The certificates are selected by lists (O(ids), O(serial_numbers), O(fingerprints_sha256), O(common_names): a certificate
    on any of them is selected) and/or filters (O(common_name), O(status), O(issued_before), O(expires_within_days): a selected certificate
    must match every filter given). Neither an empty selection nor filters that match every certificate of the zone (for
    example O(common_name=*), or O(status=active) in a zone where all are active) ever mean every certificate: that takes
    O(all=true). Without it, filters alone that match every certificate are refused after the reads, before any write, and the
    message says how many matched of how many."
  - The certificates are read by listing the zone's certificates 50 a page (stopping once every listed id, serial number
    and fingerprint is found, when no filter asks for all of them), or, for at most 10 O(ids) and nothing else, one request each.
  - With O(state=revoked), an V(active) certificate is revoked (RV(certificates[].outcome=revoked)); a V(pending_revocation)
    or V(revoked) one is left as it is (V(already_revoked)); a V(pending_reactivation) one cannot be revoked until its
    reactivation has settled, so it is reported V(failed) and the task fails.
  - With O(state=present), a V(pending_revocation) certificate is reactivated (V(reactivated)); an V(active) or
    V(pending_reactivation) one is left as it is (V(already_active)); a V(revoked) one is V(failed), since a completed
    revocation cannot be undone.
  - A listed id, serial number or fingerprint that matches no certificate is reported V(not_found), with a warning; the task does not fail for it.
  - The guard O(max_changes) refuses, before anything is sent, a task that would change more certificates than that, and its
    message says how many and which (id, serial number and common name).
  - The writes are sent by O(parallel) workers, each with its own connection, that share one rate budget, so that a task of
    thousands of writes goes at the pace of Cloudflare's rate limit and does not run into its five-minute block. See the notes.
  - When some writes fail, the others are still sent; the task fails, and every certificate's outcome (what was done and what was
    not) is returned.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
attributes:
  check_mode:
    description:
      - Check mode reads the same way as a real run, sends no write, and returns the outcome a real run would have for every
        certificate (RV(certificates[].outcome)), so it lists exactly what would be revoked. The refusal of filters that match
        every certificate without O(all=true) applies too. The guard O(max_changes) does not fail a preview; it lists every
        certificate all the same, warns, and returns RV(guard) saying that a real run would be refused.
    support: full
  diff_mode:
    description: Shows the status of every certificate the task changes (or would change), by id with its serial number and common
      name, before and after.
    support: full
options:
  state:
    description:
      - V(revoked) revokes the selected certificates; V(present) reactivates those whose revocation is still pending.
    type: str
    choices: [revoked, present]
    required: true
  ids:
    description:
      - Ids of client certificates to select.
    type: list
    elements: str
  serial_numbers:
    description:
      - Serial numbers of client certificates to select, in hex; case, colons and leading zeros do not matter.
    type: list
    elements: str
  fingerprints_sha256:
    description:
      - SHA-256 fingerprints of client certificates to select (64 hex digits, colons allowed).
    type: list
    elements: str
  common_names:
    description:
      - Common names of client certificates to select, compared exactly (case matters); every certificate with one of them is
        selected. Unlike the filter O(common_name), this is a list, and a certificate on it is selected even when it is on no other list.
    type: list
    elements: str
  all:
    description:
      - Select every client certificate of the zone (that the filters match). Required to act on all of them, so that an empty
        list never does, nor filters that happen to match every certificate; mutually exclusive with O(ids), O(serial_numbers)
        and O(fingerprints_sha256).
    type: bool
    default: false
  common_name:
    description:
      - Only certificates with this subject common name; a glob when it contains C(*), C(?) or C([) (for example
        V(*.devices.example.com)), else compared exactly. Case matters.
    type: str
  status:
    description:
      - Only certificates with this status (Cloudflare filters the listing by it).
    type: str
    choices: [active, pending_reactivation, pending_revocation, revoked]
  issued_before:
    description:
      - Only certificates issued before this moment, an ISO 8601 date (V(2024-06-01), midnight UTC) or timestamp
        (V(2024-06-01T12:00:00Z)).
    type: str
  expires_within_days:
    description:
      - Only certificates that expire within this many days from now (V(0) for those expired already), at most V(36500) (100 years).
    type: int
  max_changes:
    description:
      - The most certificates the task may change. A task that would change more fails before sending anything, and lists them;
        raise the number to go ahead.
    type: int
    default: 10
  parallel:
    description:
      - How many requests are sent at a time, each worker with its own connection. They share one rate budget, whatever the number.
    type: int
    default: 8
  wait:
    description:
      - Wait until every selected certificate has reached the final status of O(state) (V(revoked), or V(active)).
      - The module polls the listing of certificates in the pending status (V(pending_revocation) or V(pending_reactivation)),
        50 a page, rather than each certificate; a certificate that has left it has reached the final status.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true). On timeout the task fails with the certificates still pending, and reports
        the changes it made.
      - From V(0) to V(86400) (a day).
    type: int
    default: 300
notes:
  - "Rate limit: Cloudflare allows 1200 requests per 5 minutes per token and blocks the token for five minutes after one more.
    The workers never send more than the quota in any window (learned from the C(Ratelimit-Policy) header, 1200 per 300 s
    until then), and hold when the C(Ratelimit) header shows the quota spent by other jobs on the same token; a C(429) holds
    every worker for its C(Retry-After), waited out once within O(api_max_wait). So revoking 2000 certificates (2040 requests with the
    list pages) takes a little over five minutes: 1200 at once, the rest once the window resets. Every such pause counts against
    O(api_max_wait); one that cannot fit in what is left fails at once, saying how long Cloudflare asked to wait (so beyond
    about 2400 requests in one task, raise O(api_max_wait) by 300 s per 1200 more)."
  - "Tasks on the same controller that use the same credential and API (Ansible's forks, several plays at once) share that budget
    through a small file in C(~/.ansible/tmp) (or the folder in the environment variable C(MTLS_CLOUDFLARE_BUDGET_DIR)), named by a
    SHA-256 of the API URL and the credential and readable by its owner only; so eight forks revoking at once stay under the quota
    together. Jobs on other machines are seen through the C(Ratelimit) header. When the file cannot be used, each task paces alone."
  - "Requests: a revocation of N certificates costs N writes plus one list page per 50 certificates of the zone (N requests for
    at most 10 O(ids)); a no-op re-run costs the pages only. With O(status) and no list, one more small page counts the
    zone's certificates, to tell whether the filters match all of them. O(wait=true) adds one listing of the pending certificates per poll,
    1, 1, 2, 2, 4, 4, 8, 8, then every 10 seconds."
  - When the answer to a revocation is lost (dropped connection, timeout, HTTP 5xx), the module reads that certificate again and
    reports what it finds, as M(mtls.cloudflare.client_certificate) does; it never repeats the request blindly.
seealso:
  - module: mtls.cloudflare.client_certificate
  - module: mtls.cloudflare.client_certificate_info
'''

EXAMPLES = r'''
- name: See which certificates of lost devices would be revoked
  mtls.cloudflare.client_certificates:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    serial_numbers: "{{ lost_device_serials }}"
    state: revoked
  check_mode: true
  delegate_to: localhost
  register: would_revoke

- name: Revoke them, allowing as many changes as there are devices, and wait until every revocation has completed
  mtls.cloudflare.client_certificates:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    serial_numbers: "{{ lost_device_serials }}"
    state: revoked
    max_changes: "{{ lost_device_serials | length }}"
    wait: true
    wait_timeout: 900
  delegate_to: localhost
  register: revoked

- name: Show what happened to each
  ansible.builtin.debug:
    msg: "{{ revoked.summary }}"

- name: Retire a common name, every certificate issued for it before June
  mtls.cloudflare.client_certificates:
    zone: example.com
    common_name: "*.kiosk.example.com"
    issued_before: "2024-06-01"
    status: active
    state: revoked
    max_changes: 500
  delegate_to: localhost

- name: Undo revocations made by mistake, while they are still pending
  mtls.cloudflare.client_certificates:
    zone: example.com
    ids: "{{ revoked.certificates | selectattr('outcome', 'equalto', 'revoked') | map(attribute='id') | list }}"
    state: present
    max_changes: 1000
    wait: true
  delegate_to: localhost
'''

RETURN = r'''
certificates:
  description:
    - One entry per selected certificate (in the order of the zone's listing), then one per listed id, serial number or
      fingerprint that matched no certificate. In check mode, as a real run would report them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The certificate's id (for V(not_found), the id given, if it was an id). V(not_found) entries give the value as
        it was given, in the field of its list (O(common_names) in RV(certificates[].common_name)).
      type: str
      sample: 2458ce5a0c354c7f82c78e9487d3ff60
    serial_number:
      description: The serial number as Cloudflare prints it (for V(not_found), the one given).
      type: str
      sample: 3bb94ff144ae4ccd3f0cbe3ebc1c12a08a4d7b2e
    fingerprint_sha256:
      description: The SHA-256 fingerprint (for V(not_found), the one given).
      type: str
      sample: 256c24690243359fb8cf139a125bd05ebf1d968b71e4caf330718e9f5c8a89ea
    common_name:
      description: The subject common name.
      type: str
      sample: device-0042.example.com
    expires_on:
      description: When the certificate expires (ISO 8601).
      type: str
      sample: "2025-08-07T14:51:00Z"
    status:
      description: The status after the task (in check mode, predicted), or V(null) for V(not_found).
      type: str
      sample: pending_revocation
    outcome:
      description:
        - With O(state=revoked) V(revoked), V(already_revoked), V(not_found) or V(failed); with O(state=present)
          V(reactivated), V(already_active), V(not_found) or V(failed).
      type: str
      sample: revoked
    changed:
      description:
        - Whether this run changed this certificate (in check mode, would).
        - A change someone else made meanwhile is not this run's (RV(certificates[].outcome) says it was already done).
      type: bool
      sample: true
    msg:
      description: Why it failed.
      type: str
      returned: for V(failed)
      sample: "client certificate 2458ce5a0c354c7f82c78e9487d3ff60 is pending_reactivation: ..."
summary:
  description: How many certificates had each outcome.
  returned: always
  type: dict
  sample: {"revoked": 48, "already_revoked": 2, "not_found": 0, "failed": 0}
would_change:
  description: The ids of the certificates the task would change, when O(max_changes) refused the task (or, in check mode, would).
  returned: when the guard refused, or in check mode would refuse
  type: list
  elements: str
  sample: ["2458ce5a0c354c7f82c78e9487d3ff60"]
guard:
  description: In check mode, when a real run would change more certificates than O(max_changes) allows and so be refused.
  returned: check mode, when the guard would refuse
  type: dict
  contains:
    msg:
      description: The message a real run would fail with.
      type: str
    would_change:
      description: How many certificates a real run would change.
      type: int
    max_changes:
      description: The value of O(max_changes).
      type: int
  sample: {"msg": "12 client certificates would be revoked, more than max_changes (10) allows ...", "would_change": 12, "max_changes": 10}
'''

import datetime
import fnmatch

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import (
    CLIENT_CERTIFICATE_STATUSES, STATUS_RULES, client_certificate_pages, count_client_certificates, get_client_certificate,
    status_refusal,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._dates import check_moment, expires_within, parse_moment, parse_timestamp
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, Plan, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._pool import WorkerPool
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    InputError, check_days, check_parallel, list_of, normalize_fingerprint, normalize_serial, shorten, validate_fingerprint, validate_id,
    validate_serial,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import Wait

LISTS = ('ids', 'serial_numbers', 'fingerprints_sha256', 'common_names')
# The field of a certificate each list is compared with.
LIST_FIELDS = dict(ids='id', serial_numbers='serial_number', fingerprints_sha256='fingerprint_sha256', common_names='common_name')
# The guard's message names at most this many certificates (would_change lists every id).
GUARD_SHOWN = 20
FILTERS = ('common_name', 'status', 'issued_before', 'expires_within_days')
# At most this many ids alone are read one GET each; more cost fewer requests as list pages of 50.
GET_EACH_UP_TO = 10
ENTRY_FIELDS = ('id', 'serial_number', 'fingerprint_sha256', 'common_name', 'expires_on', 'status')


def _check_common_name(value, option):
    if not isinstance(value, str) or not value.strip():
        raise InputError('%s must hold common names (strings that are not blank), got %s' % (option, shorten(repr(value))))
    return value


class ReportedFailure(CloudflareError):
    """A failure with return values of its own, ``report``: the max_changes guard's (``would_change``, and ``guard`` in check mode)."""

    def __init__(self, message, report=None):
        super(ReportedFailure, self).__init__(message)
        self.report = report or {}


def describe(entry):
    """A certificate as a person can tell it: id, serial number and common name."""
    return '%s (serial %s, %s)' % (entry.get('id'), entry.get('serial_number') or 'unknown', entry.get('common_name') or 'no common name')


class ClientCertificates(CloudflareTask):
    argument_spec = dict(
        state=dict(type='str', required=True, choices=['revoked', 'present']),
        ids=dict(type='list', elements='str'),
        serial_numbers=dict(type='list', elements='str'),
        fingerprints_sha256=dict(type='list', elements='str'),
        common_names=dict(type='list', elements='str'),
        all=dict(type='bool', default=False),
        common_name=dict(type='str'),
        status=dict(type='str', choices=list(CLIENT_CERTIFICATE_STATUSES)),
        issued_before=dict(type='str'),
        expires_within_days=dict(type='int'),
        max_changes=dict(type='int', default=10),
        parallel=dict(type='int', default=8),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    selectors = LISTS + ('common_name', 'issued_before')
    option_checks = dict(ids=list_of(validate_id), serial_numbers=list_of(validate_serial),
                         fingerprints_sha256=list_of(validate_fingerprint), common_names=list_of(_check_common_name),
                         issued_before=check_moment,
                         expires_within_days=check_days, parallel=check_parallel)
    non_negative = ('wait_timeout', 'max_changes')

    def check_input(self):
        """The filters' moments: ``before`` (issued_before, or None) and ``now``, the time the filters compare with."""
        params = self.params
        if not params['all'] and not any(params.get(name) is not None for name in LISTS + FILTERS):
            raise InputError('nothing is selected: give ids, serial_numbers, fingerprints_sha256, common_names or a filter (common_name, '
                             'status, '
                             'issued_before, expires_within_days); to act on every client certificate of the zone, set all: true')
        if params['all'] and any(params.get(name) is not None for name in LISTS):
            raise InputError('all: true selects every client certificate; it cannot be combined with %s'
                             % ', '.join(name for name in LISTS if params.get(name) is not None))
        before = parse_moment(params['issued_before']) if params['issued_before'] is not None else None
        return dict(before=before, now=datetime.datetime.now(datetime.timezone.utc))

    # --- reading -------------------------------------------------------------------------------

    def read(self, given):
        """``selected``: the certificates selected; ``pool``: the worker pool (released by ``close()``, or here if the read fails);
        ``missing``: the list entries not found; ``matched_all``: (matched, of the zone's) when filters alone matched every
        certificate of the zone, else None."""
        # The run's budget (shared with the other processes of this controller that use the same credential and API):
        # the task's own reads and its workers' requests count against it.
        pool = WorkerPool(self.client, self.params['parallel'], self.client.budget)
        try:
            return dict(self._select(given, pool), pool=pool)
        except BaseException:
            pool.close()
            raise

    def _select(self, given, pool):
        params = self.params
        wanted = dict(ids=dict((value, value) for value in params['ids'] or []),
                      serial_numbers=dict((normalize_serial(value), value) for value in params['serial_numbers'] or []),
                      fingerprints_sha256=dict((normalize_fingerprint(value), value) for value in params['fingerprints_sha256'] or []),
                      common_names=dict((value, value) for value in params['common_names'] or []))
        found = dict((name, set()) for name in LISTS)
        listed = any(wanted.values())
        selected = []
        seen = 0
        if wanted['ids'] and len(wanted['ids']) <= GET_EACH_UP_TO and not any(wanted[name] for name in LISTS if name != 'ids'):
            answers = pool.map(lambda client, key: get_client_certificate(client, self.zone, key), list(wanted['ids']))
            for answer in answers:
                if isinstance(answer, Exception):
                    raise answer
            certificates = [item for item in answers if isinstance(item, dict)]
            pages = [certificates]
        else:
            pages = client_certificate_pages(self.client, self.zone, params['status'])
        for items in pages:
            seen += len(items)
            for item in items:
                keys = dict(ids=item.get('id'), serial_numbers=normalize_serial(item.get('serial_number')),
                            fingerprints_sha256=normalize_fingerprint(item.get('fingerprint_sha256')), common_names=item.get('common_name'))
                hits = [name for name in LISTS if keys[name] in wanted[name]]
                for name in hits:
                    found[name].add(keys[name])
                if (hits or not listed) and self._filtered_in(item, given):
                    selected.append(item)
            # Many certificates may share a common name: with common_names, every page is read.
            if listed and not wanted['common_names'] and all(len(found[name]) == len(wanted[name]) for name in LISTS):
                # Every listed certificate is found: the rest of the zone cannot be selected.
                break
        matched_all = None
        if not listed and not params['all'] and selected:
            # Filters alone: unless all: true, they must leave some certificate of the zone out.
            total = seen if params['status'] is None else self._zone_total()
            if len(selected) >= total:
                matched_all = (len(selected), total)
        missing = [(name, original) for name in LISTS for key, original in wanted[name].items() if key not in found[name]]
        if missing:
            self.module.warn('no client certificate in zone %s matches %s' % (
                self.zone, ', '.join('%s %s' % (name.rstrip('s').replace('_sha256', ' sha256'), value) for name, value in missing)))
        return dict(selected=selected, missing=missing, matched_all=matched_all)

    def _zone_total(self):
        """How many certificates the zone holds, whatever their status: one small page's total_count, else every page counted."""
        total = count_client_certificates(self.client, self.zone)
        if total is None:
            total = sum(len(items) for items in client_certificate_pages(self.client, self.zone))
        return total

    def _filtered_in(self, item, given):
        params = self.params
        if params['status'] is not None and item.get('status') != params['status']:
            return False
        pattern = params['common_name']
        if pattern is not None:
            name = item.get('common_name') or ''
            if any(char in pattern for char in '*?[') and not fnmatch.fnmatchcase(name, pattern):
                return False
            if not any(char in pattern for char in '*?[') and name != pattern:
                return False
        if given['before'] is not None:
            issued = parse_timestamp(item.get('issued_on'))
            if issued is None or issued >= given['before']:
                return False
        if params['expires_within_days'] is not None and not expires_within(item, params['expires_within_days'], now=given['now']):
            return False
        return True

    # --- the plan ------------------------------------------------------------------------------

    def plan(self, current):
        """The writes, and one entry per selected certificate as predicted; ``details``: ``entries`` (which ``apply()`` turns into the
        real outcome), ``pool``, and ``report``, what the max_changes guard says in check mode.

        A real run that the guard refuses fails with a ReportedFailure, which carries that report (the ids it would change)."""
        rules = STATUS_RULES[self.params['state']]
        matched_all = current['matched_all']
        if matched_all is not None:
            given = [name for name in FILTERS if self.params.get(name) is not None]
            raise CloudflareError(
                'the filters %s match every client certificate of zone %s (%d of %d); nothing was changed. Filters alone never '
                'select every certificate, as an empty selection never does: to act on all of them, set all: true (with the same '
                'filters), or narrow the filters' % (', '.join(given), self.zone, matched_all[0], matched_all[1]))
        entries = []
        writes = []
        for certificate in current['selected']:
            entry = dict((field, certificate.get(field)) for field in ENTRY_FIELDS)
            status = certificate.get('status')
            if status in rules['needs']:
                entry.update(outcome=rules['done'], status=rules['final'] if self.params['wait'] else rules['pending'])
                writes.append(rules['write'](self.client, self.zone, entry['id']))
            elif status in rules['already']:
                entry['outcome'] = rules['already_outcome']
                if self.params['wait'] and status == rules['pending']:
                    entry['status'] = rules['final']
            else:
                entry.update(outcome='failed', msg=status_refusal(self.params['state'], status, certificate.get('id')))
            entry['before'] = status
            entries.append(entry)
        changes = [entry for entry in entries if entry['outcome'] == rules['done']]
        report = {}
        if len(changes) > self.params['max_changes']:
            report['would_change'] = [entry['id'] for entry in changes]
            shown = ', '.join(describe(entry) for entry in changes[:GUARD_SHOWN])
            if len(changes) > GUARD_SHOWN:
                shown += ' and %d more (would_change lists every id)' % (len(changes) - GUARD_SHOWN)
            message = ('%d client certificates would be %s, more than max_changes (%d) allows. Raise max_changes to at least %d to '
                       'go ahead. They are: %s' % (len(changes), rules['done'], self.params['max_changes'], len(changes), shown))
            if not self.module.check_mode:
                raise ReportedFailure(message.replace(' allows. ', ' allows; nothing was changed. ', 1), report)
            # A preview is for seeing what a run would do: it lists every certificate, and says the run would be refused.
            report['guard'] = dict(msg=message, would_change=len(changes), max_changes=self.params['max_changes'])
            self.module.warn('a real run would be refused: %s' % message)
        # The plan's prediction; the entries themselves become the real outcome in apply().
        predicted = [dict(entry) for entry in entries]
        self.latest = predicted
        if self.module.check_mode:
            self._fail_if_any_failed(predicted, report)
        return Plan(writes=writes, after=predicted, entries=entries, pool=current['pool'], report=report)

    # --- applying ------------------------------------------------------------------------------

    def apply(self, plan):
        rules = STATUS_RULES[self.params['state']]
        entries = plan.details['entries']
        by_id = dict((entry['id'], entry) for entry in entries)
        for write in plan.writes:
            # Until its write says otherwise: nothing done yet.
            by_id[write.items[0]]['status'] = by_id[write.items[0]]['before']
        self.latest = entries
        # Each worker sends its writes with its own client; the run's Writer records every outcome.
        crashed = [error for error in plan.details['pool'].map(lambda client, write: self._change(client, write, by_id[write.items[0]], rules), plan.writes)
                   if error]
        if crashed:
            raise crashed[0]
        if self.params['wait']:
            self._wait(rules, entries)
        self._fail_if_any_failed(entries)
        return entries

    def _change(self, client, write, entry, rules):
        try:
            answer, by_this_run = self.write(write, client)
        except CloudflareError as error:
            entry.update(outcome='failed', msg=error.message)
            return
        if isinstance(answer, dict) and answer.get('status'):
            entry['status'] = answer['status']
        # Not by this run: someone else made the change meanwhile (a refused attempt whose read shows it done).
        entry['outcome'] = rules['done'] if by_this_run else rules['already_outcome']

    def _wait(self, rules, entries):
        """Poll the listing of the certificates still pending (50 a page), not each one: one that has left it is final."""
        waiting = dict((entry['id'], entry) for entry in entries
                       if entry['outcome'] != 'failed' and entry['status'] == rules['pending'])
        if not waiting:
            return

        def read_many(keys):
            still = set()
            for items in client_certificate_pages(self.client, self.zone, rules['pending']):
                still.update(item.get('id') for item in items if item.get('id') in waiting)
            for certificate_id in keys:
                if certificate_id not in still:
                    waiting[certificate_id]['status'] = rules['final']
            return dict((certificate_id, waiting[certificate_id]) for certificate_id in keys)

        # Every write's answer said pending: the first poll comes one interval later.
        wait = Wait('%d client certificates to become %s' % (len(waiting), rules['final']), None, lambda entry: entry['status'],
                    (rules['final'],), (rules['pending'],), read_many=read_many)
        wait.run(self.client, sorted(waiting), self.params['wait_timeout'], first=waiting)

    def _fail_if_any_failed(self, entries, report=None):
        failed = [entry for entry in entries if entry['outcome'] == 'failed']
        if failed:
            done = sum(1 for entry in entries if entry['outcome'] == STATUS_RULES[self.params['state']]['done'])
            raise ReportedFailure('%d of %d client certificates failed (%d %s%s): %s' % (
                len(failed), len(entries), done, STATUS_RULES[self.params['state']]['done'],
                ' in check mode' if self.module.check_mode else '',
                '; '.join(entry['msg'] for entry in failed[:5]) + ('; and %d more' % (len(failed) - 5) if len(failed) > 5 else '')), report)

    # --- returns -------------------------------------------------------------------------------

    def returns(self, state, outcome):
        # No state: the run failed before its plan had entries (latest is the plan's prediction, then the entries themselves).
        entries = state if state is not None else []
        shown = [dict(((key, value) for key, value in entry.items() if key != 'before'), changed=entry['id'] in outcome.items) for entry in entries]
        for name, value in outcome.current['missing'] if outcome.current is not None else ():
            item = dict.fromkeys(ENTRY_FIELDS)
            item[LIST_FIELDS[name]] = value
            item.update(outcome='not_found', changed=False)
            shown.append(item)
        rules = STATUS_RULES[self.params['state']]
        outcomes = (rules['done'], rules['already_outcome'], 'not_found', 'failed')
        result = dict(certificates=shown, summary=dict((outcome, sum(1 for item in shown if item['outcome'] == outcome)) for outcome in outcomes))
        if outcome.plan is not None:
            result.update(outcome.plan.details['report'])
        elif isinstance(outcome.failure, ReportedFailure):
            result.update(outcome.failure.report)
        return result

    def close(self, current):
        if current is not None:
            current['pool'].close()

    def diff(self, outcome, state):
        # Called with a plan, so with a state: the plan's prediction, then the entries themselves.
        entries = state
        moved = [entry for entry in entries if entry['id'] in outcome.items]

        def view(entry, status):
            return dict(serial_number=entry['serial_number'], common_name=entry['common_name'], status=status)
        return dict(before=dict((entry['id'], view(entry, entry['before'])) for entry in moved),
                    after=dict((entry['id'], view(entry, entry['status'])) for entry in moved))


def main():
    run(ClientCertificates)


if __name__ == '__main__':
    main()
