# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Cloudflare's timestamps, dates given as options, and expiry checks for both kinds of certificate.

Parsing is total: a timestamp Cloudflare returns that cannot be read (malformed, or an
impossible date such as February 30th, hour 25 or an offset of +99:99) is None, "unknown",
never an exception; a date given as an option that cannot be read is an InputError naming it.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, shorten

# ASCII digits only (``\d`` would also take other scripts' digits).
_TIMESTAMP_RE = re.compile(r'([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?')


def parse_timestamp(value):
    """Cloudflare's ISO 8601 timestamps (``Z`` or an offset, optional fraction) as aware datetimes; None if unreadable."""
    if not value or not isinstance(value, str):
        return None
    match = _TIMESTAMP_RE.fullmatch(value.strip())
    if not match:
        return None
    zone = match.group(7) or 'Z'
    try:
        offset = datetime.timedelta(0)
        if zone != 'Z':
            digits = zone[1:].replace(':', '')
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                return None
            offset = datetime.timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == '-' else 1)
        return datetime.datetime(*(int(match.group(index)) for index in range(1, 7)), tzinfo=datetime.timezone(offset))
    except (ValueError, OverflowError):
        # Month 13, February 30th, hour 25, year 0, ...: not a moment.
        return None


def parse_moment(value):
    """An option's date (``2024-06-01``, midnight UTC) or timestamp as an aware datetime; None if unreadable."""
    text = value.strip() if isinstance(value, str) else ''
    return parse_timestamp(text) or parse_timestamp(text + 'T00:00:00Z')


def check_moment(value, option):
    """The text of a date or timestamp option, stripped; an InputError naming ``option`` when it is no real moment."""
    if parse_moment(value) is None:
        raise InputError('%s must be an ISO 8601 date (2024-06-01, midnight UTC) or timestamp (2024-06-01T12:00:00Z), and a real one '
                         '(no day 30 of February, month 13, hour 25, year 0 or offset beyond +/-23:59), got %s' % (option, shorten(value)))
    return value.strip()


def expires_within(certificate, days, now=None):
    expires = parse_timestamp(certificate.get('expires_on')) if isinstance(certificate, dict) else None
    if expires is None:
        return False
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return expires <= now + datetime.timedelta(days=days)
