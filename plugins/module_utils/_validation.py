# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Input checks that run before any request, and URL-quoting of path segments.

Every check raises an InputError whose message names the option. Patterns are matched
with ``fullmatch``: ``$`` also matches before a final newline, which would let
``"abc\\n"`` through as an id.
"""

from __future__ import annotations

import math
import re

from urllib.parse import quote

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

# Cloudflare ids are 32 hex characters today; accept the id alphabet Cloudflare has used
# (hex, UUIDs with dashes) but nothing that could change the path of a request.
_ID_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9-]{0,63}')
_LABEL_RE = re.compile(r'(?!-)[a-z0-9-]{1,63}(?<!-)')
_PEM_BLOCK_RE = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----')
# At least one hex digit: a serial of separators only ('::::') names no certificate.
_SERIAL_RE = re.compile(r'(?=[0-9A-Fa-f:]*[0-9A-Fa-f])[0-9A-Fa-f:]{1,128}')
_FINGERPRINT_RE = re.compile(r'[0-9A-Fa-f:]{64,95}')
MAX_HOSTNAME_LENGTH = 253
# Far enough for any certificate; beyond this a date computed from it overflows.
MAX_DAYS = 36500
MAX_PARALLEL = 32
# Upper bounds of the shared options: beyond them a value is a typo, and some would overflow a
# sleep or a deadline, or retry for ever. Documented in plugins/doc_fragments/api.py.
MAX_API_TIMEOUT = 3600
MAX_API_MAX_WAIT = 86400
MAX_API_RETRIES = 100
# wait_timeout of every module that waits.
MAX_WAIT_TIMEOUT = 86400


class InputError(CloudflareError):
    """Input refused before any request was sent."""


def validate_id(value, option):
    """Return ``value`` if it is a safe Cloudflare id, else raise an InputError naming ``option``."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise InputError(
            "%s must be a Cloudflare id (letters, digits and '-', at most 64 characters, like "
            "'023e105f4ecef8ad9ca31a8372d0c353'), got %s" % (option, shorten(value)))
    return value


def validate_hostname(value, option):
    """Return the hostname lower-cased without a trailing dot, or raise an InputError naming ``option``.

    A leading ``*.`` label is accepted because per-hostname certificates can serve wildcards.
    """
    hostname = value.strip().lower() if isinstance(value, str) else ''
    if hostname.endswith('.'):
        hostname = hostname[:-1]
    labels = hostname.split('.')
    if labels and labels[0] == '*':
        labels = labels[1:]
    if (not hostname or len(hostname) > MAX_HOSTNAME_LENGTH or len(labels) < 2
            or not all(_LABEL_RE.fullmatch(label) for label in labels)):
        raise InputError(
            '%s must be a fully qualified hostname of at most %d characters (letters, digits, '
            "'-' and dots; an optional leading '*.'), got %s" % (option, MAX_HOSTNAME_LENGTH, shorten(value)))
    return hostname


def validate_hostnames(values, option):
    """The hostnames of a list option, checked, lower-cased and without repeats, in their order."""
    hostnames = []
    for value in values or []:
        hostname = validate_hostname(value, option)
        if hostname not in hostnames:
            hostnames.append(hostname)
    return hostnames


def validate_serial(value, option):
    if not isinstance(value, str) or not _SERIAL_RE.fullmatch(value.strip()):
        raise InputError('%s must be a certificate serial number (hex or decimal digits, colons allowed, at least one digit), got %s'
                         % (option, shorten(value)))
    return value.strip()


def normalize_serial(value):
    """Serials compare without separators, case or leading zeros (Cloudflare prints them in several ways)."""
    if value is None:
        return None
    return str(value).replace(':', '').strip().lower().lstrip('0') or '0'


def validate_fingerprint(value, option):
    if not isinstance(value, str) or not _FINGERPRINT_RE.fullmatch(value.strip()) or len(normalize_fingerprint(value)) != 64:
        raise InputError('%s must be a SHA-256 fingerprint (64 hex digits, colons allowed), got %s' % (option, shorten(value)))
    return normalize_fingerprint(value)


def normalize_fingerprint(value):
    if value is None:
        return None
    return str(value).replace(':', '').strip().lower()


def check_finite(value, option, minimum=0.0, strictly_above=False, maximum=None):
    """A number option that must be finite, at least ``minimum`` (or above it) and at most ``maximum`` (when given)."""
    if (value is None or isinstance(value, bool) or not math.isfinite(value) or value < minimum or (strictly_above and value == minimum)
            or (maximum is not None and value > maximum)):
        raise InputError('%s must be a finite number %s %s, got %r%s' % (
            option, 'above' if strictly_above else 'of at least', minimum, value, '' if maximum is None else '; at most %s' % maximum))
    return value


def list_of(check):
    """The check of a list option whose items ``check`` checks one by one; ``item_check`` tells which check that is."""
    def check_list(values, option):
        return [check(value, option) for value in values]
    check_list.item_check = check
    return check_list


def check_parallel(value, option):
    """How many requests a module sends at once: enough to overlap round trips, never a flood."""
    if not 1 <= value <= MAX_PARALLEL:
        raise InputError('%s must be from 1 to %d, got %d' % (option, MAX_PARALLEL, value))
    return value


def check_days(value, option, minimum=0):
    """A number of days that a date can be computed from."""
    if value is not None and not minimum <= value <= MAX_DAYS:
        raise InputError('%s must be between %d and %d days, got %r' % (option, minimum, MAX_DAYS, value))
    return value


def pem_blocks(text, option, kinds):
    """Return the PEM blocks of ``text`` whose type is in ``kinds``, normalised; raise when there is none.

    Normalising (one block per type line, base64 on 64-column lines, LF endings) lets a PEM
    written by another tool compare equal to the one Cloudflare returns.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError('%s must be PEM text, got an empty value' % option)
    blocks = []
    for kind, body in _PEM_BLOCK_RE.findall(text.replace('\r\n', '\n').replace('\r', '\n')):
        if kind in kinds:
            data = re.sub(r'\s+', '', body)
            lines = [data[i:i + 64] for i in range(0, len(data), 64)]
            blocks.append('-----BEGIN %s-----\n%s\n-----END %s-----\n' % (kind, '\n'.join(lines), kind))
    if not blocks:
        raise InputError('%s must be PEM text with a %s block' % (option, ' or '.join("'BEGIN %s'" % kind for kind in kinds)))
    return blocks


def der_items(data):
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


def normalize_pem(text):
    """Compare PEM text regardless of line endings, wrapping and surrounding whitespace."""
    if not text:
        return ''
    return re.sub(r'\s+', '', str(text))


def quote_segment(value):
    """URL-quote one path segment: nothing a value contains can add a '/' or a query."""
    return quote(str(value), safe='')


def shorten(value, limit=80):
    """``value`` for a message: quoted, and cut when long."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'
