# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""format_api_failure's hints: the permission a refused request needs follows its method; the 2026 codes have hints."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import format_api_failure


@pytest.mark.parametrize('code', [9109, 10000, 10001, None])
@pytest.mark.parametrize('method, permission, other', [
    ('GET', 'SSL and Certificates Read', 'Write'), ('DELETE', 'SSL and Certificates Write', 'Read'),
    ('POST', 'SSL and Certificates Write', 'Read'), ('PUT', 'SSL and Certificates Write', 'Read'),
    ('PATCH', 'SSL and Certificates Write', 'Read'),
])
def test_a_refused_credential_hints_the_permission_of_the_method(method, permission, other, code):
    errors = [{'code': code, 'message': 'Invalid access token'}] if code else []
    text = format_api_failure(method, '/zones/z/client_certificates', 403, errors)
    assert permission in text
    assert other not in text.split('Hint:', 1)[1]


@pytest.mark.parametrize('code, words', [
    (1407, 'already revoked'), (1414, 'pending_deletion'), (1433, 'detach_hostnames'), (1434, 'pending_deployment'),
    (1551, 'check the certificate id'), (1552, 'check the certificate id'), (1553, 'no association'), (1406, 'pending_deletion'),
])
def test_the_2026_codes_have_hints(code, words):
    text = format_api_failure('DELETE', '/zones/z/x', 400, [{'code': code, 'message': 'm'}])
    assert 'Hint: ' in text and words in text.split('Hint: ', 1)[1]


def test_a_code_that_is_not_a_number_gets_no_hint_and_no_crash():
    text = format_api_failure('GET', '/zones/z/x', 400, [{'code': [1433], 'message': 'm'}, {'code': True, 'message': 'n'}])
    assert 'Hint' not in text
