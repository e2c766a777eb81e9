# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Cloudflare's timestamps, and expiry checks for both kinds of certificate."""

from __future__ import annotations

import datetime
import re


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
