# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""API Shield mTLS client certificates: paths, the returned fields, CSRs, client-side matching and lookup."""

from __future__ import annotations

import base64
import binascii
import re

from ansible_collections.mtls.cloudflare.plugins.module_utils._dates import expires_within
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    InputError, normalize_fingerprint, normalize_serial, pem_blocks,
)

CLIENT_CERTIFICATE_STATUSES = ('active', 'pending_reactivation', 'pending_revocation', 'revoked')
# The fields a module returns; anything else Cloudflare adds is dropped, so a new field can
# never carry something unexpected into a play's output.
CLIENT_CERTIFICATE_FIELDS = (
    'id', 'status', 'common_name', 'serial_number', 'fingerprint_sha256', 'issued_on', 'expires_on', 'validity_days',
    'certificate', 'csr', 'certificate_authority', 'country', 'state', 'location', 'organization',
    'organizational_unit', 'signature', 'ski',
)
LIST_PAGE_SIZE = 50


def client_certificates_path(client, certificate_id=None):
    segments = ['zones', client.zone_id(), 'client_certificates']
    if certificate_id is not None:
        segments.append(certificate_id)
    return client.path(*segments)


def shape_client_certificate(raw):
    """The whitelisted, documented view of one client certificate."""
    raw = raw if isinstance(raw, dict) else {}
    shaped = dict((field, raw.get(field)) for field in CLIENT_CERTIFICATE_FIELDS)
    authority = raw.get('certificate_authority')
    shaped['certificate_authority'] = (
        {'id': authority.get('id'), 'name': authority.get('name')} if isinstance(authority, dict) else None)
    return shaped


def matches_filters(certificate, common_name=None, serial_number=None, fingerprint_sha256=None, expires_within_days=None, now=None):
    """Client-side filters: Cloudflare has no server-side filter on these fields."""
    if common_name is not None and (certificate.get('common_name') or '') != common_name:
        return False
    if serial_number is not None and normalize_serial(certificate.get('serial_number')) != normalize_serial(serial_number):
        return False
    if fingerprint_sha256 is not None and normalize_fingerprint(certificate.get('fingerprint_sha256')) != normalize_fingerprint(fingerprint_sha256):
        return False
    if expires_within_days is not None and not expires_within(certificate, expires_within_days, now=now):
        return False
    return True


# --- certificate signing requests --------------------------------------------------------

CSR_KINDS = ('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST')
_CSR_BODY_RE = re.compile(r'-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+?)-----END (?:NEW )?CERTIFICATE REQUEST-----')
# Subject attributes by the DER of their OID (2.5.4.x), named as Cloudflare names the fields.
_SUBJECT_OIDS = {
    b'\x55\x04\x03': 'common_name',
    b'\x55\x04\x06': 'country',
    b'\x55\x04\x08': 'state',
    b'\x55\x04\x07': 'location',
    b'\x55\x04\x0a': 'organization',
    b'\x55\x04\x0b': 'organizational_unit',
}
_DER_STRINGS = {0x0c: 'utf-8', 0x13: 'ascii', 0x16: 'ascii', 0x14: 'latin-1', 0x1e: 'utf-16-be', 0x1c: 'utf-32-be'}


def csr_pem(text, option='csr'):
    """The one CSR in ``text`` as PEM with the label Cloudflare's examples use; InputError naming ``option`` otherwise.

    The subject is read here too, so that a value that only looks like PEM is refused before any request.
    """
    blocks = pem_blocks(text, option, CSR_KINDS)
    if len(blocks) != 1:
        raise InputError('%s must hold one certificate signing request, got %d' % (option, len(blocks)))
    # The older 'NEW CERTIFICATE REQUEST' label wraps the same DER.
    pem = blocks[0].replace('NEW CERTIFICATE REQUEST', 'CERTIFICATE REQUEST')
    csr_subject(pem, option)
    return pem


def csr_key(text):
    """The CSR's base64 without whitespace or label, to compare CSRs however they were wrapped; None if there is none."""
    match = _CSR_BODY_RE.search(text or '') if isinstance(text, str) else None
    return re.sub(r'\s+', '', match.group(1)) if match else None


