#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: client_certificate
short_description: Issue, revoke and reactivate Cloudflare API Shield mTLS client certificates
version_added: 0.1.0
description:
  - Issues an API Shield mTLS client certificate from a certificate signing request (CSR), signed by the
    Cloudflare Managed CA of the zone; revokes one; or reactivates one whose revocation has not completed yet.
  - "A client certificate has one of four statuses. V(active): clients can present it. V(pending_revocation): a revocation
    was asked for and Cloudflare is processing it, usually for a few minutes; during this time the revocation can still
    be undone (the reactivation window). V(revoked): the revocation has completed; it is final, but the certificate stays
    listed and readable. V(pending_reactivation): a revocation was undone and the certificate is on its way back to V(active)."
  - The module selects a certificate by O(id), O(serial_number), O(fingerprint_sha256) or O(csr). Cloudflare cannot search
    by serial number, fingerprint or CSR, so the module lists the zone's certificates 50 at a time and stops at the end of
    the first page with a match. Several matches on that page make the task fail and list them; select one by O(id) then.
  - With O(state=revoked), an V(active) certificate is revoked; one that is V(pending_revocation) or V(revoked) is left as it is.
    A V(pending_reactivation) certificate cannot be revoked until its reactivation has settled, so the task fails and says so,
    unless O(wait=true), in which case the module waits until the certificate is V(active) again and then revokes it.
    A selection that matches no certificate fails, so that a mistyped id is never reported as revoked.
  - With O(state=present) and O(csr), a certificate issued from the same CSR that is not revoked is adopted, else a new one is
    issued. Revoked certificates issued from the CSR are ignored. An adopted certificate that is V(pending_revocation) is
    reactivated.
  - With O(state=present) and O(id), O(serial_number) or O(fingerprint_sha256), an V(active) or V(pending_reactivation)
    certificate is left as it is; a V(pending_revocation) one is reactivated; a V(revoked) one makes the task fail, because a
    completed revocation cannot be undone (issue a new certificate from a CSR instead).
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
attributes:
  check_mode:
    description:
      - Check mode sends no change to Cloudflare, reads the same way as a real run and returns the C(changed) and the
        certificate a real run would return. It does not wait; it returns the status a real run would have waited for.
      - A certificate that would be issued is returned with the subject read from the CSR, status V(active), and no
        O(id), serial number or PEM yet.
    support: full
  diff_mode:
    description: Shows the certificate's id, subject common name, serial number, validity and status before and after.
    support: full
options:
  state:
    description:
      - V(present) makes sure the certificate exists and is not being revoked; V(revoked) makes sure it is revoked.
    type: str
    choices: [present, revoked]
    default: present
  id:
    description:
      - The id of the client certificate. Costs one request; the other selectors list pages of certificates.
      - Exactly one of O(id), O(serial_number), O(fingerprint_sha256) and O(csr) is required.
    type: str
  serial_number:
    description:
      - The serial number of the client certificate, in hex; case, colons and leading zeros do not matter.
    type: str
  fingerprint_sha256:
    description:
      - The SHA-256 fingerprint of the client certificate (64 hex digits, colons allowed).
    type: str
  csr:
    description:
      - A certificate signing request, PEM (C(BEGIN CERTIFICATE REQUEST)). Line endings and line wrapping do not matter.
      - With O(state=present), the certificate issued from it is adopted, or one is issued.
      - With O(state=revoked), selects the certificate issued from it that is not revoked yet; when every certificate issued
        from it is revoked already, the task reports the newest of them, unchanged.
      - The private key never leaves the host that made the CSR; only the CSR is sent to Cloudflare.
    type: str
  validity_days:
    description:
      - How many days a newly issued certificate is valid, from the moment it is issued.
      - Only used when a certificate is issued; an adopted certificate keeps the validity it was issued with.
      - From V(1) to V(36500) (100 years); checked before any request. Cloudflare may allow less.
    type: int
    default: 3650
  wait:
    description:
      - Wait until the certificate has reached the final status of O(state) (V(revoked), or V(active)) before returning.
      - With O(state=revoked), also wait for a V(pending_reactivation) certificate to become V(active) so that it can be revoked.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait for each status change when O(wait=true). On timeout the task fails with the last status seen
        and reports the change it made.
      - From V(0) to V(86400) (a day).
    type: int
    default: 300
