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
    100 hostnames), so a second run reads only. Cloudflare has no call that lists the associations of a zone or of a
    certificate, so each hostname is read on its own.
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
      - V(absent) removes the hostnames' associations (Cloudflare's C(enabled=null)).
    type: str
    choices: [enabled, disabled, absent]
    default: enabled
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
      - Seconds to wait with O(wait).
    type: int
    default: 900
notes:
  - Cloudflare allows at most 100 hostnames per certificate; a request beyond that is refused with Cloudflare's error.
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
      description: Whether this hostname's association changed (or would, in check mode).
      type: bool
      sample: true
    before:
      description:
        - The hostname's association before the run, or V(null) when it had none.
        - "Fields: C(hostname), C(cert_id), C(enabled), C(status), C(cert_status), C(certificate), C(issuer),
          C(serial_number), C(signature), C(expires_on), C(cert_uploaded_on), C(cert_updated_at), C(created_at),
          C(updated_at)."
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mtls.cloudflare.plugins.module_utils._api import (
    CloudflareClient, cloudflare_argument_spec, cloudflare_module_kwargs, fail_from_error,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_certificates import (
    ASSOCIATION_DIFF_FIELDS, TIMED_OUT, association_state, put_associations, read_association,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, validate_hostname, validate_id
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import wait_for

# Certificate fields an association repeats; unknown until Cloudflare answers for another certificate.
CERTIFICATE_FIELDS = ('cert_status', 'certificate', 'issuer', 'serial_number', 'signature', 'expires_on', 'cert_uploaded_on', 'cert_updated_at')


class HostnameAssociations(object):
    """Plan per hostname, one batched PUT, optional wait; ``result()`` also serves a failure."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = None
        self.entries = []
        self.applied = []

    def check_input(self):
        params = self.params
        hostnames = []
        for value in params['hostnames']:
            hostname = validate_hostname(value, 'hostnames')
            if hostname not in hostnames:
                hostnames.append(hostname)
        if not hostnames:
            raise InputError('hostnames must list at least one hostname')
        if params['certificate_id'] is not None:
            validate_id(params['certificate_id'], 'certificate_id')
        if params['wait_timeout'] < 0:
            raise InputError('wait_timeout must be 0 or more seconds, got %d' % params['wait_timeout'])
        self.entries = [dict(hostname=hostname, changed=False, before=None, after=None, config=None) for hostname in hostnames]

    def run(self):
        for entry in self.entries:
            current = read_association(self.client, entry['hostname'])
            entry['before'] = entry['after'] = current if association_state(current) != 'absent' else None
            entry['status'] = current.get('status')
            entry['config'] = self._wanted(current)
            if entry['status'] in TIMED_OUT:
                self.module.warn('Cloudflare reports %s for the association of %s' % (entry['status'], entry['hostname']))
            if entry['config'] is not None:
                entry['changed'] = True
                entry['after'] = self._predicted(current, entry['config'])
        config = [entry['config'] for entry in self.entries if entry['config'] is not None]
        if self.module.check_mode:
            return
        if config:
            answered = put_associations(self.client, config, self.applied)
            for entry in self.entries:
                if entry['changed'] and entry['hostname'] in answered:
                    answer = answered[entry['hostname']]
                    entry['after'] = answer if association_state(answer) != 'absent' else None
        if self.params['wait']:
            self._wait()

    def _wanted(self, current):
        """The PUT item that brings this hostname to the wanted state, or None when it is there."""
        state = self.params['state']
        certificate_id = self.params['certificate_id']
        now = association_state(current)
        if state == 'absent':
            if now == 'absent' or (certificate_id is not None and current['cert_id'] != certificate_id):
                return None
            # Cloudflare removes an association with enabled: null, naming the certificate it uses.
            return {'hostname': current['hostname'], 'cert_id': current['cert_id'], 'enabled': None}
        if now == state and current['cert_id'] == certificate_id:
            return None
        return {'hostname': current['hostname'], 'cert_id': certificate_id, 'enabled': state == 'enabled'}

    @staticmethod
    def _predicted(current, item):
        if item['enabled'] is None:
            return None
        predicted = dict(current, cert_id=item['cert_id'], enabled=item['enabled'], status='pending_deployment')
        if current.get('cert_id') != item['cert_id']:
            predicted.update(dict.fromkeys(CERTIFICATE_FIELDS))
        return predicted

    def _wait(self):
        removing = self.params['state'] == 'absent'
        if removing:
            waiting = [entry for entry in self.entries if entry['changed'] or entry['status'] == 'pending_deletion']
        else:
            # Every association that is not active yet, changed by this run or not: a timed-out one must fail the wait.
            waiting = [entry for entry in self.entries if (entry['after'] or {}).get('status') != 'active']
        latest = {}

        def done(association):
            if removing:
                return association_state(association) == 'absent' and association.get('status') != 'pending_deletion'
            return association.get('status') == 'active'

        def read():
            for entry in list(waiting):
                latest[entry['hostname']] = association = read_association(self.client, entry['hostname'])
                entry['after'] = association if association_state(association) != 'absent' else None
                if done(association):
                    waiting.remove(entry)
            return waiting

        def failure(pending):
            stuck = [entry['hostname'] for entry in pending if latest[entry['hostname']].get('status') in TIMED_OUT]
            if stuck:
                return ('Cloudflare reports %s for the association of %s; remove the association (state=absent) and create it again'
                        % (latest[stuck[0]]['status'], ', '.join(stuck)))
            return None

        def describe(pending):
            return ', '.join('%s: %s' % (entry['hostname'], latest[entry['hostname']].get('status') or 'none') for entry in pending)

        wanted = 'the associations to be removed' if removing else 'the associations to become active'
        wait_for(self.client, read, lambda pending: not pending, describe, wanted, self.params['wait_timeout'], failure)

    def result(self, error=None):
        entries = [dict((key, entry[key]) for key in ('hostname', 'changed', 'before', 'after')) for entry in self.entries]
        if not self.module.check_mode:
            # A failed run reports only what Cloudflare accepted (or may have, after a lost answer).
            accepted = set(self.applied)
            if error is not None and error.ambiguous and error.method == 'PUT':
                accepted.update(entry['hostname'] for entry in self.entries if entry['changed'])
            for entry in entries:
                if error is not None and entry['hostname'] not in accepted:
                    entry['changed'] = False
        result = dict(changed=any(entry['changed'] for entry in entries), hostnames=entries)
        if self.module._diff:
            moved = [entry for entry in entries if entry['changed']]
            result['diff'] = dict(before=dict((entry['hostname'], _diff_view(entry['before'])) for entry in moved),
                                  after=dict((entry['hostname'], _diff_view(entry['after'])) for entry in moved))
        return result


def _diff_view(association):
    if association is None:
        return {'state': 'absent'}
    return dict((field, association.get(field)) for field in ASSOCIATION_DIFF_FIELDS)


def main():
    argument_spec = cloudflare_argument_spec()
    argument_spec.update(
        hostnames=dict(type='list', elements='str', required=True),
        certificate_id=dict(type='str'),
        state=dict(type='str', default='enabled', choices=['enabled', 'disabled', 'absent']),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=900),
    )
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True,
        **cloudflare_module_kwargs(required_if=[['state', 'enabled', ['certificate_id']], ['state', 'disabled', ['certificate_id']]]))
    associations = HostnameAssociations(module)
    try:
        associations.check_input()
        associations.client = CloudflareClient(module)
        associations.run()
    except CloudflareError as error:
        fail_from_error(module, error, **associations.result(error))
    module.exit_json(**associations.result())


if __name__ == '__main__':
    main()