def csr_subject(pem, option='csr'):
    """The subject fields of a PEM CSR (common_name, country, ...); InputError naming ``option`` when it is not a CSR."""
    try:
        der = base64.b64decode(csr_key(pem) or '', validate=True)
        ((request_tag, request),) = _der_items(der)
        info_tag, info = _der_items(request)[0]
        version, subject = _der_items(info)[:2]
        if request_tag != 0x30 or info_tag != 0x30 or version[0] != 0x02 or subject[0] != 0x30:
            raise ValueError('not a CertificationRequest')
        fields = {}
        for rdn_tag, rdn in _der_items(subject[1]):
            for attribute_tag, attribute in _der_items(rdn):
                (oid_tag, oid), (value_tag, value) = _der_items(attribute)[:2]
                if rdn_tag != 0x31 or attribute_tag != 0x30 or oid_tag != 0x06:
                    raise ValueError('not a Name')
                name = _SUBJECT_OIDS.get(oid)
                if name and name not in fields and value_tag in _DER_STRINGS:
                    fields[name] = value.decode(_DER_STRINGS[value_tag])
        return fields
    except (ValueError, TypeError, IndexError, binascii.Error):
        raise InputError('%s is not a readable certificate signing request: its PEM does not hold a PKCS#10 request' % option) from None


def _der_items(data):
    """Split DER ``data`` into (tag, content) pairs; ValueError when it is not DER."""
    items = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ValueError('truncated DER')
        tag, length = data[offset], data[offset + 1]
        offset += 2
        if length & 0x80:
            count = length & 0x7f
            if not 1 <= count <= 4 or offset + count > len(data):
                raise ValueError('bad DER length')
            length = int.from_bytes(data[offset:offset + count], 'big')
            offset += count
        if offset + length > len(data):
            raise ValueError('truncated DER')
        items.append((tag, data[offset:offset + length]))
        offset += length
    return items


# --- lookup ------------------------------------------------------------------------------------

class SelectionError(CloudflareError):
    """No certificate, or several, match what the task selects; ``candidates`` lists the several."""

    def __init__(self, message, candidates=None):
        super(SelectionError, self).__init__(message)
        self.candidates = candidates or []


def read_client_certificate(client, certificate_id):
    """One certificate by id (one GET), or None when Cloudflare has none with that id."""
    page = client.get(client_certificates_path(client, certificate_id), absent_ok=True)
    return page.result if page is not None and isinstance(page.result, dict) else None


def find_client_certificate(client, serial_number=None, fingerprint_sha256=None, csr=None, skip_revoked=False):
    """The certificate with this serial number, fingerprint or CSR, or None; listing pages of 50.

    Cloudflare has no server-side filter on these fields. Paging stops at the end of the first
    page with a match; several matches on it raise a SelectionError listing them. With
    ``skip_revoked``, revoked certificates do not count (one CSR may have been issued many
    times); returns (certificate or None, the revoked matches seen).
    """
    wanted_csr = csr_key(csr) if csr else None
    revoked = []
    for items in client.pages(client_certificates_path(client), per_page=LIST_PAGE_SIZE):
        if wanted_csr:
            found = [item for item in items if csr_key(item.get('csr')) == wanted_csr]
        else:
            found = [item for item in items if matches_filters(item, serial_number=serial_number, fingerprint_sha256=fingerprint_sha256)]
        if skip_revoked:
            revoked.extend(item for item in found if item.get('status') == 'revoked')
            found = [item for item in found if item.get('status') != 'revoked']
        if len(found) > 1:
            selector = 'csr' if wanted_csr else 'serial_number' if serial_number else 'fingerprint_sha256'
            candidates = [{'id': item.get('id'), 'status': item.get('status')} for item in found]
            raise SelectionError(
                '%s matches %d client certificates (%s); select one of them with id'
                % (selector, len(found), ', '.join('%s %s' % (item['id'], item['status']) for item in candidates)), candidates)
        if found:
            return found[0], revoked
    return None, revoked
