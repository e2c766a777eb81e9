# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Input checks that run before any request, and URL-quoting of path segments."""

from __future__ import annotations

import re

from urllib.parse import quote

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

# Cloudflare ids are 32 hex characters today; accept the id alphabet Cloudflare has used
# (hex, UUIDs with dashes) but nothing that could change the path of a request.
_ID_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9-]{0,63}$')
_LABEL_RE = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
_PEM_BLOCK_RE = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----')
_SERIAL_RE = re.compile(r'^[0-9A-Fa-f:]{1,128}$')
_FINGERPRINT_RE = re.compile(r'^[0-9A-Fa-f:]{64,95}$')
MAX_HOSTNAME_LENGTH = 253


class InputError(CloudflareError):
    """Input refused before any request was sent."""


def validate_id(value, option):
    """Return ``value`` if it is a safe Cloudflare id, else raise an InputError naming ``option``."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InputError(
            "%s must be a Cloudflare id (letters, digits and '-', at most 64 characters, like "
            "'023e105f4ecef8ad9ca31a8372d0c353'), got %r" % (option, _shorten(value)))
    return value


def validate_hostname(value, option):
    """Return the hostname lower-cased without a trailing dot, or raise an InputError naming ``option``.

    A leading ``*.`` label is accepted because per-hostname certificates can serve wildcards.
    """
    if not isinstance(value, str) or not value:
        raise InputError('%s must be a hostname, got %r' % (option, _shorten(value)))
    hostname = value.strip().lower()
    if hostname.endswith('.'):
        hostname = hostname[:-1]
    labels = hostname.split('.')
    if labels and labels[0] == '*':
        labels = labels[1:]
    if (not hostname or len(hostname) > MAX_HOSTNAME_LENGTH or len(labels) < 2
            or not all(_LABEL_RE.match(label) for label in labels)):
        raise InputError(
            '%s must be a fully qualified hostname of at most %d characters (letters, digits, '
            "'-' and dots; an optional leading '*.'), got %r" % (option, MAX_HOSTNAME_LENGTH, _shorten(value)))
    return hostname


def validate_serial(value, option):
    if not isinstance(value, str) or not _SERIAL_RE.match(value.strip()):
        raise InputError('%s must be a certificate serial number (hex or decimal digits), got %r' % (option, _shorten(value)))
    return value.strip()


def normalize_serial(value):
    """Serials compare without separators, case or leading zeros (Cloudflare prints them in several ways)."""
    if value is None:
        return None
    return str(value).replace(':', '').strip().lower().lstrip('0') or '0'


def validate_fingerprint(value, option):
    normalized = normalize_fingerprint(value) if isinstance(value, str) else None
    if not isinstance(value, str) or not _FINGERPRINT_RE.match(value.strip()) or len(normalized) != 64:
        raise InputError('%s must be a SHA-256 fingerprint (64 hex digits, colons allowed), got %r' % (option, _shorten(value)))
    return normalized


def normalize_fingerprint(value):
    if value is None:
        return None
    return str(value).replace(':', '').strip().lower()


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


def normalize_pem(text):
    """Compare PEM text regardless of line endings, wrapping and surrounding whitespace."""
    if not text:
        return ''
    return re.sub(r'\s+', '', str(text))


def quote_segment(value):
    """URL-quote one path segment: nothing a value contains can add a '/' or a query."""
    return quote(str(value), safe='')


def _shorten(value, limit=80):
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + '...'
