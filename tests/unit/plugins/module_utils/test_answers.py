# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shape of the objects in Cloudflare's answers: what is malformed, and how a listing retries it."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._answers import answer_check
from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import CLIENT_CERTIFICATE, client_certificate_pages
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import ASSOCIATION, DELETED_CERTIFICATE, HOSTNAME_CERTIFICATE

from ansible_collections.mtls.cloudflare.tests.unit.plugins.client_certificate_fakes import LIST, certificate, page
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import ZONE, envelope


def two_pages(items, number):
    return envelope(items, result_info={'page': number, 'per_page': 2, 'count': len(items), 'total_count': 3, 'total_pages': 2})


@pytest.mark.parametrize('field, value, problem', [
    ('status', 5, 'result.status is an integer where a non-empty string is due'),
    ('id', None, 'result.id is null where a non-empty string is due'),
    ('id', '', 'result.id is an empty string where a non-empty string is due'),
    ('serial_number', ['01'], 'result.serial_number is a list where a string is due'),
    ('expires_on', {'at': 1}, 'result.expires_on is an object where a string is due'),
    ('validity_days', float('inf'), 'result.validity_days is the number inf where an integer is due'),
    ('validity_days', True, 'result.validity_days is a boolean where an integer is due'),
    ('certificate_authority', 'ca', 'result.certificate_authority is a string where an object is due'),
])
def test_a_client_certificate_field_of_the_wrong_type_is_named(field, value, problem):
    assert CLIENT_CERTIFICATE.problem(dict(certificate(), **{field: value})) == problem


def test_a_client_certificate_as_cloudflare_sends_it_has_no_problem():
    # Optional fields may be null; unknown fields are no concern.
    assert CLIENT_CERTIFICATE.problem(dict(certificate(), country=None, certificate_authority=None, extra=[1])) is None
    assert CLIENT_CERTIFICATE.problem(5) == 'result is an integer where a client certificate object is due'


def test_hostname_shapes():
    assert HOSTNAME_CERTIFICATE.problem({'cert_id': 'abc', 'cert_status': 'active'}) is None
    assert HOSTNAME_CERTIFICATE.problem({'status': 'active'}) == 'result has no id or cert_id (a non-empty string)'
    assert DELETED_CERTIFICATE.problem({}) is None
    # A removed association reads with every field but hostname null.
    assert ASSOCIATION.problem(dict.fromkeys(('cert_id', 'enabled', 'status'), None)) is None
    assert ASSOCIATION.list_problem([{'hostname': 'a.example.com', 'enabled': True}, {'enabled': 'true'}]) == (
        'result[1].enabled is a string where true or false is due')


def test_a_write_answer_check_raises_a_retryable_error_naming_the_field():
    check = answer_check(CLIENT_CERTIFICATE, 'DELETE', '/zones/z/client_certificates/x', lambda result: result['status'] == 'revoked')
    assert check(dict(certificate(), status='revoked')) is True
    assert check(certificate()) is False
    # Another type altogether is the Writer's to describe.
    assert check(None) is False and check([certificate()]) is False
    with pytest.raises(CloudflareError) as raised:
        check(dict(certificate(), status=['revoked']))
    error = raised.value
    assert error.retryable and not error.refused and error.method == 'DELETE' and error.status == 200
    assert 'malformed: result.status is a list' in error.message and 'malformed' in error.reason


def test_a_listing_with_a_malformed_item_is_read_again_from_its_start_without_repeats(make_client, api):
    first, second, third = certificate(number=1), certificate(number=2), certificate(number=3)
    api.get(LIST, json=two_pages([first, second], 1))
    api.get(LIST, json=two_pages([dict(third, status=5)], 2))
    api.get(LIST, json=two_pages([first, second], 1))
    api.get(LIST, json=two_pages([third], 2))
    client = make_client(api_retries=2)
    pages = list(client_certificate_pages(client, ZONE))
    assert [[item['id'] for item in items] for items in pages] == [[first['id'], second['id']], [third['id']]]
    assert len(client.module.warnings) == 1 and 'an item of result.status is an integer' in client.module.warnings[0]


def test_a_listing_that_stays_malformed_fails_naming_the_field(make_client, api):
    for _attempt in range(3):
        api.get(LIST, json=page([dict(certificate(), serial_number=7)]))
    client = make_client(api_retries=2)
    with pytest.raises(CloudflareError) as raised:
        list(client_certificate_pages(client, ZONE))
    error = raised.value
    assert error.method == 'GET' and error.attempts == 3 and error.status == 200
    assert 'the answer is malformed: an item of result.serial_number is an integer where a string is due' in error.message
    assert 'Gave up after 3 attempts' in error.message
