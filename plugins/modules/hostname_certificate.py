#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: hostname_certificate
short_description: Upload or delete Cloudflare per-hostname Authenticated Origin Pulls certificates
version_added: 0.1.0
description:
  - Uploads a client certificate and its private key that Cloudflare presents to your origin for chosen hostnames
    (per-hostname Authenticated Origin Pulls), or deletes one safely.
  - With O(state=present) an upload of the same certificate that is already there is adopted, so a second run changes
    nothing. Certificates are compared by their first (leaf) C(CERTIFICATE) block after normalising whitespace and line
    endings, because Cloudflare stores only the leaf of an uploaded bundle.
  - With O(state=absent) the certificate is deleted. Cloudflare refuses to delete a certificate that hostnames are still
    associated with; O(detach_hostnames) removes those associations first, in one request, and O(detach_all) finds every
    hostname on the certificate from Cloudflare's list of associations and removes those.
  - Associate hostnames with a certificate with M(mtls.cloudflare.hostname_association).
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
attributes:
  check_mode:
    description: Reads, then reports what would change and the predicted certificate, without sending any change.
    support: full
  diff_mode:
    description: Shows the certificate's id, status, serial number and expiry before and after; never the private key.
    support: full
options:
  state:
    description:
      - V(present) uploads the certificate unless the zone already has it.
      - V(absent) deletes the selected certificate; a certificate that is missing, V(deleted) or already
        V(pending_deletion) is left alone.
      - With V(present), a copy of the same certificate that is still V(pending_deletion) is not adopted; Cloudflare
        refuses the upload (code 1406) until the deletion completed (about 10 s), so the module sends the upload again
        until Cloudflare takes it, within the wait budget (O(wait_timeout) with O(wait), else O(api_max_wait)).
      - A certificate in V(deployment_timed_out) fails O(state=present) (delete it and upload it again); one in
        V(deletion_timed_out) gets the DELETE again with O(state=absent).
    type: str
    choices: [present, absent]
    default: present
  certificate:
    description:
      - The certificate, PEM. A bundle may follow the leaf with its chain; Cloudflare keeps the leaf, and the leaf is what
        the module compares.
      - Required with O(state=present). With O(state=absent) it selects the certificate to delete.
      - Mutually exclusive with O(id) and O(serial_number).
    type: str
  private_key:
    description:
      - The unencrypted private key of O(certificate), PEM. Required with O(state=present); ignored with O(state=absent).
      - The module only checks that it is a PEM private key. Whether it matches the certificate is checked by
        Cloudflare, which refuses the upload when it does not; that error is reported as it is.
      - Never returned, never shown in a diff and never quoted in a message.
    type: str
  id:
    description:
      - Selects the certificate to delete by its id (O(state=absent) only).
    type: str
  serial_number:
    description:
      - Selects the certificate to delete by its serial number (O(state=absent) only), as Cloudflare prints it (decimal)
        or as C(openssl x509 -serial) prints it (hex); colons, case and leading zeros do not matter.
      - When several certificates match, the module fails and lists them.
    type: str
  detach_hostnames:
    description:
      - With O(state=absent), hostnames whose association with this certificate is removed before the DELETE, in one
        request with C(enabled=null).
      - Each hostname's association is read first; a hostname associated with another certificate, or with none, is left
        alone and reported in RV(hostnames_not_detached).
      - With three hostnames or more their associations are read from Cloudflare's list of the zone's associations (one
        request per 1000 associations plus one for the certificate list), else, or when the API does not serve that list
        (HTTP 400, 404 or 405), one request per hostname.
      - To detach every hostname on the certificate without listing them, use O(detach_all).
      - Mutually exclusive with O(detach_all).
    type: list
    elements: str
  detach_all:
    description:
      - With O(state=absent), remove the association of every hostname that is on this certificate (enabled or disabled)
        before the DELETE, in one request per 100 hostnames.
      - The hostnames are found in Cloudflare's list of the zone's associations (C(GET /zones/{zone_id}/origin_tls_client_auth/hostnames)
        with C(status=all), one request per 1000 associations, plus one for the certificate list). An API that does not
        serve that list (it answers HTTP 400, 404 or 405) cannot say which hostnames use the certificate; the module then
        fails, naming this option and changing nothing, and the hostnames must be given in O(detach_hostnames).
      - Check mode and diff mode show the hostnames that would be detached (RV(detached_hostnames), C(associated_hostnames)).
      - Mutually exclusive with O(detach_hostnames).
    type: bool
    default: false
  wait:
    description:
      - Wait until the certificate is V(active) (O(state=present)) or deleted (O(state=absent)).
      - Fails when Cloudflare reports V(deployment_timed_out) or V(deletion_timed_out), or when O(wait_timeout) passes.
      - Check mode never waits.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait), from V(0) to V(86400) (a day). Deployment and deletion usually take a few minutes.
      - With O(wait), also the budget for waiting out Cloudflare's refusals that clear by themselves (a DELETE while the
        certificate is still V(pending_deployment), code 1434; an upload while its old copy is V(pending_deletion), code
        1406); without O(wait), O(api_max_wait) bounds those.
    type: int
    default: 900
