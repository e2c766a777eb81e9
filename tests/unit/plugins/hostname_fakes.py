# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Figures shared by the per-hostname Authenticated Origin Pulls unit tests."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, envelope

CERTIFICATES = BASE + '/zones/%s/origin_tls_client_auth/hostnames/certificates' % ZONE
HOSTNAMES = BASE + '/zones/%s/origin_tls_client_auth/hostnames' % ZONE
ARGS = {'api_token': TOKEN, 'zone_id': ZONE}
CERT_ID = '2458ce5a0c354c7f82c78e9487d3ff60'
OTHER_ID = '7e7b8deba8538af625850b7b2530034c'


def pem(kind, seed, width=64, newline='\n'):
    """A PEM block whose content decodes to a DER SEQUENCE, like a real certificate or key."""
    der = b'\x30\x82\x01\x00' + hashlib.sha256(seed.encode('utf-8')).digest() * 8
    data = base64.b64encode(der).decode('ascii')
    lines = [data[i:i + width] for i in range(0, len(data), width)]
    return newline.join(['-----BEGIN %s-----' % kind] + lines + ['-----END %s-----' % kind]) + newline


LEAF = pem('CERTIFICATE', 'leaf')
CHAIN = pem('CERTIFICATE', 'intermediate')
OTHER_LEAF = pem('CERTIFICATE', 'other')
PRIVATE_KEY = pem('PRIVATE KEY', 'the-secret-key')
# A piece of the key's base64 that any copy of it, however wrapped, would contain.
KEY_MARKER = PRIVATE_KEY.splitlines()[1][:40]


def hostname_certificate(certificate_id=CERT_ID, status='active', certificate=LEAF, serial='6743787633689793699141714808227354901',
                         days_left=400):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days_left)
    return {
        'id': certificate_id, 'certificate': certificate, 'status': status, 'serial_number': serial,
        'issuer': 'Local Origin', 'signature': 'ECDSAWithSHA256', 'expires_on': expires.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'uploaded_on': '2024-08-07T14:51:00.123456Z', 'unexpected_new_field': 'dropped',
    }


def spec_typed_item(certificate_id=CERT_ID, certificate=LEAF):
    """A list item as the 2024-08 spec types it: an association object, private key and all."""
    return {'cert_id': certificate_id, 'id': certificate_id, 'certificate': certificate, 'private_key': PRIVATE_KEY,
            'hostname': 'app.example.com', 'enabled': True, 'cert_status': 'active', 'status': 'active'}


def association(hostname, cert_id=CERT_ID, enabled=True, status='active'):
    if cert_id is None:
        # What Cloudflare answers for a hostname without an association: every field null but hostname.
        empty = dict.fromkeys(('cert_id', 'enabled', 'status', 'cert_status', 'certificate', 'issuer', 'serial_number', 'signature',
                               'expires_on', 'cert_uploaded_on', 'cert_updated_at', 'created_at', 'updated_at'))
        return dict(empty, hostname=hostname)
    return {'hostname': hostname, 'cert_id': cert_id, 'enabled': enabled, 'status': status, 'cert_status': 'active',
            'certificate': LEAF, 'issuer': 'Local Origin', 'serial_number': '1234', 'signature': 'ECDSAWithSHA256',
            'expires_on': '2100-01-01T05:20:00Z', 'cert_uploaded_on': '2024-08-07T14:51:00.123456Z',
            'cert_updated_at': '2024-08-07T14:51:00.123456Z', 'created_at': '2024-08-07T14:51:00.123456Z',
            'updated_at': '2024-08-07T14:51:00.123456Z', 'private_key': PRIVATE_KEY}


def no_association_list(api, status=404):
    """An API from before the 2026 list of associations: its GET answers ``status`` (404: no such route)."""
    api.get(HOSTNAMES, status=status, json=envelope(success=False, errors=[{'code': 7003, 'message': 'Could not route to the URI'}]))


def listed_association(hostname, cert_id=CERT_ID, enabled=True, status='active'):
    """An item of the 2026 list: the spec's six fields, no certificate fields."""
    return {'hostname': hostname, 'cert_id': cert_id, 'enabled': enabled, 'status': status,
            'created_at': '2024-08-07T14:51:00.123456Z', 'updated_at': '2024-08-07T14:51:00.123456Z'}


def sent(call):
    """(method, URL, JSON body or None) of one recorded request."""
    body = call.request.body
    if isinstance(body, bytes):
        body = body.decode('utf-8')
    return call.request.method, call.request.url, json.loads(body) if body else None


def assert_no_secret(result):
    """The key appears nowhere in what the module printed, in any wrapping.

    Outside ``invocation`` (where Ansible shows the option masked) no mask either: a mask
    would mean the key reached a returned value and only no_log hid it.
    """
    printed = json.dumps(result)
    assert KEY_MARKER not in printed
    assert 'PRIVATE KEY' not in printed
    assert TOKEN not in printed
    returned = json.dumps(dict((key, value) for key, value in result.items() if key != 'invocation'))
    assert '********' not in returned and 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' not in returned
