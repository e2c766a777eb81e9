#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: hostname_association
short_description: Associate hostnames with a Cloudflare per-hostname Authenticated Origin Pulls certificate
version_added: 0.1.0
description:
  - Makes Cloudflare present a hostname certificate (see M(mtls.cloudflare.hostname_certificate)) to your origin for the
    given hostnames, stops presenting it, or removes the hostnames' associations.
  - Reads each hostname's association first and sends one request for all hostnames that differ (split into requests of
    100 hostnames), so a second run reads only.
  - With three hostnames or more, the associations are read from Cloudflare's list of the zone's associations (one request
    per 1000 associations, plus one for the certificate list), not one request per hostname; 50 hostnames take 2 reads
    instead of 51. Each poll of O(wait) reads the hostnames still waiting the same way. An API that does not serve that
    list (it answers HTTP 400, 404 or 405) is read one hostname at a time.
  - This is the step of a zero-downtime rotation that moves hostnames from the old certificate to the new one.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
attributes:
  check_mode:
    description: Reads every hostname, then reports what would change per hostname without sending the change.
    support: full
  diff_mode:
    description: Shows, for each hostname that changes, its certificate id, C(enabled) and status before and after.
    support: full
options:
  hostnames:
    description:
      - The hostnames to manage, inside the zone. A leading C(*.) label is allowed. Case and a trailing dot do not matter.
    type: list
    elements: str
    required: true
  certificate_id:
    description:
      - The id of the hostname certificate, as M(mtls.cloudflare.hostname_certificate) returns it.
      - Required with O(state=enabled) and O(state=disabled).
      - With O(state=absent), only associations with this certificate are removed; hostnames associated with another
        certificate are left alone. Without it, O(state=absent) removes whatever association each hostname has.
    type: str
  state:
    description:
      - V(enabled) associates each hostname with O(certificate_id) and has Cloudflare present it to the origin.
      - V(disabled) associates each hostname with O(certificate_id) but has Cloudflare not present it, even when zone-level
        Authenticated Origin Pulls is on.
      - V(absent) removes the hostnames' associations (Cloudflare's C(enabled=null)), enabled or disabled.
      - A hostname without an association reads as such whichever way Cloudflare answers for it (HTTP 404, fields that
        are null, or a status of V(pending_deletion) or V(deleted)).
    type: str
    choices: [enabled, disabled, absent]
    default: enabled
  parallel:
    description:
      - How many hostnames are read at a time when they are read one per request (fewer than three hostnames, or an API
        without the list of associations, and the reads of O(wait)), each worker with its own connection; they share one
        rate budget. V(1) reads them one after another.
    type: int
    default: 8
  wait:
    description:
      - Wait until every listed association is V(active) (O(state=enabled) or O(state=disabled)), or until the removed
        ones are gone (O(state=absent)).
      - Fails when Cloudflare reports V(deployment_timed_out) or V(deletion_timed_out), or when O(wait_timeout) passes.
      - Check mode never waits.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait), from V(0) to V(86400) (a day).
    type: int
    default: 900