notes:
  - Cloudflare allows 100 client certificates per zone by default and raises the quota on request to your account team.
    When it refuses to issue one, the module counts the zone's certificates and, at the quota, says so.
  - A certificate that is issued is returned with its PEM in RV(client_certificate.certificate), so that a play can hand it to the
    client; the private key stays wherever the CSR was made.
  - A no-op run by O(id) costs one request, a revocation two; O(zone) costs one more to find the zone id.
  - When the answer to a revocation or reactivation is lost (dropped connection, timeout, HTTP 5xx), the module reads the certificate
    again and reports what it finds; it never repeats the request blindly. After a lost answer to an issue, it looks for a
    certificate issued from the CSR and reports it as the one issued.
seealso:
  - module: mtls.cloudflare.client_certificate_info
  - name: API Shield mTLS client certificates
    description: Cloudflare's documentation of client certificates.
    link: https://developers.cloudflare.com/ssl/client-certificates/
'''

EXAMPLES = r'''
- name: Revoke a client certificate by id
  mtls.cloudflare.client_certificate:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    api_token: "{{ cloudflare_api_token }}"
    id: 2458ce5a0c354c7f82c78e9487d3ff60
    state: revoked
  delegate_to: localhost

- name: Revoke every certificate listed in the inventory as lost, by serial number, and wait until the revocations complete
  mtls.cloudflare.client_certificate:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    serial_number: "{{ item }}"
    state: revoked
    wait: true
    wait_timeout: 600
  loop: "{{ lost_device_serials }}"
  delegate_to: localhost

- name: Issue a client certificate for a device, with credentials set once for the whole collection
  module_defaults:
    group/mtls.cloudflare.all:
      api_token: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
      zone: example.com
  block:
    - name: Make the device's private key
      community.crypto.openssl_privatekey_pipe:
        type: ECC
        curve: secp256r1
      register: device_key
      no_log: true

    - name: Keep the private key on the device only
      ansible.builtin.copy:
        content: "{{ device_key.privatekey }}"
        dest: /etc/device/client.key
        mode: "0600"
      no_log: true

    - name: Make a CSR for it
      community.crypto.openssl_csr_pipe:
        privatekey_content: "{{ device_key.privatekey }}"
        common_name: device-0042.example.com
      register: device_csr

    - name: Issue the certificate, or adopt the one issued from this CSR before
      mtls.cloudflare.client_certificate:
        csr: "{{ device_csr.csr }}"
        validity_days: 365
      delegate_to: localhost
      register: device_certificate

    - name: Hand the certificate over to the device
      ansible.builtin.copy:
        content: "{{ device_certificate.client_certificate.certificate }}"
        dest: /etc/device/client.pem
        mode: "0644"

- name: Undo a revocation that has not completed yet
  mtls.cloudflare.client_certificate:
    zone: example.com
    fingerprint_sha256: "{{ certificate_fingerprint }}"
    state: present
    wait: true
  delegate_to: localhost
'''

RETURN = r'''
client_certificate:
  description:
    - The client certificate after the task, or in check mode as a real run would return it.
    - The fields Cloudflare returns, whitelisted; unknown ones are V(null) (for example the id of a certificate that check mode
      would issue).
  returned: success, and on failure once the certificate was read
  type: dict
  contains:
    id:
      description: The certificate's id.
      type: str
      sample: 2458ce5a0c354c7f82c78e9487d3ff60
    status:
      description:
        - V(active), V(pending_revocation) (a revocation is being processed and can still be undone), V(revoked) (final), or
          V(pending_reactivation) (a revocation was undone and the certificate is becoming active again).
      type: str
      sample: pending_revocation
    common_name:
      description: The subject common name.
      type: str
      sample: device-0042.example.com
    serial_number:
      description: The serial number as Cloudflare prints it.
      type: str
      sample: 3bb94ff144ae4ccd3f0cbe3ebc1c12a08a4d7b2e
    fingerprint_sha256:
      description: The SHA-256 fingerprint, hex.
      type: str
      sample: 256c24690243359fb8cf139a125bd05ebf1d968b71e4caf330718e9f5c8a89ea
    issued_on:
      description: When the certificate was issued (ISO 8601).
      type: str
      sample: "2024-08-07T14:51:00Z"
    expires_on:
      description: When the certificate expires (ISO 8601).
      type: str
      sample: "2025-08-07T14:51:00Z"
    validity_days:
      description: The validity the certificate was issued with.
      type: int
      sample: 365
    certificate:
      description:
        - The certificate, PEM.
        - Left out when the module fails, so that the failure message is not pages of PEM.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIIDmDCCAoC...\n-----END CERTIFICATE-----\n"
    csr:
      description:
        - The certificate signing request the certificate was issued from, PEM.
        - Left out when the module fails, so that the failure message is not pages of PEM.
      type: str
      sample: "-----BEGIN CERTIFICATE REQUEST-----\nMIICY...\n-----END CERTIFICATE REQUEST-----\n"
    certificate_authority:
      description: The Cloudflare Managed CA that signed it.
      type: dict
      sample: {"id": "568b6b74-7b0c-4755-8840-4e3b8c24adeb", "name": "Cloudflare Managed CA for account"}
    country:
      description: The subject country.
      type: str
      sample: US
    state:
      description: The subject state or province.
      type: str
      sample: CA
    location:
      description: The subject locality.
      type: str
      sample: San Francisco
    organization:
      description: The subject organization.
      type: str
      sample: Example Inc.
    organizational_unit:
      description: The subject organizational unit.
      type: str
      sample: Devices
    signature:
      description: The signature algorithm.
      type: str
      sample: ECDSAWithSHA256
    ski:
      description: The subject key identifier, hex.
      type: str
      sample: 8e375af1389a069a0f921f8cc8e1eb12d784b949
