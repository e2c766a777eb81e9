# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""Certificate signing requests: the PEM Cloudflare is sent, a key to compare CSRs, and the subject.

The subject is read with a small DER walker, because ansible-core and requests are the
only run-time requirements (no X.509 library on the host that runs the module).
"""

from __future__ import annotations

import base64
import binascii
import re

from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, der_items, pem_blocks

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
        ((request_tag, request),) = der_items(der)
        info_tag, info = der_items(request)[0]
        version, subject = der_items(info)[:2]
        if request_tag != 0x30 or info_tag != 0x30 or version[0] != 0x02 or subject[0] != 0x30:
            raise ValueError('not a CertificationRequest')
        fields = {}
        for rdn_tag, rdn in der_items(subject[1]):
            for attribute_tag, attribute in der_items(rdn):
                (oid_tag, oid), (value_tag, value) = der_items(attribute)[:2]
                if rdn_tag != 0x31 or attribute_tag != 0x30 or oid_tag != 0x06:
                    raise ValueError('not a Name')
                name = _SUBJECT_OIDS.get(oid)
                if name and name not in fields and value_tag in _DER_STRINGS:
                    fields[name] = value.decode(_DER_STRINGS[value_tag])
        return fields
    except (ValueError, TypeError, IndexError, binascii.Error):
        raise InputError('%s is not a readable certificate signing request: its PEM does not hold a PKCS#10 request' % option) from None