notes:
  - Cloudflare allows at most 100 hostnames per certificate. A task that would put more on one certificate fails before
    sending anything; when Cloudflare refuses an association, the message counts the hostnames of the task on each
    certificate (hostnames outside the task may use it too; M(mtls.cloudflare.hostname_certificate_info) with
    O(mtls.cloudflare.hostname_certificate_info#module:all_associations=true) lists them where Cloudflare serves its list of associations).
seealso:
  - module: mtls.cloudflare.hostname_certificate
  - module: mtls.cloudflare.hostname_certificate_info
  - name: Per-hostname Authenticated Origin Pulls
    description: Cloudflare's documentation.
    link: https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/set-up/per-hostname/
'''

EXAMPLES = r'''
- name: Present the origin certificate for two hostnames and wait until Cloudflare deployed it
  mtls.cloudflare.hostname_association:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: [app.example.com, api.example.com]
    certificate_id: "{{ uploaded.hostname_certificate.id }}"
    state: enabled
    wait: true
  delegate_to: localhost

- name: Stop presenting it for api.example.com but keep the association
  mtls.cloudflare.hostname_association:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: [api.example.com]
    certificate_id: "{{ uploaded.hostname_certificate.id }}"
    state: disabled
  delegate_to: localhost

- name: Remove the associations of hostnames that still use the old certificate (others are left alone)
  mtls.cloudflare.hostname_association:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: "{{ origin_hostnames }}"
    certificate_id: "{{ old_certificate_id }}"
    state: absent
  delegate_to: localhost

- name: Show what would change, per hostname
  mtls.cloudflare.hostname_association:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: "{{ origin_hostnames }}"
    certificate_id: "{{ new_certificate_id }}"
  check_mode: true
  diff: true
  delegate_to: localhost
  register: planned

- name: List the hostnames that would move
  ansible.builtin.debug:
    msg: "{{ planned.hostnames | selectattr('changed') | map(attribute='hostname') | list }}"
'''

RETURN = r'''
hostnames:
  description: One entry per hostname of O(hostnames), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    hostname:
      description: The hostname, lowercase.
      type: str
      sample: app.example.com
    changed:
      description:
        - Whether this run changed this hostname's association (or would, in check mode).
        - A change someone else made meanwhile is not this run's (a write refused with HTTP 429 whose new read shows it).
      type: bool
      sample: true
    before:
      description:
        - The hostname's association before the run, or V(null) when it had none.
        - "Fields: C(hostname), C(cert_id), C(enabled), C(status), C(cert_status), C(certificate), C(issuer),
          C(serial_number), C(signature), C(expires_on), C(cert_uploaded_on), C(cert_updated_at), C(created_at),
          C(updated_at)."
        - Read from Cloudflare's list of associations (three hostnames or more), the certificate fields come from the
          certificate list and C(cert_updated_at) is V(null).
      type: dict
      sample: null
    after:
      description:
        - The hostname's association after the run (in check mode, as predicted), or V(null) when it has none.
        - The same fields as RV(hostnames[].before).
      type: dict
      sample:
        hostname: app.example.com
        cert_id: 2458ce5a0c354c7f82c78e9487d3ff60
        enabled: true
        status: active
        cert_status: active
        serial_number: "6743787633689793699141714808227354901"
        expires_on: "2100-01-01T05:20:00Z"
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import (
    ASSOCIATIONS_PER_CERTIFICATE, ASSOCIATION_DIFF_FIELDS, DEPLOYING, TIMED_OUT, UNKNOWN_CERTIFICATE, association_state, association_writes,
    associations_by_hostname, deployment_timed_out, read_associations, removal_state,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, Plan, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, check_parallel, validate_hostnames, validate_id
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import Wait

# Certificate fields an association repeats; unknown until Cloudflare answers for another certificate.
CERTIFICATE_FIELDS = ('cert_status', 'certificate', 'issuer', 'serial_number', 'signature', 'expires_on', 'cert_uploaded_on', 'cert_updated_at')


class HostnameAssociations(CloudflareTask):
    argument_spec = dict(
        hostnames=dict(type='list', elements='str', required=True),
        certificate_id=dict(type='str'),
        state=dict(type='str', default='enabled', choices=['enabled', 'disabled', 'absent']),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=900),
        parallel=dict(type='int', default=8),
    )
    rules = dict(required_if=[['state', 'enabled', ['certificate_id']], ['state', 'disabled', ['certificate_id']]])
    selectors = ('hostnames', 'certificate_id')
    option_checks = dict(hostnames=validate_hostnames, certificate_id=validate_id, parallel=check_parallel)
    non_negative = ('wait_timeout',)

    def check_input(self):
        # What a run that fails before its read returns: each hostname, with nothing known of it.
        self.latest = [dict(hostname=hostname, before=None, after=None, item=None, seen=None) for hostname in self.params['hostnames']]

    def read(self, given):
        """One entry per hostname: what was read of it (``seen``); the plan adds ``before``, ``after`` and its PUT ``item``."""
        hostnames = self.params['hostnames']
        seen = read_associations(self.client, self.zone, hostnames, self.params['parallel'], self.module.warn)
        entries = [dict(hostname=hostname, before=None, after=None, item=None, seen=association) for hostname, association in zip(hostnames, seen)]
        for entry in entries:
            if entry['seen'].get('status') in TIMED_OUT:
                self.module.warn('Cloudflare reports %s for the association of %s' % (entry['seen']['status'], entry['hostname']))
        # Returned also when a later step fails.
        self.latest = entries
        return entries

    def plan(self, current):
        for entry in current:
            seen = entry['seen']
            entry['before'] = entry['after'] = _present_or_none(seen)
            entry['item'] = self._wanted(seen)
            if entry['item'] is not None:
                entry['after'] = _predicted(seen, entry['item'])
        config = [entry['item'] for entry in current if entry['item'] is not None]
        for certificate_id, hostnames in _on_certificates(current).items():
            if len(hostnames) > ASSOCIATIONS_PER_CERTIFICATE and any(item['cert_id'] == certificate_id for item in config):
                figures = (len(hostnames), certificate_id, ASSOCIATIONS_PER_CERTIFICATE)
                raise InputError('this task would associate %d hostnames with certificate %s; Cloudflare allows at most %d per '
                                 'certificate: upload a second certificate for the others' % figures)
        return Plan(after=current, writes=association_writes(self.client, self.zone, config), entries=current)

    def _wanted(self, current):
        """The PUT item that brings this hostname to the wanted state, or None when it is there."""
        state, certificate_id = self.params['state'], self.params['certificate_id']
        now = association_state(current)
        if state == 'absent':
            # Strict: a disabled association (enabled false) is removed too.
            if now == 'absent' or (certificate_id is not None and current['cert_id'] != certificate_id):
                return None
            # Cloudflare removes an association with enabled: null, naming the certificate it uses.
            return {'hostname': current['hostname'], 'cert_id': current['cert_id'], 'enabled': None}
        if now == state and current['cert_id'] == certificate_id:
            return None
        return {'hostname': current['hostname'], 'cert_id': certificate_id, 'enabled': state == 'enabled'}

    def apply(self, plan):
        entries = plan.details['entries']
        by_hostname = dict((entry['hostname'], entry) for entry in entries)
        for write in plan.writes:
            try:
                answered = associations_by_hostname(self.write(write)[0])
            except CloudflareError as error:
                raise self._explain_refusal(error, write.body['config'], entries) if error.refused else error
            for item in write.body['config']:
                entry = by_hostname[item['hostname']]
                if item['hostname'] in answered:
                    entry['seen'] = dict(answered[item['hostname']], hostname=item['hostname'])
                    entry['after'] = _present_or_none(entry['seen'])
                    entry['answered'] = True
        if self.params['wait']:
            self._wait(entries)
        return entries

    def _explain_refusal(self, error, batch, entries):
        """A refused PUT may be the limit of 100 hostnames per certificate, whose error code is not known: count and say so."""
        adding = sorted(set(item['cert_id'] for item in batch if item['enabled'] is not None))
        # Not the limit: a refused credential, or a certificate Cloudflare does not know (1415).
        if not adding or error.denied or error.status == 404 or UNKNOWN_CERTIFICATE in error.codes:
            return error
        counts = _on_certificates(entries)
        figures = ', '.join('%d on %s' % (len(counts.get(certificate_id, [])), certificate_id) for certificate_id in adding)
        return error.restated(
            'Cloudflare refused the associations. If the certificate already has hostnames outside this task, it may be at its '
            'limit of %d associations per certificate: this task puts %s; list the others with '
            'mtls.cloudflare.hostname_certificate_info and all_associations: true (or read candidates with hostnames). %s'
            % (ASSOCIATIONS_PER_CERTIFICATE, figures, error.message))

    def _wait(self, entries):
        removing = self.params['state'] == 'absent'
        if removing:
            keys = [entry['hostname'] for entry in entries if entry['item'] is not None or entry['seen'].get('status') == 'pending_deletion']
        else:
            # Every association that is not active yet, changed by this run or not: a timed-out one must fail the wait.
            keys = [entry['hostname'] for entry in entries if entry['seen'].get('status') != 'active' or entry['item'] is not None]
        by_hostname = dict((entry['hostname'], entry) for entry in entries)

        def read_many(hostnames):
            # Three hostnames or more from the zone's list of associations (one request per 1000, plus the certificate
            # list), not one GET each at every poll; fewer, or an API without the list, one GET each (parallel at a time).
            found = dict(zip(hostnames, read_associations(self.client, self.zone, hostnames, self.params['parallel'], self.module.warn)))
            for hostname, association in found.items():
                by_hostname[hostname]['seen'] = association
                by_hostname[hostname]['after'] = _present_or_none(association)
            return found

        def state_of(association):
            # The wanted certificate and enabled flag as well as the status: a hostname moved to another
            # certificate, or disabled, meanwhile has not reached what this task asked for.
            if removing:
                entry = by_hostname[association['hostname']]
                removed = (entry['item'] or entry['before'] or {}).get('cert_id') or self.params['certificate_id']
                # After this run's enabled: null, enabled false on the removed certificate counts as removed too
                # (removal_state): the wait ends even if Cloudflare shows a removed association as a disabled one.
                if removal_state(association) == 'absent':
                    return 'pending_deletion' if association.get('status') == 'pending_deletion' else 'absent'
                if association.get('cert_id') != removed:
                    return 'on certificate %s' % association.get('cert_id')
                return association.get('status') or 'unknown'
            if association_state(association) == 'absent':
                return 'absent'
            if association.get('cert_id') != self.params['certificate_id']:
                return 'on certificate %s' % association.get('cert_id')
            if association_state(association) != self.params['state']:
                return association_state(association)
            return association.get('status') or 'unknown'

        if removing:
            wait = Wait('the associations to be removed', None, state_of, ('absent',), ('pending_deletion', 'active', 'deleted'),
                        read_many=read_many)
        else:
            wait = Wait('the associations to become active', None, state_of, ('active',), DEPLOYING, {
                'deployment_timed_out': deployment_timed_out('the association of %s', 'remove the association', 'create it')},
                read_many=read_many)
        # Start from what was read or what the PUT answered; a hostname the answer left out is read first.
        first = dict((key, by_hostname[key]['seen']) for key in keys if by_hostname[key]['item'] is None or by_hostname[key].get('answered'))
        wait.run(self.client, keys, self.params['wait_timeout'], first=first)

    def returns(self, state, outcome):
        return dict(hostnames=[dict(hostname=entry['hostname'], changed=entry['hostname'] in outcome.items, before=entry['before'],
                                    after=entry['after']) for entry in state or []])

    def diff(self, outcome, state):
        moved = [entry for entry in state or [] if entry['hostname'] in outcome.items]
        return dict(before=dict((entry['hostname'], _diff_view(entry['before'])) for entry in moved),
                    after=dict((entry['hostname'], _diff_view(entry['after'])) for entry in moved))


def _on_certificates(entries):
    """The hostnames of ``entries`` on each certificate once their changes are made (``after``, read or predicted)."""
    counts = {}
    for entry in entries:
        after = entry['after']
        if after is not None and after.get('cert_id') and after.get('enabled') is not None:
            counts.setdefault(after['cert_id'], []).append(entry['hostname'])
    return counts


def _diff_view(association):
    if association is None:
        return {'state': 'absent'}
    return dict((field, association.get(field)) for field in ASSOCIATION_DIFF_FIELDS)


def _present_or_none(association):
    return association if association_state(association) != 'absent' else None


def _predicted(current, item):
    if item['enabled'] is None:
        return None
    predicted = dict(current, cert_id=item['cert_id'], enabled=item['enabled'], status='pending_deployment')
    if current.get('cert_id') != item['cert_id']:
        predicted.update(dict.fromkeys(CERTIFICATE_FIELDS))
    return predicted


def main():
    run(HostnameAssociations)


if __name__ == '__main__':
    main()
