# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Zones: the zone a task works in, by id or by name (one GET /zones)."""

from __future__ import annotations

import re

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, shorten, validate_id

_ZONE_NAME_RE = re.compile(r'(?=.{1,253}\Z)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}')


def check_zone_name(value):
    """The zone name, lower-cased without a trailing dot; InputError naming ``zone`` otherwise."""
    name = value.lower().rstrip('.') if isinstance(value, str) else ''
    if not _ZONE_NAME_RE.fullmatch(name):
        raise InputError('zone must be a zone name such as example.com, got %s' % shorten(value))
    return name


def zone_id_of(client, params):
    """``zone_id``, or the id of the zone named ``zone`` (one request)."""
    if params.get('zone_id'):
        return params['zone_id']
    name = check_zone_name(params['zone'])
    zones = client.get('/zones', params={'name': name}, expect='list').result
    matches = [zone for zone in zones if isinstance(zone, dict) and str(zone.get('name', '')).lower() == name]
    if not matches:
        raise CloudflareError('zone %r was not found: check the name, and that the credentials may read it (a token needs the '
                              'Zone Read permission to find a zone by name; or give zone_id)' % name,
                              method='GET', path='/zones', status=200)
    if len(matches) > 1:
        raise CloudflareError('zone %r matches several zones (%s); give zone_id' % (name, ', '.join(str(z.get('id')) for z in matches)),
                              method='GET', path='/zones', status=200)
    return validate_id(matches[0].get('id'), 'the id Cloudflare returned for zone %s' % name)
