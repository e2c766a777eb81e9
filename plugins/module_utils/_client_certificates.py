# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""API Shield mTLS client certificates: every request to ``/zones/{zone}/client_certificates``.

Reading (get, list, find by serial number, fingerprint or CSR), the three writes (issue,
revoke, reactivate) as ``Write`` descriptions, and the whitelisted fields a module returns.
"""

from __future__ import annotations

from ansible_collections.mtls.cloudflare.plugins.module_utils._answers import NUMBER, OBJECT, TEXT, Shape, answer_check, checked_get, checked_pages
from ansible_collections.mtls.cloudflare.plugins.module_utils._csr import csr_key
from ansible_collections.mtls.cloudflare.plugins.module_utils._dates import expires_within
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import normalize_fingerprint, normalize_serial
from ansible_collections.mtls.cloudflare.plugins.module_utils._writes import Write

CLIENT_CERTIFICATE_STATUSES = ('active', 'pending_reactivation', 'pending_revocation', 'revoked')
# The fields a module returns; anything else Cloudflare adds is dropped, so a new field can
# never carry something unexpected into a play's output.
CLIENT_CERTIFICATE_FIELDS = (
    'id', 'status', 'common_name', 'serial_number', 'fingerprint_sha256', 'issued_on', 'expires_on', 'validity_days',
    'certificate', 'csr', 'certificate_authority', 'country', 'state', 'location', 'organization',
    'organizational_unit', 'signature', 'ski',
)
LIST_PAGE_SIZE = 50
# What the modules read of a certificate, and the JSON type of each field (null allowed, but not for id and status).
CLIENT_CERTIFICATE = Shape('a client certificate', dict(
    dict.fromkeys(CLIENT_CERTIFICATE_FIELDS, TEXT), validity_days=NUMBER, certificate_authority=OBJECT), required=('id', 'status'))
REVOKED = ('pending_revocation', 'revoked')
REACTIVATED = ('pending_reactivation', 'active')
# Cloudflare's answer to a revoke (DELETE) of a certificate already revoked: "already deleted".
ALREADY_REVOKED = 1407


def _path(client, zone, certificate_id=None):
    return client.path('zones', zone, 'client_certificates', *([] if certificate_id is None else [certificate_id]))


def shape_client_certificate(raw):
    """The whitelisted, documented view of one client certificate."""
    raw = raw if isinstance(raw, dict) else {}
    shaped = dict((field, raw.get(field)) for field in CLIENT_CERTIFICATE_FIELDS)
    authority = raw.get('certificate_authority')
    shaped['certificate_authority'] = (
        {'id': authority.get('id'), 'name': authority.get('name')} if isinstance(authority, dict) else None)
    return shaped


# --- reading ---------------------------------------------------------------------------------

def get_client_certificate(client, zone, certificate_id):
    """One certificate by id (one GET), or None when Cloudflare has none with that id (404)."""
    envelope = checked_get(client, _path(client, zone, certificate_id), CLIENT_CERTIFICATE, absent_ok=True)
    return envelope.result if envelope is not None else None


def client_certificate_pages(client, zone, status=None):
    """Every page of the zone's certificates (50 a page), optionally of one status (filtered by Cloudflare)."""
    query = {'status': status} if status and status != 'all' else {}
    return checked_pages(client, _path(client, zone), CLIENT_CERTIFICATE,
                         lambda: client.pages(_path(client, zone), params=query, per_page=LIST_PAGE_SIZE))


# Cloudflare's default quota of client certificates per zone; its account team raises it on
# request. The error the real API answers at the quota is not known, so a refused issue is
# explained by counting what the zone holds, never by matching an error text or code.
CLIENT_CERTIFICATE_QUOTA = 100


def count_client_certificates(client, zone, status=None):
    """How many certificates the zone holds (of ``status``), from one small page's ``total_count``; None when not said."""
    query = {'page': 1, 'per_page': 5}
    if status and status != 'all':
        query['status'] = status
    total = client.get(_path(client, zone), params=query, expect='list').result_info.get('total_count')
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def explain_issue_refusal(client, zone, error):
    """``error`` restated with the zone's count when a refused issue may be the quota; else ``error`` itself."""
    try:
        total = count_client_certificates(client, zone)
        if total is None or total < CLIENT_CERTIFICATE_QUOTA:
            return error
        active = count_client_certificates(client, zone, 'active')
    except CloudflareError:
        return error
    return error.restated(
        'Cloudflare refused to issue the client certificate, and zone %s already holds %d client certificates (%s active); '
        'the default quota is %d per zone, and revoked certificates may still count. Ask your Cloudflare account team to '
        'raise the quota. %s' % (zone, total, active if active is not None else 'how many', CLIENT_CERTIFICATE_QUOTA, error.message))


class Criterion(object):
    """What a lookup matches on: exactly one of a serial number, a SHA-256 fingerprint or a CSR.

    Cloudflare has no server-side filter on these, so they are matched here. A criterion
    without a value cannot be built, so a lookup can never match everything.
    """

    def __init__(self, option, value):
        if value is None or not str(value).strip():
            raise CloudflareError('internal error: a lookup by %s without a value' % option)
        self.option = option
        self.value = value
        if option == 'csr':
            self._key = csr_key(value)
            if not self._key:
                raise CloudflareError('internal error: a lookup by a csr that holds no CSR')
        elif option == 'serial_number':
            self._key = normalize_serial(value)
        elif option == 'fingerprint_sha256':
            self._key = normalize_fingerprint(value)
        else:
            raise CloudflareError('internal error: no lookup by %s' % option)

    def matches(self, certificate):
        if not isinstance(certificate, dict):
            return False
        if self.option == 'csr':
            return csr_key(certificate.get('csr')) == self._key
        if self.option == 'serial_number':
            return normalize_serial(certificate.get('serial_number')) == self._key
        return normalize_fingerprint(certificate.get('fingerprint_sha256')) == self._key


