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
    associated with; O(detach_hostnames) removes those associations first, in one request.
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
      - Cloudflare has no call that lists the hostnames of a certificate, so list every hostname that may use it.
    type: list
    elements: str
  wait:
    description:
      - Wait until the certificate is V(active) (O(state=present)) or deleted (O(state=absent)).
      - Fails when Cloudflare reports V(deployment_timed_out) or V(deletion_timed_out), or when O(wait_timeout) passes.
      - Check mode never waits.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait). Deployment and deletion usually take a few minutes.
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
      description: The leaf certificate Cloudflare stores, PEM.
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
  description: The hostnames of O(detach_hostnames) whose association with the certificate was removed (or would be, in check mode).
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mtls.cloudflare.plugins.module_utils._api import (
    CloudflareClient, cloudflare_argument_spec, cloudflare_module_kwargs, fail_from_error,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_certificate_lifecycle import HostnameCertificateLifecycle


def main():
    argument_spec = cloudflare_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        certificate=dict(type='str'),
        private_key=dict(type='str', no_log=True),
        id=dict(type='str'),
        serial_number=dict(type='str'),
        detach_hostnames=dict(type='list', elements='str'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=900),
    )
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True,
        **cloudflare_module_kwargs(
            mutually_exclusive=[['id', 'serial_number', 'certificate']],
            required_if=[['state', 'present', ['certificate', 'private_key']],
                         ['state', 'absent', ['id', 'serial_number', 'certificate'], True]]))
    lifecycle = HostnameCertificateLifecycle(module)
    try:
        lifecycle.check_input()
        lifecycle.client = CloudflareClient(module)
        if module.params['state'] == 'present':
            lifecycle.ensure_present()
        else:
            lifecycle.ensure_absent()
    except CloudflareError as error:
        fail_from_error(module, error, **lifecycle.result())
    module.exit_json(**lifecycle.result())


if __name__ == '__main__':
    main()