candidates:
  description: The certificates that matched when a selection matched several of them (the task fails).
  returned: failure, when the selection is ambiguous
  type: list
  elements: dict
  sample: [{"id": "2458ce5a0c354c7f82c78e9487d3ff60", "status": "active"}, {"id": "9a7806061c88ada191ed06f989cc3dac", "status": "pending_revocation"}]
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import (
    REVOKED, STATUS_RULES, Criterion, SelectionError, explain_issue_refusal, find_one_client_certificate, get_client_certificate,
    issue_write, revoke_write, shape_client_certificate, status_refusal,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._csr import csr_pem, csr_subject
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, Plan, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    MAX_DAYS, InputError, validate_fingerprint, validate_id, validate_serial,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import Wait

SELECTORS = ['id', 'serial_number', 'fingerprint_sha256', 'csr']
# The kind of the plan's write, per state.
WRITES = {'revoked': 'revoke', 'present': 'reactivate'}
DIFF_FIELDS = ('id', 'common_name', 'serial_number', 'validity_days', 'expires_on', 'status')


class ClientCertificate(CloudflareTask):
    argument_spec = dict(
        state=dict(type='str', default='present', choices=['present', 'revoked']),
        id=dict(type='str'),
        serial_number=dict(type='str'),
        fingerprint_sha256=dict(type='str'),
        csr=dict(type='str'),
        validity_days=dict(type='int', default=3650),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    rules = dict(mutually_exclusive=[SELECTORS], required_one_of=[SELECTORS])
    selectors = SELECTORS
    option_checks = dict(id=validate_id, serial_number=validate_serial, fingerprint_sha256=validate_fingerprint)
    non_negative = ('wait_timeout',)

    def check_input(self):
        """The csr as PEM (None without one)."""
        params = self.params
        if not 1 <= params['validity_days'] <= MAX_DAYS:
            # Cloudflare documents no upper bound; beyond 100 years is a typo, not a certificate lifetime.
            raise InputError('validity_days must be a positive number of days, at most %d, got %d' % (MAX_DAYS, params['validity_days']))
        return csr_pem(params['csr'], 'csr') if params['csr'] is not None else None

    def read(self, given):
        """``certificate``: the one the task is about, or None when state=present should issue one from the csr; ``csr``: ``given``.

        Several certificates that match fail with a SelectionError, which lists them (``candidates``).
        """
        params = self.params
        if params['id'] is not None:
            current = get_client_certificate(self.client, self.zone, params['id'])
            if current is None:
                raise CloudflareError('no client certificate with id %s in zone %s; check the id and the zone' % (params['id'], self.zone))
        else:
            option = next(name for name in ('csr', 'serial_number', 'fingerprint_sha256') if params[name] is not None)
            criterion = Criterion(option, given if option == 'csr' else params[option])
            # One CSR may have been issued several times; revoked certificates are history, not candidates.
            current, revoked = find_one_client_certificate(self.client, self.zone, criterion, skip_revoked=option == 'csr')
            if current is None and option == 'csr':
                if params['state'] == 'revoked' and revoked:
                    current = max(revoked, key=lambda item: item.get('issued_on') or '')
                elif params['state'] == 'revoked':
                    raise CloudflareError('no client certificate was issued from this csr in zone %s, so there is nothing to revoke' % self.zone)
            elif current is None:
                raise CloudflareError('no client certificate with %s %s in zone %s; check the value and the zone' % (option, params[option], self.zone))
        self.latest = current
        return dict(certificate=current, csr=given)

    def plan(self, current):
        """Decide from the current status; a state the certificate cannot reach fails, with nothing sent.

        ``details``: ``kind``, the write's (issue, reactivate, revoke), ``certificate``, as read, and ``settle_first``.
        """
        state, wait = self.params['state'], self.params['wait']
        current, csr = current['certificate'], current['csr']
        if current is None:
            predicted = dict(csr_subject(csr), status='active', csr=csr, validity_days=self.params['validity_days'])
            return Plan(None, shape_client_certificate(predicted), [issue_write(self.client, self.zone, csr, self.params['validity_days'])],
                        kind='issue')
        status, certificate_id = current.get('status'), current.get('id')
        before = shape_client_certificate(current)
        rules = STATUS_RULES[state]
        if status in rules['needs']:
            return Plan(before, dict(before, status=rules['final'] if wait else rules['pending']), [rules['write'](self.client, self.zone, certificate_id)],
                        kind=WRITES[state], certificate=current)
        if status in rules['already']:
            return Plan(before, dict(before, status=rules['final'] if wait else status), certificate=current)
        if state == 'revoked' and status == 'pending_reactivation':
            if wait:
                return Plan(before, dict(before, status='revoked'), [revoke_write(self.client, self.zone, certificate_id)], kind='revoke',
                            certificate=current, settle_first=True)
            raise CloudflareError(status_refusal(state, status, certificate_id) + ', or set wait: true to wait for the reactivation and then revoke it')
        raise CloudflareError(status_refusal(state, status, certificate_id))

    def apply(self, plan):
        certificate = plan.details.get('certificate')
        kind = plan.details.get('kind')
        if kind == 'issue':
            try:
                certificate, _by_this_run = self.write(plan.writes[0])
            except CloudflareError as error:
                # The quota's error code is unknown: a refusal is explained by counting the zone's certificates.
                raise explain_issue_refusal(self.client, self.zone, error) if error.refused else error
            if isinstance(certificate, list):
                certificate = certificate[0]
        elif kind == 'reactivate':
            certificate, _by_this_run = self.write(plan.writes[0])
        elif kind == 'revoke':
            if plan.details.get('settle_first'):
                certificate = self._wait(certificate, wanted=('active',) + REVOKED, passing=('pending_reactivation',),
                                         what='the reactivation of client certificate %s to settle' % certificate['id'])
            # Someone else may have revoked it while its reactivation settled: then there is nothing to send.
            if certificate.get('status') == 'active':
                certificate, _by_this_run = self.write(plan.writes[0])
        self.latest = certificate
        if self.params['wait']:
            # Any status but the pending one on the way means someone else moved it the other way.
            rules = STATUS_RULES[self.params['state']]
            wanted = rules['final']
            certificate = self._wait(certificate, wanted=(wanted,), passing=(rules['pending'],),
                                     what='client certificate %s to become %s' % (certificate.get('id'), wanted))
        return shape_client_certificate(certificate)

    def _wait(self, certificate, wanted, passing, what):
        certificate_id = certificate.get('id')

        def read(key):
            current = get_client_certificate(self.client, self.zone, key)
            self.latest = current or self.latest
            return current

        wait = Wait(what, read, lambda current: current.get('status') if current else 'gone', wanted, passing, name_keys=False)
        return wait.run(self.client, [certificate_id], self.params['wait_timeout'], first={certificate_id: certificate})[certificate_id]

    def returns(self, state, outcome):
        result = {}
        if state is not None:
            result['client_certificate'] = shape_client_certificate(state)
        if isinstance(outcome.failure, SelectionError) and outcome.failure.candidates:
            result['candidates'] = outcome.failure.candidates
        return result

    def diff_view(self, state):
        """The fields a diff shows; unknown (None) ones left out."""
        state = state or {}
        return dict((field, state[field]) for field in DIFF_FIELDS if state.get(field) is not None)


def main():
    run(ClientCertificate)


if __name__ == '__main__':
    main()
