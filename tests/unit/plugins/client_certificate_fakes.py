# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Figures and helpers for the client_certificate unit tests: CSRs, certificates, pages, the requests sent."""

from __future__ import annotations

import json

from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, envelope

LIST = BASE + '/zones/%s/client_certificates' % ZONE
CERT_ID = '0123456789abcdef0123456789abcdef'
ONE = LIST + '/' + CERT_ID
ARGS = {'api_token': TOKEN, 'zone_id': ZONE}

CSR = '''-----BEGIN CERTIFICATE REQUEST-----
MIIBAjCBqAIBADBGMQswCQYDVQQGEwJVUzEVMBMGA1UECgwMRXhhbXBsZSBJbmMu
MSAwHgYDVQQDDBdkZXZpY2UtMDA0Mi5leGFtcGxlLmNvbTBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABF0E0HPuPtsZH+I5NnxGz8d4X1e1U6lrn8KMvwjNeYNmRs+o
0kU0e5XoJuJSzKOQMvOHB5E5u/ihy+kuskBUQqWgADAKBggqhkjOPQQDAgNJADBG
AiEAyQLAazOvF8EBjWghK1olOAnUnBex7kwYBYxukWDwb30CIQD4jl/74nfmHBg8
mboqQ8W6wYXoGn6vIRNKw+UOK2HmPw==
-----END CERTIFICATE REQUEST-----
'''
OTHER_CSR = '''-----BEGIN CERTIFICATE REQUEST-----
MIHRMHkCAQAwFzEVMBMGA1UEAwwMb3RoZXItZGV2aWNlMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAECRnQ1lCzBZ+8bkNsFdF8Mduu8JULEr7EqaakQnsjL0sS7z3r
VE3YCdcpNPbpdNK2APg22KoagLpU/0f/SjXzq6AAMAoGCCqGSM49BAMCA0gAMEUC
IHlLT2ZpUyClWRYmmnphpVu5UzoE1254U3RD1MlRfi01AiEA+oaywivKYPU7aNZC
Vb0Qx9JSXJix/3TI6wAa+YEW1Mk=
-----END CERTIFICATE REQUEST-----
'''
# The CSR as another tool may print it: CRLF line endings, one long base64 line, surrounding blanks.
CSR_REWRAPPED = '\r\n  -----BEGIN CERTIFICATE REQUEST-----\r\n%s\r\n-----END CERTIFICATE REQUEST-----\r\n\r\n' % ''.join(CSR.splitlines()[1:-1])
NOT_A_CSR = '''-----BEGIN CERTIFICATE REQUEST-----
MIIBbjCCAROgAwIBAgIURyuwdMg8uh8vWTfZiicA5vJMKsgwCgYIKoZIzj0EAwIw
-----END CERTIFICATE REQUEST-----
'''


def certificate(status='active', number=1, csr=OTHER_CSR, issued_on='2024-01-01T00:00:00Z'):
    return {
        'id': CERT_ID if number == 1 else '%032x' % number, 'status': status, 'common_name': 'device-%d' % number,
        'serial_number': '%040x' % (number + 1000), 'fingerprint_sha256': '%064x' % (number + 5000),
        'issued_on': issued_on, 'expires_on': '2034-01-01T00:00:00Z', 'validity_days': 3650,
        'certificate': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'csr': csr,
        'certificate_authority': {'id': 'ca', 'name': 'Cloudflare Managed CA'}, 'private_key': 'never-returned',
    }


def page(items, number=1, total=None):
    total = len(items) if total is None else total
    return envelope(items, result_info={'page': number, 'per_page': 50, 'count': len(items), 'total_count': total,
                                        'total_pages': (total + 49) // 50})


def not_found():
    return envelope(success=False, errors=[{'code': 1402, 'message': 'Client certificate not found'}])


def sent(api):
    """The requests sent, as (method, URL without query, JSON body or None)."""
    return [(call.request.method, call.request.url.split('?')[0], json.loads(call.request.body) if call.request.body else None)
            for call in api.calls]


def query(api, index):
    return dict(pair.split('=') for pair in api.calls[index].request.url.split('?')[1].split('&'))