class SelectionError(CloudflareError):
    """Several certificates match what the task selects; ``candidates`` lists them."""

    def __init__(self, message, candidates=None):
        super(SelectionError, self).__init__(message)
        self.candidates = candidates or []


def find_client_certificates(client, zone, criterion, skip_revoked=False):
    """The certificates matching ``criterion``, listing pages of 50 and stopping at the end of the first page with a match.

    With ``skip_revoked``, revoked certificates do not count (one CSR may have been issued
    many times); returns (the live matches, the revoked matches seen).
    """
    revoked = []
    for items in client_certificate_pages(client, zone):
        found = [item for item in items if criterion.matches(item)]
        if skip_revoked:
            revoked.extend(item for item in found if item.get('status') == 'revoked')
            found = [item for item in found if item.get('status') != 'revoked']
        if found:
            return found, revoked
    return [], revoked


def find_one_client_certificate(client, zone, criterion, skip_revoked=False):
    """The one certificate matching ``criterion`` (or None), and the revoked matches; several raise a SelectionError."""
    found, revoked = find_client_certificates(client, zone, criterion, skip_revoked)
    if len(found) > 1:
        candidates = [{'id': item.get('id'), 'status': item.get('status')} for item in found]
        raise SelectionError('%s matches %d client certificates (%s); select one of them with id'
                             % (criterion.option, len(found), ', '.join('%s %s' % (item['id'], item['status']) for item in candidates)),
                             candidates)
    return (found[0] if found else None), revoked


def matches_filters(certificate, common_name=None, expires_within_days=None, now=None):
    """The info module's client-side filters (Cloudflare has no server-side filter on these)."""
    if common_name is not None and (certificate.get('common_name') or '') != common_name:
        return False
    if expires_within_days is not None and not expires_within(certificate, expires_within_days, now=now):
        return False
    return True


# --- writes ----------------------------------------------------------------------------------

def _check(certificate_id):
    return 'Check it with mtls.cloudflare.client_certificate_info (id: %s)' % certificate_id


def issue_write(client, zone, csr, validity_days):
    """POST: issue a certificate from ``csr``. Not resendable: a second POST would issue a second certificate."""
    criterion = Criterion('csr', csr)
    return Write('POST', _path(client, zone), {'csr': csr, 'validity_days': validity_days},
                 'the certificates issued from this csr',
                 read=lambda sender: find_client_certificates(sender, zone, criterion, skip_revoked=True)[0],
                 applied=bool,
                 answer_ok=answer_check(CLIENT_CERTIFICATE, 'POST', _path(client, zone)),
                 check='Check with mtls.cloudflare.client_certificate_info whether a certificate was issued from this csr')


def _status_write(client, zone, certificate_id, method, body, effect, settled_codes=()):
    return Write(method, _path(client, zone, certificate_id), body, 'client certificate %s' % certificate_id,
                 read=lambda sender: get_client_certificate(sender, zone, certificate_id),
                 applied=lambda current: isinstance(current, dict) and current.get('status') in effect,
                 answer_ok=answer_check(CLIENT_CERTIFICATE, method, _path(client, zone, certificate_id),
                                        lambda result: result['status'] in effect),
                 check=_check(certificate_id), resendable=True,
                 settled_by_read=lambda error: any(code in settled_codes for code in error.codes), items=(certificate_id,))


def revoke_write(client, zone, certificate_id):
    """DELETE: revoke; the certificate becomes pending_revocation, then revoked.

    A refusal with 1407 ("already deleted": already revoked, by someone else or by an earlier
    attempt whose answer was lost) is settled by a read, which decides.
    """
    return _status_write(client, zone, certificate_id, 'DELETE', None, REVOKED, settled_codes=(ALREADY_REVOKED,))


def reactivate_write(client, zone, certificate_id):
    """PATCH ``{"reactivate": true}``: undo a revocation that is still pending (the live API's body; the 2024-08 spec has none)."""
    return _status_write(client, zone, certificate_id, 'PATCH', {'reactivate': True}, REACTIVATED)


# The status rules, per wanted state (a module's ``state``): the write, the statuses that need it,
# those that are there already (and the outcome the bulk module reports for them), and the
# pending and final status of the transition. Any other status is refused (status_refusal).
STATUS_RULES = {
    'revoked': dict(write=revoke_write, done='revoked', needs=('active',), already=REVOKED,
                    already_outcome='already_revoked', pending='pending_revocation', final='revoked'),
    'present': dict(write=reactivate_write, done='reactivated', needs=('pending_revocation',), already=REACTIVATED,
                    already_outcome='already_active', pending='pending_reactivation', final='active'),
}


def status_refusal(state, status, certificate_id):
    """Why a certificate with ``status`` cannot reach ``state``: the one wording of each refusal."""
    if state == 'revoked' and status == 'pending_reactivation':
        return ('client certificate %s is pending_reactivation: Cloudflare revokes it only once the reactivation has settled and '
                'it is active again (in a few minutes). Run the task again later' % certificate_id)
    if state == 'present' and status == 'revoked':
        return ('client certificate %s is revoked: the revocation has completed and cannot be undone; issue a new certificate '
                'from a CSR instead (mtls.cloudflare.client_certificate with csr)' % certificate_id)
    return 'client certificate %s has the status %r, which this module does not know; nothing was changed' % (certificate_id, status)
