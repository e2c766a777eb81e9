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
  - With O(hostnames), also reads each hostname's association; with O(all_associations), lists every association of the zone.
  - Made for audits and drift checks, for example which certificates expire within 30 days, or which hostnames still use
    an old certificate.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
  - mtls.cloudflare.api.INFO_MODULE
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
      - With three hostnames or more, they are read from Cloudflare's list of the zone's associations (one request per
        1000 associations, plus one for the certificate list); with fewer, or when the API does not serve that list (it
        answers HTTP 400, 404 or 405), one request per hostname, O(parallel) at a time.
      - Mutually exclusive with O(all_associations).
    type: list
    elements: str
  all_associations:
    description:
      - Also list every association of the zone (enabled or disabled; removed ones are left out) from Cloudflare's list
        (C(GET /zones/{zone_id}/origin_tls_client_auth/hostnames) with C(status=all)), in RV(hostname_associations),
        sorted by hostname.
      - With a certificate filter (O(id), O(serial_number), O(expires_within_days), or O(status) other than V(all)), only
        the associations with the certificates returned in RV(hostname_certificates).
      - An API that does not serve that list (it answers HTTP 400, 404 or 405) makes the module fail, naming this option;
        read given hostnames with O(hostnames) then.
      - Mutually exclusive with O(hostnames).
    type: bool
    default: false
  parallel:
    description:
      - How many hostnames of O(hostnames) are read at a time when they are read one request each (see O(hostnames)), each
        worker with its own connection; they share one rate budget. V(1) reads them one after another.
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

- name: Which hostnames use the certificate with this serial number?
  mtls.cloudflare.hostname_certificate_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    serial_number: "6743787633689793699141714808227354901"
    all_associations: true
  delegate_to: localhost
  register: on_certificate

- name: Show them
  ansible.builtin.debug:
    msg: "{{ on_certificate.hostname_associations | map(attribute='hostname') | list }}"
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
    - With O(all_associations), every association of the zone (or of the returned certificates), sorted by hostname.
      Cloudflare's list has no C(cert_updated_at); the other certificate fields come from the certificate list.
  returned: when O(hostnames) or O(all_associations) is given
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
    HOSTNAME_CERTIFICATE_STATUSES, association_state, get_hostname_certificate, list_associations, list_hostname_certificates, read_associations,
    serial_matches, shape_hostname_certificate,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareInfoTask, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    check_days, check_parallel, validate_hostnames, validate_id, validate_serial,
)


class HostnameCertificateInfo(CloudflareInfoTask):
    argument_spec = dict(
        id=dict(type='str'),
        status=dict(type='str', default='all', choices=['all'] + list(HOSTNAME_CERTIFICATE_STATUSES)),
        serial_number=dict(type='str'),
        expires_within_days=dict(type='int'),
        hostnames=dict(type='list', elements='str'),
        all_associations=dict(type='bool', default=False),
        parallel=dict(type='int', default=8),
    )
    rules = dict(mutually_exclusive=[['hostnames', 'all_associations']])
    selectors = ('id', 'serial_number', 'hostnames')
    option_checks = dict(id=validate_id, serial_number=validate_serial, expires_within_days=check_days, hostnames=validate_hostnames,
                         parallel=check_parallel)

    def read(self, given):
        params = self.params
        if params['id'] is not None:
            found = get_hostname_certificate(self.client, self.zone, params['id'])
            candidates = [found] if found is not None else []
        else:
            candidates = list_hostname_certificates(self.client, self.zone)
        certificates = [shape_hostname_certificate(item) for item in candidates]
        result = dict(hostname_certificates=[certificate for certificate in certificates if self._matches(certificate)])
        if params['hostnames'] is not None:
            # The certificate list read above serves the certificate fields of listed associations.
            result['hostname_associations'] = read_associations(self.client, self.zone, params['hostnames'], params['parallel'],
                                                                self.module.warn, None if params['id'] is not None else candidates)
        if params['all_associations']:
            result['hostname_associations'] = self._all_associations(result['hostname_certificates'],
                                                                     None if params['id'] is not None else candidates)
        return result

    def _all_associations(self, certificates, listing):
        listed = list_associations(self.client, self.zone, listing)
        if listed is None:
            raise CloudflareError('all_associations needs Cloudflare\'s list of the zone\'s associations '
                                  '(GET /zones/{zone_id}/origin_tls_client_auth/hostnames), and this API does not serve it '
                                  '(HTTP 400, 404 or 405); read given hostnames with hostnames instead')
        params = self.params
        filtered = params['id'] is not None or params['serial_number'] is not None or params['expires_within_days'] is not None \
            or params['status'] != 'all'
        wanted = set(certificate['id'] for certificate in certificates)
        return [listed[hostname] for hostname in sorted(listed)
                if association_state(listed[hostname]) != 'absent' and (not filtered or listed[hostname].get('cert_id') in wanted)]

    def _matches(self, certificate):
        params = self.params
        if params['status'] != 'all' and certificate['status'] != params['status']:
            return False
        if params['serial_number'] is not None and not serial_matches(certificate['serial_number'], params['serial_number']):
            return False
        return params['expires_within_days'] is None or expires_within(certificate, params['expires_within_days'])

    def returns(self, state, outcome):
        return state or {}


def main():
    run(HostnameCertificateInfo)


if __name__ == '__main__':
    main()
