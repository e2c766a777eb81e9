# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""API Shield mTLS hostnames: ``GET /zones/{zone}/certificate_authorities/hostname_associations``.

The hostnames on which Cloudflare asks for a client certificate signed by the zone's
Cloudflare managed CA (the answer is ``{"hostnames": [...]}``). Read only: the collection
never changes them.
"""

from __future__ import annotations

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError


def read_mtls_hostnames(client, zone):
    """The zone's mTLS hostnames, lower-case, without repeats, in Cloudflare's order.

    A ``hostnames`` of null or left out reads as none; any other shape is refused rather
    than read as "no hostnames", which would report nothing to enforce.
    """
    path = client.path('zones', zone, 'certificate_authorities', 'hostname_associations')
    result = client.get(path).result
    listed = result.get('hostnames')
    if listed is None:
        listed = []
    if not isinstance(listed, list) or not all(isinstance(hostname, str) for hostname in listed):
        raise CloudflareError('Cloudflare API GET %s: the answer has hostnames of an unexpected shape' % path, method='GET', path=path, status=200)
    hostnames = []
    for hostname in listed:
        hostname = hostname.strip().lower().rstrip('.')
        if hostname and hostname not in hostnames:
            hostnames.append(hostname)
    return hostnames
