#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: hostname_certificate_info
short_description: List or read Cloudflare per-hostname Authenticated Origin Pulls certificates and associations
version_added: 0.1.0
description:
  - Lists the hostname certificates of a zone, or reads one by O(id).
  - Filters by status, serial number and expiry on the client, because Cloudflare has no filter for them.
  - With O(hostnames), also reads each hostname's association, since Cloudflare cannot list the associations of a zone.
  - Made for audits and drift checks, for example which certificates expire within 30 days, or which hostnames still use
    an old certificate.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
attributes:
  check_mode:
    description: The module only reads, so it runs the same way in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so it has no diff.
    support: N/A
options:
  id:
    description:
      - Read only the hostname certificate with this id. Returns an empty list when there is none (or it was deleted).
      - The other filters still apply to it.
    type: str
  status:
    description:
      - Only certificates with this status. V(all) returns every status.
    type: str
    choices: [all, initializing, pending_deployment, active, pending_deletion, deleted, deployment_timed_out, deletion_timed_out]
    default: all
  serial_number:
    description:
      - Only the certificate with this serial number, decimal as Cloudflare prints it or hex as C(openssl x509 -serial)
        prints it; colons, case and leading zeros do not matter.
    type: str
  expires_within_days:
    description:
      - Only certificates that expire within this many days from now (already expired ones included).
      - From V(0) to V(36500) (100 years).
    type: int
  hostnames:
    description:
      - Also read the association of each of these hostnames, returned in RV(hostname_associations).
      - One request per hostname, O(parallel) at a time.
    type: list
    elements: str
  parallel:
    description:
      - How many hostnames of O(hostnames) are read at a time, each worker with its own connection; they share one rate budget.
        V(1) reads them one after another.
    type: int
    default: 8
seealso:
  - module: mtls.cloudflare.hostname_certificate
  - module: mtls.cloudflare.hostname_association
'''

EXAMPLES = r'''
- name: List every hostname certificate of a zone
  mtls.cloudflare.hostname_certificate_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
  delegate_to: localhost
  register: hostname_certificates

- name: Find the certificates that expire within 30 days
  mtls.cloudflare.hostname_certificate_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    expires_within_days: 30
  delegate_to: localhost
  register: expiring

- name: Fail when one does
  ansible.builtin.assert:
    that: expiring.hostname_certificates | length == 0
    fail_msg: "Rotate: {{ expiring.hostname_certificates | map(attribute='id') | join(', ') }}"

- name: Which certificate do the origin hostnames use?
  mtls.cloudflare.hostname_certificate_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: [app.example.com, api.example.com]
  delegate_to: localhost
  register: in_use

- name: Show it
  ansible.builtin.debug:
    msg: "{{ in_use.hostname_associations | items2dict(key_name='hostname', value_name='cert_id') }}"
'''

RETURN = r'''
hostname_certificates:
  description: The matching hostname certificates, in the order Cloudflare lists them. Never includes a private key.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The certificate's id.
      type: str
      sample: 2458ce5a0c354c7f82c78e9487d3ff60
    status:
      description:
        - V(initializing), V(pending_deployment), V(active), V(pending_deletion), V(deleted),
          V(deployment_timed_out) or V(deletion_timed_out).
      type: str
      sample: active
    certificate:
      description: The leaf certificate, PEM.
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
hostname_associations:
  description:
    - The association of each hostname of O(hostnames), in that order. A hostname without an association has every field
      but RV(hostname_associations[].hostname) set to V(null).
  returned: when O(hostnames) is given
  type: list
  elements: dict
  contains:
    hostname:
      description: The hostname, lowercase.
      type: str
      sample: app.example.com
    cert_id:
      description: The id of the hostname certificate the hostname is associated with.
      type: str
      sample: 2458ce5a0c354c7f82c78e9487d3ff60
    enabled:
      description: V(true) when Cloudflare presents the certificate for the hostname, V(false) when the association is disabled.
      type: bool
      sample: true
    status:
      description: The association's status (the same values as a certificate's).
      type: str
      sample: active
    cert_status:
      description: The certificate's status.
      type: str
      sample: active
    certificate:
      description:
        - The certificate, PEM.
        - Left out when the module fails, so that the failure message is not pages of PEM.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIIDmDCCAoC...\n-----END CERTIFICATE-----\n"
    issuer:
      description: The certificate's issuer.
      type: str
      sample: GlobalSign
    serial_number:
      description: The certificate's serial number.
      type: str
      sample: "6743787633689793699141714808227354901"
    signature:
      description: The certificate's signature algorithm.
      type: str
      sample: SHA256WithRSA
    expires_on:
      description: When the certificate expires (ISO 8601).
      type: str
      sample: "2100-01-01T05:20:00Z"
    cert_uploaded_on:
      description: When the certificate was uploaded.
      type: str
      sample: "2019-10-28T18:11:23.37411Z"
    cert_updated_at:
      description: When the certificate last changed.
      type: str
      sample: "2100-01-01T05:20:00Z"
    created_at:
      description: When the association was created.
      type: str
      sample: "2100-01-01T05:20:00Z"
    updated_at:
      description: When the association last changed.
      type: str
      sample: "2100-01-01T05:20:00Z"
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._dates import expires_within
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import (
    HOSTNAME_CERTIFICATE_STATUSES, get_hostname_certificate, list_hostname_certificates, read_association, serial_matches,
    shape_hostname_certificate,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, Plan, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._pool import read_many
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    check_days, check_parallel, validate_hostnames, validate_id, validate_serial,
)


class HostnameCertificateInfo(CloudflareTask):
    argument_spec = dict(
        id=dict(type='str'),
        status=dict(type='str', default='all', choices=['all'] + list(HOSTNAME_CERTIFICATE_STATUSES)),
        serial_number=dict(type='str'),
        expires_within_days=dict(type='int'),
        hostnames=dict(type='list', elements='str'),
        parallel=dict(type='int', default=8),
    )
    selectors = ('id', 'serial_number', 'hostnames')
    option_checks = dict(id=validate_id, serial_number=validate_serial, expires_within_days=check_days, hostnames=validate_hostnames,
                         parallel=check_parallel)

    def read(self):
        params = self.params
        if params['id'] is not None:
            found = get_hostname_certificate(self.client, self.zone, params['id'])
            candidates = [found] if found is not None else []
        else:
            candidates = list_hostname_certificates(self.client, self.zone)
        certificates = [shape_hostname_certificate(item) for item in candidates]
        result = dict(hostname_certificates=[certificate for certificate in certificates if self._matches(certificate)])
        if params['hostnames'] is not None:
            result['hostname_associations'] = read_many(
                self.client, params['parallel'], lambda client, hostname: read_association(client, self.zone, hostname),
                params['hostnames'], self.module.warn)
        return result

    def _matches(self, certificate):
        params = self.params
        if params['status'] != 'all' and certificate['status'] != params['status']:
            return False
        if params['serial_number'] is not None and not serial_matches(certificate['serial_number'], params['serial_number']):
            return False
        return params['expires_within_days'] is None or expires_within(certificate, params['expires_within_days'])

    def plan(self, current):
        return Plan(current, current)

    def returns(self, state):
        return state or {}

    def diff(self, plan, state):
        return None


def main():
    run(HostnameCertificateInfo)


if __name__ == '__main__':
    main()
