# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Per-hostname Authenticated Origin Pulls: every request to ``/zones/{zone}/origin_tls_client_auth``.

Hostname certificates (list, get, upload, delete) and hostname associations (read one
hostname, list the zone's, the batched PUT), the writes as ``Write`` descriptions, the whitelisted fields
the modules return, and matching an uploaded certificate by its leaf.
"""

from __future__ import annotations

import base64
import binascii

from ansible_collections.mtls.cloudflare.plugins.module_utils._answers import FLAG, TEXT, Shape, answer_check, checked_get, checked_pages
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._pool import read_many
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, der_items, normalize_pem, normalize_serial, pem_blocks
from ansible_collections.mtls.cloudflare.plugins.module_utils._writes import Write

HOSTNAME_CERTIFICATE_STATUSES = (
    'initializing', 'pending_deployment', 'active', 'pending_deletion', 'deleted', 'deployment_timed_out', 'deletion_timed_out',
)
# What a module returns of a hostname certificate. Never ``private_key``: the 2024-08 spec
# types list items as association objects that carry one, so a response might too.
HOSTNAME_CERTIFICATE_FIELDS = ('id', 'certificate', 'expires_on', 'issuer', 'serial_number', 'signature', 'status', 'uploaded_on')
ASSOCIATION_FIELDS = (
    'hostname', 'cert_id', 'enabled', 'status', 'cert_status', 'certificate', 'issuer', 'serial_number', 'signature',
    'expires_on', 'cert_uploaded_on', 'cert_updated_at', 'created_at', 'updated_at',
)
# The managed part of an association, for diffs and per-hostname results.
ASSOCIATION_DIFF_FIELDS = ('cert_id', 'enabled', 'status')
# Cloudflare takes many hostnames in one PUT; 100 is its limit of associations per
# certificate (docs; the error it answers beyond is not known), so no single request needs more.
ASSOCIATIONS_PER_CERTIFICATE = 100
ASSOCIATIONS_PER_REQUEST = ASSOCIATIONS_PER_CERTIFICATE
HOSTNAME_CERTIFICATE_LIMIT = 10
PRIVATE_KEY_KINDS = ('PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY')
GONE = ('deleted',)
TIMED_OUT = ('deployment_timed_out', 'deletion_timed_out')
# The transitional statuses of a hostname certificate, and of an association, on the way to active.
DEPLOYING = ('initializing', 'pending_deployment')
# What the modules read of each, and the JSON type of each field (null allowed). A hostname certificate may come
# association-typed (cert_id, cert_status, cert_uploaded_on), as the 2024-08 spec types list items.
_CERTIFICATE_TYPES = dict.fromkeys(HOSTNAME_CERTIFICATE_FIELDS + ('cert_id', 'cert_status', 'cert_uploaded_on'), TEXT)
HOSTNAME_CERTIFICATE = Shape('a hostname certificate', _CERTIFICATE_TYPES, one_of=(('id', 'cert_id'),))
# A DELETE may answer with less than the certificate (its id, or nothing): only the types are checked.
DELETED_CERTIFICATE = Shape('a hostname certificate', _CERTIFICATE_TYPES)
ASSOCIATION = Shape('an association', dict(dict.fromkeys(ASSOCIATION_FIELDS, TEXT), enabled=FLAG))
# An item of the zone's list of associations: the 2026 spec gives hostname, cert_id, enabled, status,
# created_at and updated_at (no certificate fields); without a hostname an item says nothing.
LISTED_ASSOCIATION = Shape('an association', ASSOCIATION.fields, required=('hostname',))
# GET /zones/{zone}/origin_tls_client_auth/hostnames lists the zone's associations (2026 spec): up to
# 1000 a page; status=all includes every status (the default is active only).
ASSOCIATION_PAGE_SIZE = 1000
# How an API without that list answers its GET: no route (404), a GET of the hostname "" (400), or
# only the PUT routed there (405). Then each hostname is read on its own, as before the list existed.
NO_ASSOCIATION_LIST = (400, 404, 405)
# From this many hostnames on, one listing (a page per 1000 associations, plus the certificate list
# for the certificate fields) costs fewer requests than one GET per hostname.
LIST_FROM = 3
# What a listed association takes from its certificate (the list items carry none of it).
_FROM_CERTIFICATE = (('cert_status', 'status'), ('certificate', 'certificate'), ('issuer', 'issuer'), ('serial_number', 'serial_number'),
                     ('signature', 'signature'), ('expires_on', 'expires_on'), ('cert_uploaded_on', 'uploaded_on'))
# A certificate id Cloudflare does not know (any more): "invalid or deleted".
UNKNOWN_CERTIFICATE = 1415
# Cloudflare's "could not route": a hostname read may answer it for a hostname without an association.
COULD_NOT_ROUTE = 7003
# Association statuses that say the association is gone or going.
REMOVAL_STATUSES = ('deleted', 'pending_deletion')
# "This certificate already exists for this zone." Also answered, for about 10 s, to an upload of a
# certificate whose deleted copy is still pending_deletion; a later upload gets the same id back.
ALREADY_EXISTS = 1406
# Hostname certificate codes seen on the live API in 2026 (tools/local_cloudflare/README.md, "What the live API was seen to do").
# DELETE of a certificate already being deleted: it is pending_deletion, gone for state=absent.
PENDING_DELETION = 1414
# DELETE of a certificate that hostname associations still use: detach them first.
IN_USE = 1433
# DELETE right after the upload, while the certificate is pending_deployment: try again later.
PENDING_DEPLOYMENT = 1434
# A hostname certificate that does not exist (any more).
NOT_FOUND_CODES = (1551, 1552)
# GET hostnames/{hostname} of a hostname never configured (a 404): no association.
HOSTNAME_NOT_CONFIGURED = 1553


def _certificates_path(client, zone, certificate_id=None):
    segments = ['zones', zone, 'origin_tls_client_auth', 'hostnames', 'certificates']
    if certificate_id is not None:
        segments.append(certificate_id)
    return client.path(*segments)


def _hostnames_path(client, zone, hostname=None):
    return client.path('zones', zone, 'origin_tls_client_auth', 'hostnames', *([] if hostname is None else [hostname]))


# --- hostname certificates -------------------------------------------------------------------

def shape_hostname_certificate(raw):
    """The whitelisted view; copes with the spec's association-typed list items (cert_id, cert_status)."""
    raw = raw if isinstance(raw, dict) else {}
    shaped = dict((field, raw.get(field)) for field in HOSTNAME_CERTIFICATE_FIELDS)
    shaped['id'] = raw.get('id') or raw.get('cert_id')
    shaped['status'] = raw.get('status') or raw.get('cert_status')
    shaped['uploaded_on'] = raw.get('uploaded_on') or raw.get('cert_uploaded_on')
    return shaped


def certificate_leaf(text, option='certificate'):
    """The first CERTIFICATE block of ``text``, normalised: the leaf Cloudflare stores of a bundle.

    Refuses text that carries a private key, so a key pasted into the wrong option is never
    sent as a certificate (and the message does not quote it).
    """
    if isinstance(text, str) and 'PRIVATE KEY-----' in text:
        raise InputError('%s contains a private key block; give the key in private_key and only certificates in %s' % (option, option))
    blocks = pem_blocks(text, option, ('CERTIFICATE',))
    _check_der(blocks[0], option, 'certificate')
    return blocks[0]


def check_private_key(text):
    """A cheap local check that ``private_key`` is an unencrypted PEM private key.

    Whether it matches the certificate is checked by Cloudflare on upload. No message here
    quotes the value.
    """
    if isinstance(text, str) and 'ENCRYPTED' in text:
        raise InputError('private_key is encrypted; Cloudflare needs the key without a passphrase')
    blocks = pem_blocks(text, 'private_key', PRIVATE_KEY_KINDS)
    _check_der(blocks[0], 'private_key', 'private key')


def _check_der(block, option, what):
    # Every PEM certificate and key is one DER SEQUENCE that fills the whole block: enough to
    # catch truncated or mangled base64 without an X.509 library.
    body = ''.join(block.strip().splitlines()[1:-1])
    try:
        items = der_items(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        items = []
    if len(items) != 1 or items[0][0] != 0x30 or len(items[0][1]) < 16:
        raise InputError('%s is not a valid PEM %s: its base64 content does not decode to one (truncated or mangled?)' % (option, what))


def same_leaf(raw, leaf):
    """True when the certificate Cloudflare returned has ``leaf`` as its first certificate."""
    stored = (raw or {}).get('certificate') if isinstance(raw, dict) else None
    if not stored:
        return False
    try:
        stored_leaf = pem_blocks(stored, 'certificate', ('CERTIFICATE',))[0]
    except InputError:
        return False
    return normalize_pem(stored_leaf) == normalize_pem(leaf)


def _serial_numbers(value):
    text = str(value or '').replace(':', '').strip().lower()
    numbers = set()
    for base in (10, 16):
        try:
            numbers.add(int(text, base))
        except ValueError:
            pass
    return numbers


def serial_matches(stored, wanted):
    """Cloudflare prints hostname certificate serials in decimal, ``openssl x509 -serial`` in hex: accept either."""
    if stored is None or wanted is None:
        return False
    if normalize_serial(stored) == normalize_serial(wanted):
        return True
    return bool(_serial_numbers(stored) & _serial_numbers(wanted))


def list_hostname_certificates(client, zone):
    """Every hostname certificate of the zone: the endpoint has no paging and no filters."""
    return checked_get(client, _certificates_path(client, zone), HOSTNAME_CERTIFICATE, expect='list').result


def get_hostname_certificate(client, zone, certificate_id):
    """The certificate, or None when Cloudflare does not know it (404, or 1415 "invalid or deleted", or 1551/1552 "not found")."""
    envelope = checked_get(client, _certificates_path(client, zone, certificate_id), HOSTNAME_CERTIFICATE, absent_ok=True,
                           gone_codes=(UNKNOWN_CERTIFICATE,) + NOT_FOUND_CODES)
    return envelope.result if envelope is not None else None


def find_by_leaf(listing, leaf):
    """The live certificate whose leaf is ``leaf``; Cloudflare keeps one copy per zone (1406), so at most one."""
    matches = [item for item in listing if same_leaf(item, leaf) and not is_gone(item)]
    return matches[0] if matches else None


def is_gone(raw):
    return raw is None or shape_hostname_certificate(raw)['status'] in GONE


def deployment_timed_out(what, remove, again):
    """The failure for a certificate or an association Cloudflare could not deploy (``deployment_timed_out``), and the way out.

    ``what`` names it (it may hold a ``%s`` for a Wait to fill in with the keys); ``remove`` and
    ``again`` say how it is removed and made again.
    """
    return 'Cloudflare reports deployment_timed_out for %s: Cloudflare could not deploy it; %s (state=absent) and %s again' % (what, remove, again)


def certificate_diff_view(shaped):
    """What diff mode shows of a certificate: never the key, and not the PEM either (noise)."""
    if not shaped:
        return {'state': 'absent'}
    view = dict((field, shaped.get(field)) for field in ('id', 'status', 'serial_number', 'expires_on'))
    view['state'] = 'absent' if shaped.get('status') in GONE else 'present'
    return view


# --- associations ------------------------------------------------------------------------------

def shape_association(raw):
    """The returned fields of an association. One that reads as removed or missing (``association_state``)
    has every field but ``hostname`` null, whatever the shape of the read, so that no module reports a
    removed association as still pointing at its old (perhaps deleted) certificate; a removal still
    under way keeps its fields and its ``pending_deletion`` status, which a wait for the removal needs."""
    raw = raw if isinstance(raw, dict) else {}
    shaped = dict((field, raw.get(field)) for field in ASSOCIATION_FIELDS)
    if association_state(shaped) == 'absent' and shaped['status'] != 'pending_deletion':
        shaped = dict.fromkeys(ASSOCIATION_FIELDS)
        shaped['hostname'] = raw.get('hostname')
    return shaped


def association_state(association):
    """``enabled``, ``disabled`` or ``absent``.

    How the real API answers a hostname whose association was removed (``enabled: null``) or
    never existed is not known (``tools/local_cloudflare/README.md``); each plausible answer
    reads as ``absent``: a 404 with or without code 1415 or 7003 (``read_association`` turns
    it into an empty association), a 200 with every field but ``hostname`` null,
    ``enabled: null``, or ``enabled: false`` with the old ``cert_id`` and a status of
    ``pending_deletion`` or ``deleted``.

    The decision on ``enabled: false`` with a ``cert_id``: that is what a DISABLED association
    looks like, so only the status may say it was removed. Associations have no DELETE;
    ``enabled: null`` is the only way one goes, so ``pending_deletion`` and ``deleted`` can only
    describe a removed association, and they read as ``absent``. Any other status reads as
    ``disabled``: a disabled association is never taken for a removed one (``state: disabled``
    stays idempotent, and ``state: absent`` does remove a disabled association, as asked).
    The Terraform provider v5 cannot tell either: its destroy check accepts ``enabled: false``
    as removed. Were the real API ever to answer a removed association with ``enabled: false``
    and a live status, nothing could tell it from a disabled one; then a second ``state: absent``
    would send the same (harmless) removal again, and ``removal_state`` still lets the wait
    after a removal end.
    """
    if not association or not association.get('cert_id') or association.get('enabled') is None:
        return 'absent'
    if association.get('status') in REMOVAL_STATUSES:
        return 'absent'
    return 'enabled' if association.get('enabled') else 'disabled'


def removal_state(association):
    """``present`` or ``absent``, for the wait after this run removed an association (sent ``enabled: null``).

    Like ``association_state``, but ``enabled: false`` counts as removed: this run just asked
    for the removal and Cloudflare accepted it, so a hostname that now reads as disabled is not
    a disabled association someone wants kept, and a wait for it would never end.
    """
    return 'absent' if association_state(association) != 'enabled' else 'present'


def read_association(client, zone, hostname):
    """One hostname's association, shaped; a 404 (any code), or a 1415, 1553 or 7003, reads as a hostname without one."""
    envelope = checked_get(client, _hostnames_path(client, zone, hostname), ASSOCIATION, absent_ok=True,
                           gone_codes=(UNKNOWN_CERTIFICATE, HOSTNAME_NOT_CONFIGURED, COULD_NOT_ROUTE))
    shaped = shape_association(envelope.result if envelope is not None else {})
    shaped['hostname'] = hostname
    return shaped


def list_associations(client, zone, certificates=None):
    """Every association of the zone, by lower-case hostname, with its certificate's fields; None when Cloudflare has no list.

    One listing with ``status=all`` (pages of ASSOCIATION_PAGE_SIZE) and, when any is listed,
    one read of the certificate list for the certificate fields the list items lack
    (``cert_updated_at`` stays null). An API without the list answers its first page with 400,
    404 or 405 (NO_ASSOCIATION_LIST): that returns None, and the caller reads hostnames one by one.
    Removed associations may be listed (``status: deleted``, ``enabled: null``); where a hostname
    is listed more than once, a live association wins over a removed one. ``certificates``: the zone's
    certificate list when the caller has read it already (it is not read again).
    """
    path = _hostnames_path(client, zone)
    listed = []
    try:
        for items in checked_pages(client, path, LISTED_ASSOCIATION,
                                   lambda: client.pages(path, params={'status': 'all'}, per_page=ASSOCIATION_PAGE_SIZE),
                                   key=lambda item: tuple(repr(item.get(field)) for field in ('hostname', 'cert_id', 'enabled', 'status'))):
            listed.extend(items)
    except CloudflareError as error:
        if error.status in NO_ASSOCIATION_LIST and not listed:
            return None
        raise
    by_id = {}
    if listed:
        for certificate in list_hostname_certificates(client, zone) if certificates is None else certificates:
            shaped = shape_hostname_certificate(certificate)
            by_id[shaped['id']] = shaped
    found = {}
    for item in listed:
        association = dict(item)
        certificate = by_id.get(item.get('cert_id'), {})
        for field, source in _FROM_CERTIFICATE:
            if association.get(field) is None:
                association[field] = certificate.get(source)
        association = shape_association(association)
        hostname = item['hostname'].lower()
        kept = found.get(hostname)
        if kept is None or _rank(association) >= _rank(kept):
            found[hostname] = association
    return found


def _rank(association):
    return (association_state(association) != 'absent', association.get('updated_at') or '')


def read_associations(client, zone, hostnames, parallel=1, warn=None, certificates=None):
    """The association of each of ``hostnames``, shaped, in their order: from the zone's list when
    there are LIST_FROM or more and Cloudflare lists them, else one GET each (``parallel`` at a time)."""
    hostnames = list(hostnames)
    listed = list_associations(client, zone, certificates) if len(hostnames) >= LIST_FROM else None
    if listed is None:
        return read_many(client, parallel, lambda worker, hostname: read_association(worker, zone, hostname), hostnames, warn)
    associations = []
    for hostname in hostnames:
        association = dict(listed.get(hostname.lower()) or shape_association({}))
        association['hostname'] = hostname
        associations.append(association)
    return associations


def has_wanted_association(association, item):
    """Whether ``association`` is what the PUT item ``item`` asks for.

    Removing (``enabled: null``) is done once the hostname is no longer on that certificate.
    """
    if item['enabled'] is None:
        return association_state(association) == 'absent' or association.get('cert_id') != item['cert_id']
    return (association_state(association) != 'absent' and association.get('cert_id') == item['cert_id']
            and bool(association.get('enabled')) == item['enabled'])


# --- writes ----------------------------------------------------------------------------------

def upload_write(client, zone, leaf, certificate, private_key, seen=None):
    """POST the certificate and its key. Resendable, and settled by a read: Cloudflare refuses a second copy (1406).

    A copy that is pending_deletion is not the upload's effect: Cloudflare answers 1406 while
    the deletion completes, and the upload is to be sent again then. ``seen``: a dict whose
    ``copy`` is set to the copy each read found (None for none), for the caller to judge a 1406 by.
    """
    seen = {} if seen is None else seen

    def read(sender):
        seen['copy'] = find_by_leaf(list_hostname_certificates(sender, zone), leaf)
        return seen['copy']

    return Write('POST', _certificates_path(client, zone), {'certificate': certificate, 'private_key': private_key},
                 'the hostname certificates of zone %s' % zone,
                 read=read,
                 applied=lambda found: found is not None and shape_hostname_certificate(found)['status'] != 'pending_deletion',
                 answer_ok=answer_check(HOSTNAME_CERTIFICATE, 'POST', _certificates_path(client, zone)),
                 check='Check with mtls.cloudflare.hostname_certificate_info whether the certificate is listed',
                 resendable=True, settled_by_read=lambda error: ALREADY_EXISTS in error.codes)


def delete_write(client, zone, certificate_id):
    """DELETE a hostname certificate (no body: the SDKs send none, although the 2024-08 spec asks for an empty JSON one).

    Settled by a read: a 404 (or 1415, 1551, 1552) means it is gone already, 1414 that it is
    being deleted; the read decides.
    """
    return Write('DELETE', _certificates_path(client, zone, certificate_id), None, 'hostname certificate %s' % certificate_id,
                 read=lambda sender: get_hostname_certificate(sender, zone, certificate_id),
                 applied=lambda current: is_gone(current) or shape_hostname_certificate(current)['status'] == 'pending_deletion',
                 answer_ok=answer_check(DELETED_CERTIFICATE, 'DELETE', _certificates_path(client, zone, certificate_id)),
                 check='Check it with mtls.cloudflare.hostname_certificate_info (id: %s)' % certificate_id,
                 resendable=True, settled_by_read=lambda error: error.status == 404 or any(
                     code in (UNKNOWN_CERTIFICATE, PENDING_DELETION) + NOT_FOUND_CODES for code in error.codes))


def association_writes(client, zone, config):
    """One PUT per batch of ``config`` items ({hostname, cert_id, enabled}), each a Write whose items are its hostnames.

    PUT replaces each listed hostname's association with what its item says, so it can be
    sent again after a lost answer without changing the outcome. The read that decides an odd
    answer takes the zone's list of associations when it answers (read_associations).
    """
    writes = []
    for start in range(0, len(config), ASSOCIATIONS_PER_REQUEST):
        batch = config[start:start + ASSOCIATIONS_PER_REQUEST]
        hostnames = [item['hostname'] for item in batch]
        writes.append(Write(
            'PUT', _hostnames_path(client, zone), {'config': batch},
            'the associations of %s' % ', '.join(hostnames),
            read=lambda sender, hostnames=hostnames: dict(zip(hostnames, read_associations(sender, zone, hostnames))),
            applied=lambda current, batch=batch: all(has_wanted_association(current[item['hostname']], item) for item in batch),
            answer_ok=answer_check(ASSOCIATION, 'PUT', _hostnames_path(client, zone), many=True),
            check='Check them with mtls.cloudflare.hostname_certificate_info (hostnames: [%s])' % ', '.join(hostnames),
            resendable=True, items=hostnames))
    return writes


def associations_by_hostname(result):
    """The associations a PUT answered with, or re-read after it, by lower-case hostname."""
    if isinstance(result, dict):
        return result
    answered = {}
    for item in result if isinstance(result, list) else []:
        if isinstance(item, dict) and isinstance(item.get('hostname'), str):
            answered[item['hostname'].lower()] = shape_association(item)
    return answered
