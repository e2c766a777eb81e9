#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: client_certificate_info
short_description: List or read Cloudflare API Shield mTLS client certificates
version_added: 0.1.0
description:
  - Lists the API Shield mTLS client certificates of a zone (every page), or reads one by O(id).
  - Filters by status on the server, and by common name, serial number, SHA-256 fingerprint and expiry on the
    client, because Cloudflare has no server-side filter for those.
  - Made for audits and drift checks, for example which certificates expire within 30 days, or which were revoked
    outside Ansible.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
  - mtls.cloudflare.api.INFO_MODULE
options:
  id:
    description:
      - Read only the client certificate with this id. Returns an empty list when there is none.
      - The other filters still apply to it.
    type: str
  status:
    description:
      - Only certificates with this status, filtered by Cloudflare. V(all) returns every status.
    type: str
    choices: [all, active, pending_reactivation, pending_revocation, revoked]
    default: all
  common_name:
    description:
      - Only certificates whose common name is exactly this value.
    type: str
  serial_number:
    description:
      - Only the certificate with this serial number (case, colons and leading zeros do not matter).
    type: str
  fingerprint_sha256:
    description:
      - Only the certificate with this SHA-256 fingerprint (64 hex digits, colons allowed).
    type: str
  expires_within_days:
    description:
      - Only certificates that expire within this many days from now (already expired ones included).
      - From V(0) to V(36500) (100 years).
    type: int
seealso:
  - name: API Shield mTLS client certificates
    description: Cloudflare's documentation of client certificates.
    link: https://developers.cloudflare.com/ssl/client-certificates/
'''

EXAMPLES = r'''
- name: List every client certificate of a zone
  mtls.cloudflare.client_certificate_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
  delegate_to: localhost
  register: all_certificates

- name: Find the active certificates that expire within 30 days
  mtls.cloudflare.client_certificate_info:
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    status: active
    expires_within_days: 30
  delegate_to: localhost
  register: expiring

- name: Fail when an active certificate expires within 30 days
  ansible.builtin.assert:
    that: expiring.client_certificates | length == 0
    fail_msg: "Renew: {{ expiring.client_certificates | map(attribute='common_name') | join(', ') }}"

- name: Read one certificate by serial number, with credentials set once for the whole collection
  module_defaults:
    group/mtls.cloudflare.all:
      api_token: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
      zone: example.com
  block:
    - name: Look the certificate up
      mtls.cloudflare.client_certificate_info:
        serial_number: 3bb94ff144ae4ccd3f0cbe3ebc1c12a08a4d7b2e
      delegate_to: localhost
      register: by_serial
'''

RETURN = r'''
client_certificates:
  description:
    - The matching client certificates, in the order Cloudflare lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The certificate's id.
      type: str
      sample: 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60
    status:
      description:
        - V(active); V(pending_revocation) right after a revocation, while it can still be reactivated;
          V(revoked) once revocation is complete (final); V(pending_reactivation) while a reactivation settles.
      type: str
      sample: active
    common_name:
      description: The subject common name.
      type: str
      sample: device-0042
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
      sample: "2034-08-05T14:51:00Z"
    validity_days:
      description: The validity the certificate was issued with.
      type: int
      sample: 3650
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
      description: The Cloudflare-managed CA that signed it.
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
      sample: SHA256WithRSA
    ski:
      description: The subject key identifier, hex.
      type: str
      sample: 8e375af1389a069a0f921f8cc8e1eb12d784b949
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import (
    CLIENT_CERTIFICATE_STATUSES, Criterion, client_certificate_pages, find_client_certificates, get_client_certificate,
    matches_filters, shape_client_certificate,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareInfoTask, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import check_days, validate_fingerprint, validate_id, validate_serial


class ClientCertificateInfo(CloudflareInfoTask):
    argument_spec = dict(
        id=dict(type='str'),
        status=dict(type='str', default='all', choices=['all'] + list(CLIENT_CERTIFICATE_STATUSES)),
        common_name=dict(type='str'),
        serial_number=dict(type='str'),
        fingerprint_sha256=dict(type='str'),
        expires_within_days=dict(type='int'),
    )
    selectors = ('id', 'serial_number', 'fingerprint_sha256', 'common_name')
    option_checks = dict(id=validate_id, serial_number=validate_serial, fingerprint_sha256=validate_fingerprint,
                         expires_within_days=check_days)

    def read(self, given):
        params = self.params
        status = params['status']
        if params['id'] is not None:
            found = get_client_certificate(self.client, self.zone, params['id'])
            candidates = [found] if found is not None else []
        elif params['serial_number'] is not None or params['fingerprint_sha256'] is not None:
            # A serial number or fingerprint names one certificate: the lookup stops paging once it is found.
            option = 'serial_number' if params['serial_number'] is not None else 'fingerprint_sha256'
            candidates = find_client_certificates(self.client, self.zone, Criterion(option, params[option]))[0]
        else:
            candidates = [item for items in client_certificate_pages(self.client, self.zone, status) for item in items]
        return [shape_client_certificate(item) for item in candidates
                if (status == 'all' or item.get('status') == status)
                and matches_filters(item, common_name=params['common_name'], expires_within_days=params['expires_within_days'])]

    def returns(self, state, outcome):
        return dict(client_certificates=state) if state is not None else {}


def main():
    run(ClientCertificateInfo)


if __name__ == '__main__':
    main()
