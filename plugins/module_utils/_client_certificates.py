# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""API Shield mTLS client certificates: paths, the returned fields, client-side matching."""

from __future__ import annotations

import datetime
import re

from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import normalize_fingerprint, normalize_serial

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


def parse_timestamp(value):
    """Cloudflare's ISO 8601 timestamps (``Z`` or an offset, optional fraction) as aware datetimes; None if unreadable."""
    if not value or not isinstance(value, str):
        return None
    match = re.match(r'^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$', value.strip())
    if not match:
        return None
    zone = match.group(3) or 'Z'
    offset = '+0000' if zone == 'Z' else zone.replace(':', '')
    return datetime.datetime.strptime('%s %s %s' % (match.group(1), match.group(2), offset), '%Y-%m-%d %H:%M:%S %z')


def expires_within(certificate, days, now=None):
    expires = parse_timestamp(certificate.get('expires_on'))
    if expires is None:
        return False
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return expires <= now + datetime.timedelta(days=days)


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