notes:
  - Cloudflare allows 10 hostname certificates per zone; an upload beyond that fails with a message that says so.
  - "A run that loses Cloudflare's answer to an upload or a DELETE reads the state again to decide what happened: it never
    uploads twice, and reports a change only when one happened."
seealso:
  - module: mtls.cloudflare.hostname_association
  - module: mtls.cloudflare.hostname_certificate_info
  - name: Per-hostname Authenticated Origin Pulls
    description: Cloudflare's documentation.
    link: https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/set-up/per-hostname/
'''

EXAMPLES = r'''
- name: Upload the origin client certificate
  mtls.cloudflare.hostname_certificate:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    certificate: "{{ lookup('ansible.builtin.file', 'origin-2025.pem') }}"
    private_key: "{{ lookup('ansible.builtin.file', 'origin-2025.key') }}"
    wait: true
  delegate_to: localhost
  register: uploaded

- name: Delete a certificate by serial number, detaching its hostnames first
  mtls.cloudflare.hostname_certificate:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    api_token: "{{ cloudflare_api_token }}"
    serial_number: "6743787633689793699141714808227354901"
    state: absent
    detach_hostnames: [app.example.com, api.example.com]
  delegate_to: localhost

- name: Delete a certificate, detaching every hostname on it (found in Cloudflare's list of associations)
  mtls.cloudflare.hostname_certificate:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    api_token: "{{ cloudflare_api_token }}"
    id: 2458ce5a0c354c7f82c78e9487d3ff60
    state: absent
    detach_all: true
  delegate_to: localhost

# Zero-downtime rotation: the hostnames move to the new certificate before the old one goes.
- name: Rotate the origin client certificate of app.example.com and api.example.com
  module_defaults:
    group/mtls.cloudflare.all:
      api_token: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
      zone: example.com
  delegate_to: localhost
  block:
    - name: Upload the new certificate and wait until Cloudflare deployed it
      mtls.cloudflare.hostname_certificate:
        certificate: "{{ lookup('ansible.builtin.file', 'origin-2026.pem') }}"
        private_key: "{{ lookup('ansible.builtin.file', 'origin-2026.key') }}"
        wait: true
      register: new_certificate

    - name: Point the hostnames at the new certificate and wait until the associations are active
      mtls.cloudflare.hostname_association:
        hostnames: [app.example.com, api.example.com]
        certificate_id: "{{ new_certificate.hostname_certificate.id }}"
        state: enabled
        wait: true

    - name: Delete the old certificate (detaching any listed hostname still on it) and wait until it is gone
      mtls.cloudflare.hostname_certificate:
        certificate: "{{ lookup('ansible.builtin.file', 'origin-2025.pem') }}"
        state: absent
        detach_hostnames: [app.example.com, api.example.com]
        wait: true
'''

RETURN = r'''
hostname_certificate:
  description:
    - The certificate as Cloudflare reports it after the run (in check mode, as predicted), or V(null) when no
      certificate matched O(state=absent). Never includes the private key.
  returned: always
  type: dict
  contains:
    id:
      description: The certificate's id (V(null) for an upload predicted in check mode).
      type: str
      sample: 2458ce5a0c354c7f82c78e9487d3ff60
    status:
      description:
        - V(initializing), V(pending_deployment), V(active), V(pending_deletion), V(deleted),
          V(deployment_timed_out) or V(deletion_timed_out).
      type: str
      sample: active
    certificate:
      description:
        - The leaf certificate Cloudflare stores, PEM.
        - Left out when the module fails, so that the failure message is not pages of PEM.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIIDmDCCAoC...\n-----END CERTIFICATE-----\n"
    serial_number:
      description: The serial number as Cloudflare prints it.
      type: str
      sample: "6743787633689793699141714808227354901"
    issuer:
      description: The issuer.
      type: str
      sample: GlobalSign
    signature:
      description: The signature algorithm.
      type: str
      sample: SHA256WithRSA
    expires_on:
      description: When the certificate expires (ISO 8601).
      type: str
      sample: "2100-01-01T05:20:00Z"
    uploaded_on:
      description: When the certificate was uploaded (ISO 8601).
      type: str
      sample: "2019-10-28T18:11:23.37411Z"
detached_hostnames:
  description:
    - The hostnames of O(detach_hostnames), or with O(detach_all) every hostname on the certificate, whose association with
      the certificate was removed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [app.example.com]
hostnames_not_detached:
  description:
    - The hostnames of O(detach_hostnames) that were left alone because they are not associated with this certificate.
  returned: always
  type: list
  elements: dict
  contains:
    hostname:
      description: The hostname.
      type: str
      sample: api.example.com
    cert_id:
      description: The id of the certificate the hostname is associated with, or V(null) when it has no association.
      type: str
      sample: 7e7b8deba8538af625850b7b2530034c
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import (
    ALREADY_EXISTS, DEPLOYING, HOSTNAME_CERTIFICATE_LIMIT, IN_USE, PENDING_DEPLOYMENT, association_state, association_writes,
    certificate_diff_view, certificate_leaf, check_private_key, delete_write, deployment_timed_out, find_by_leaf, get_hostname_certificate,
    is_gone, list_associations, list_hostname_certificates, read_associations, same_leaf, serial_matches, shape_hostname_certificate,
    upload_write,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, Plan, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, validate_hostnames, validate_id, validate_serial
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import Wait, poll_intervals

NOT_USABLE = {
    'pending_deletion': 'is pending_deletion: Cloudflare refuses to upload it again until the deletion completes; run again once it '
                        'is deleted (state=absent with wait=true waits for that)',
    'deletion_timed_out': 'is in deletion_timed_out: an earlier deletion did not complete; delete it again (state=absent), then upload it',
}


class HostnameCertificate(CloudflareTask):
    argument_spec = dict(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        certificate=dict(type='str'),
        private_key=dict(type='str', no_log=True),
        id=dict(type='str'),
        serial_number=dict(type='str'),
        detach_hostnames=dict(type='list', elements='str'),
        detach_all=dict(type='bool', default=False),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=900),
    )
    rules = dict(mutually_exclusive=[['id', 'serial_number', 'certificate'], ['detach_hostnames', 'detach_all']],
                 required_if=[['state', 'present', ['certificate', 'private_key']],
                              ['state', 'absent', ['id', 'serial_number', 'certificate'], True]])
    selectors = ('id', 'serial_number', 'certificate')
    option_checks = dict(id=validate_id, serial_number=validate_serial, detach_hostnames=validate_hostnames)
    non_negative = ('wait_timeout',)

    def check_input(self):
        """The leaf of the certificate option (None without one)."""
        params = self.params
        leaf = None
        if params['certificate'] is not None:
            if 'PRIVATE KEY-----' in params['certificate']:
                # A key pasted into the wrong option is a secret all the same: never echoed, not even in invocation.
                self.module.no_log_values.add(params['certificate'])
            leaf = certificate_leaf(params['certificate'])
        if params['state'] == 'present':
            check_private_key(params['private_key'])
            if params['detach_hostnames']:
                raise InputError('detach_hostnames only applies to state=absent; use mtls.cloudflare.hostname_association to change associations')
            if params['detach_all']:
                raise InputError('detach_all only applies to state=absent; use mtls.cloudflare.hostname_association to change associations')
        return leaf

    # --- read and plan ---------------------------------------------------------------------------

    def read(self, given):
        """The certificate, and what else was read with it: the zone's certificates (state=present), and of the hostnames to
        detach those associated with it (PUT items) and those that are not; ``leaf``: ``given``, the certificate option's leaf."""
        seen = dict(listing=None, detach=[], not_detached=[], leaf=given)
        if self.params['state'] == 'present':
            seen['listing'] = list_hostname_certificates(self.client, self.zone)
            self.latest = seen['certificate'] = find_by_leaf(seen['listing'], given)
            return seen
        self.latest = seen['certificate'] = target = self._select(given)
        if target is not None and shape_hostname_certificate(target)['status'] not in ('deleted', 'pending_deletion'):
            seen['detach'], seen['not_detached'] = self._read_detach(shape_hostname_certificate(target)['id'])
        return seen

    def _select(self, leaf):
        params = self.params
        if params['id'] is not None:
            return get_hostname_certificate(self.client, self.zone, params['id'])
        listing = list_hostname_certificates(self.client, self.zone)
        if params['serial_number'] is not None:
            matches = [item for item in listing if serial_matches(item.get('serial_number'), params['serial_number'])]
        else:
            matches = [item for item in listing if same_leaf(item, leaf)]
        live = [item for item in matches if not is_gone(item)]
        if len(live) > 1:
            selector = 'serial_number %s' % params['serial_number'] if params['serial_number'] is not None else 'certificate'
            candidates = ', '.join('%(id)s (%(status)s)' % shape_hostname_certificate(item) for item in live)
            raise CloudflareError('%s matches several hostname certificates: %s; select one by id' % (selector, candidates))
        return (live or matches or [None])[0]

    def _read_detach(self, certificate_id):
        """(detach, not detached): each hostname of detach_hostnames read (or, with detach_all, the zone's listed); only those on
        this certificate are detached."""
        detach, not_detached = [], []
        if self.params['detach_all']:
            listed = list_associations(self.client, self.zone)
            if listed is None:
                raise CloudflareError(
                    'detach_all needs Cloudflare\'s list of the zone\'s associations (GET /zones/{zone_id}/origin_tls_client_auth/hostnames), '
                    'and this API does not serve it (HTTP 400, 404 or 405), so the hostnames on hostname certificate %s cannot be found. '
                    'Nothing was changed; list them in detach_hostnames instead' % certificate_id)
            for hostname in sorted(listed):
                association = listed[hostname]
                if association_state(association) != 'absent' and association.get('cert_id') == certificate_id:
                    detach.append({'hostname': association.get('hostname') or hostname, 'cert_id': certificate_id, 'enabled': None})
            return detach, not_detached
        hostnames = self.params['detach_hostnames'] or []
        for hostname, association in zip(hostnames, read_associations(self.client, self.zone, hostnames)):
            current = association['cert_id'] if association_state(association) != 'absent' else None
            if current == certificate_id:
                detach.append({'hostname': hostname, 'cert_id': certificate_id, 'enabled': None})
            else:
                not_detached.append({'hostname': hostname, 'cert_id': current})
        return detach, not_detached

    def plan(self, current):
        wait, params = self.params['wait'], self.params
        details = dict(listing=current['listing'], detach=current['detach'], not_detached=current['not_detached'])
        before = shape_hostname_certificate(current['certificate']) if current['certificate'] is not None else None
        if params['state'] == 'present':
            if before is None or before['status'] == 'pending_deletion':
                # A copy on its way out is not adopted: the upload goes again once Cloudflare accepts it (_upload).
                copies = {}
                upload = upload_write(self.client, self.zone, current['leaf'], params['certificate'], params['private_key'], seen=copies)
                return Plan(before, dict(shape_hostname_certificate({}), certificate=current['leaf'], status='active' if wait else 'pending_deployment'),
                            [upload], copies=copies, **details)
            self._usable(before)
            return Plan(before, dict(before, status='active') if wait and before['status'] in DEPLOYING else before, **details)
        if before is None or before['status'] == 'deleted':
            return Plan(before, before, **details)
        if before['status'] == 'pending_deletion':
            return Plan(before, dict(before, status='deleted') if wait else before, **details)
        before = dict(before, associated_hostnames=[item['hostname'] for item in current['detach']])
        writes = association_writes(self.client, self.zone, current['detach']) + [delete_write(self.client, self.zone, before['id'])]
        return Plan(before, dict(before, status='deleted' if wait else 'pending_deletion', associated_hostnames=[]), writes, **details)

    def _usable(self, shaped):
        if shaped['status'] == 'deployment_timed_out':
            raise CloudflareError(_deployment_timed_out('hostname certificate %s (the same certificate)' % shaped['id']))
        reason = NOT_USABLE.get(shaped['status'])
        if reason:
            raise CloudflareError('hostname certificate %s (the same certificate) %s' % (shaped['id'], reason))

    # --- apply -----------------------------------------------------------------------------------

    def apply(self, plan):
        # The plan's writes in order: the upload (POST); or the PUTs that detach hostnames, then the DELETE.
        for write in plan.writes:
            if write.method == 'POST':
                self._upload(write, plan)
            elif write.method == 'PUT':
                self.write(write)
            else:
                self._delete(write, plan)
        after = shape_hostname_certificate(self.latest) if self.latest is not None else None
        if self.params['wait'] and after is not None:
            after = self._wait_active(after['id']) if self.params['state'] == 'present' else self._wait_deleted(after['id'])
        return after

    def _upload(self, write, plan):
        seen = plan.details['copies']
        # A 1406 clears by itself only while the copy it is about is on its way out: the read after it shows that.
        try:
            uploaded, _by_this_run = self._until_accepted(
                self.client, lambda client: self.write(write, client),
                lambda error: ALREADY_EXISTS in error.codes and shape_hostname_certificate(seen.get('copy'))['status'] == 'pending_deletion',
                'Cloudflare refuses the upload (1406) while the deleted copy of this certificate is still pending_deletion (this '
                'usually clears in about 10 s)')
        except CloudflareError as error:
            live = [shape_hostname_certificate(item) for item in plan.details['listing'] if not is_gone(item)]
            if error.refused and len(live) >= HOSTNAME_CERTIFICATE_LIMIT:
                raise error.restated(
                    'Cloudflare refused the upload, and the zone holds %d hostname certificates, its limit (%d per zone): %s. '
                    'Delete one that no hostname uses first (mtls.cloudflare.hostname_certificate with state=absent). %s'
                    % (len(live), HOSTNAME_CERTIFICATE_LIMIT, ', '.join('%(id)s %(status)s' % item for item in live), error.message))
            raise
        self.latest = uploaded
        self._usable(shape_hostname_certificate(uploaded))

    def _delete(self, write, plan):
        certificate_id = plan.before['id']
        try:
            deleted, by_this_run = self._until_accepted(
                self.client, lambda client: self.write(write, client), lambda error: PENDING_DEPLOYMENT in error.codes,
                'Cloudflare refuses to delete hostname certificate %s (1434) while it is still pending_deployment; it deletes '
                'it once the deployment completed (usually a few minutes)' % certificate_id)
        except CloudflareError as error:
            # Associations explain a refused DELETE (1433, or a refusal without any code); a token that may not delete,
            # or any other code, does not.
            if error.refused and not error.denied and (IN_USE in error.codes or not error.codes):
                raise error.restated(self._refusal_message(certificate_id, error, plan.details['detach']))
            raise
        shaped = shape_hostname_certificate(deleted) if isinstance(deleted, dict) and (deleted.get('id') or deleted.get('cert_id')) else None
        self.latest = shaped or dict(shape_hostname_certificate(self.latest), status='deleted' if deleted is None or not by_this_run
                                     else 'pending_deletion')

    def _until_accepted(self, client, send, clears, refusal):
        """``send(client)``, sent again while Cloudflare refuses it with a refusal that clears by itself (``clears(error)``).

        ``client`` sends it, times the wait and, without wait: true, counts it. The wait is bounded
        by wait_timeout with wait: true, else by what is left of the client's api_max_wait (the wait
        then counts against it, as its retries' waits do); past it, the refusal fails with
        ``refusal`` and what to do.
        """
        if self.params['wait']:
            budget, option = float(self.params['wait_timeout']), 'wait_timeout'
        else:
            budget, option = max(0.0, client.max_wait - client.waited), 'api_max_wait'
        deadline = client.clock() + budget
        intervals = poll_intervals()
        warned = False
        while True:
            try:
                return send(client)
            except CloudflareError as error:
                if not error.refused or not clears(error):
                    raise
                remaining = deadline - client.clock()
                if remaining <= 0:
                    raise error.restated('%s, and it still did after %.0f s of waiting (%s). Run the task again later, or give it a '
                                         'longer budget (wait: true with a larger wait_timeout, or a larger api_max_wait). %s'
                                         % (refusal, budget, option, error.message)) from None
                if not warned:
                    self.module.warn('%s; sending it again for up to %.0f s (%s)' % (refusal, remaining, option))
                    warned = True
                delay = min(next(intervals), remaining)
                if self.params['wait']:
                    client.sleep(delay)
                else:
                    client.wait_within_budget(delay)

    def _refusal_message(self, certificate_id, error, detach):
        if IN_USE in error.codes:
            text = ('Cloudflare refused to delete hostname certificate %s because hostnames are still associated with it (1433: '
                    'in use; Cloudflare deletes a certificate only once no association uses it)' % certificate_id)
        else:
            text = ('Cloudflare refused to delete hostname certificate %s, most likely because hostnames are still associated with '
                    'it (Cloudflare deletes a certificate only once no association uses it)' % certificate_id)
        if self.params['detach_all']:
            text += ('; detach_all detached %s first, so hostnames were associated with it after the list was read: run the task again'
                     % (', '.join(item['hostname'] for item in detach) or 'none'))
        elif detach:
            text += ('; %s were detached first, so other hostnames must still use it: add them to detach_hostnames'
                     % ', '.join(item['hostname'] for item in detach))
        elif self.params['detach_hostnames']:
            text += '; none of detach_hostnames is associated with it: list the hostnames that are in detach_hostnames'
        else:
            text += '; list those hostnames in detach_hostnames to detach them before the delete'
        return (text + ' (or remove them with mtls.cloudflare.hostname_association state=absent), then run the task again to '
                'delete it. ' + error.message)

    def _wait_active(self, certificate_id):
        return self._wait(certificate_id, 'hostname certificate %s to become active' % certificate_id, ('active',), DEPLOYING, {
            'deployment_timed_out': _deployment_timed_out('hostname certificate %s')})

    def _wait_deleted(self, certificate_id):
        return self._wait(certificate_id, 'hostname certificate %s to be deleted' % certificate_id, ('deleted',), ('pending_deletion',), {
            'deletion_timed_out': 'Cloudflare could not delete hostname certificate %s (status deletion_timed_out); run the task again '
                                  'to send the DELETE again'})

    def _wait(self, certificate_id, what, wanted, passing, failed):
        def read(key):
            current = get_hostname_certificate(self.client, self.zone, key)
            self.latest = shape_hostname_certificate(current) if current is not None else dict(self.latest, status='deleted')
            return self.latest

        first = {certificate_id: shape_hostname_certificate(self.latest)}
        wait = Wait(what, read, lambda current: current['status'], wanted, passing, failed, name_keys=False)
        return wait.run(self.client, [certificate_id], self.params['wait_timeout'], first=first)[certificate_id]

    # --- returns ---------------------------------------------------------------------------------

    def returns(self, state, outcome):
        details = outcome.plan.details if outcome.plan is not None else dict(detach=[], not_detached=[])
        # Detached: the hostnames whose PUT this run applied (in check mode, would send).
        detached = [item['hostname'] for item in details['detach'] if item['hostname'] in outcome.items]
        certificate = shape_hostname_certificate(state) if state is not None else None
        return dict(hostname_certificate=certificate, detached_hostnames=detached, hostnames_not_detached=list(details['not_detached']))

    def diff_view(self, state):
        view = certificate_diff_view(shape_hostname_certificate(state) if state is not None else None)
        if self.params['state'] == 'absent' and (self.params['detach_hostnames'] or self.params['detach_all']) and state is not None:
            # Of detach_hostnames (or every hostname, with detach_all), those associated with the certificate: what the delete detaches.
            view['associated_hostnames'] = list(state.get('associated_hostnames') or [])
        return view


def _deployment_timed_out(what):
    return deployment_timed_out(what, 'delete it', 'upload it')


def main():
    run(HostnameCertificate)


if __name__ == '__main__':
    main()
