# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import ASSOCIATION_FIELDS, HOSTNAME_CERTIFICATE_FIELDS
from ansible_collections.mtls.cloudflare.plugins.modules import hostname_certificate_info
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import envelope
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import (
    ARGS, CERT_ID, CERTIFICATES, HOSTNAMES, OTHER_ID, assert_no_secret, association, hostname_certificate as certificate, listed_association,
    no_association_list, spec_typed_item,
)


def test_lists_every_certificate_with_one_request_and_whitelisted_fields(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID, status='pending_deletion')]))
    code, result = run_module(hostname_certificate_info.main, ARGS)
    assert code == 0 and result['changed'] is False and len(api.calls) == 1
    assert api.calls[0].request.url == CERTIFICATES
    assert [item['id'] for item in result['hostname_certificates']] == [CERT_ID, OTHER_ID]
    assert sorted(result['hostname_certificates'][0]) == sorted(HOSTNAME_CERTIFICATE_FIELDS)
    assert 'hostname_associations' not in result


def test_spec_typed_items_never_return_a_private_key(run_module, api):
    api.get(CERTIFICATES, json=envelope([spec_typed_item()]))
    code, result = run_module(hostname_certificate_info.main, ARGS)
    assert code == 0 and result['hostname_certificates'][0]['id'] == CERT_ID
    assert_no_secret(result)


def test_get_one_by_id(run_module, api):
    api.get(CERTIFICATES + '/' + CERT_ID, json=envelope(certificate()))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and len(api.calls) == 1 and result['hostname_certificates'][0]['id'] == CERT_ID


def test_an_unknown_id_is_an_empty_list(run_module, api):
    api.get(CERTIFICATES + '/' + CERT_ID, status=404, json=envelope(success=False, errors=[{'code': 1415, 'message': 'invalid or deleted'}]))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, id=CERT_ID))
    assert code == 0 and result['hostname_certificates'] == []


@pytest.mark.parametrize('args,expected', [
    (dict(status='active'), ['a', 'c']),
    (dict(status='pending_deletion'), ['b']),
    (dict(serial_number='6743787633689793699141714808227354901'), ['a']),
    (dict(serial_number='%x' % 6743787633689793699141714808227354901), ['a']),
    (dict(expires_within_days=30), ['b', 'c']),
    (dict(expires_within_days=30, status='active'), ['c']),
])
def test_client_side_filters(run_module, api, args, expected):
    api.get(CERTIFICATES, json=envelope([
        certificate('a' * 32, days_left=400),
        certificate('b' * 32, status='pending_deletion', serial='2', days_left=10),
        certificate('c' * 32, serial='3', days_left=-1),
    ]))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, **args))
    assert code == 0 and [item['id'][0] for item in result['hostname_certificates']] == expected


def test_hostnames_add_each_association(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate()]))
    api.get(HOSTNAMES + '/app.example.com', json=envelope(association('app.example.com')))
    api.get(HOSTNAMES + '/www.example.com', json=envelope(association('www.example.com', cert_id=None)))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, hostnames=['APP.example.com', 'www.example.com', 'app.example.com.'], parallel=1),
                              check_mode=True)
    assert code == 0 and len(api.calls) == 3
    first, second = result['hostname_associations']
    assert sorted(first) == sorted(ASSOCIATION_FIELDS) and first['cert_id'] == CERT_ID and first['enabled'] is True
    assert second == dict(dict.fromkeys(ASSOCIATION_FIELDS), hostname='www.example.com')
    assert_no_secret(result)


@pytest.mark.parametrize('removed', [
    dict(enabled=False, status='deleted'),          # the "disabled" read variant: enabled false, the old cert_id
    dict(enabled=None, status='active'),            # enabled null with the old fields left in place
], ids=['enabled-false-deleted', 'enabled-null'])
def test_a_removed_association_is_returned_as_none_whatever_its_shape(run_module, api, removed):
    # Found by the integration targets under the local API's read variants: the old cert_id of a
    # removed association was returned as if the hostname were still on that (deleted) certificate.
    api.get(CERTIFICATES, json=envelope([]))
    api.get(HOSTNAMES + '/legacy.example.com', json=envelope(association('legacy.example.com', **removed)))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, hostnames=['legacy.example.com']))
    assert code == 0 and result['hostname_associations'] == [dict(dict.fromkeys(ASSOCIATION_FIELDS), hostname='legacy.example.com')]


def test_a_removal_under_way_keeps_its_certificate_and_status(run_module, api):
    api.get(CERTIFICATES, json=envelope([]))
    api.get(HOSTNAMES + '/legacy.example.com', json=envelope(association('legacy.example.com', enabled=False, status='pending_deletion')))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, hostnames=['legacy.example.com']))
    assert code == 0 and result['hostname_associations'][0]['cert_id'] == CERT_ID
    assert result['hostname_associations'][0]['status'] == 'pending_deletion'


@pytest.mark.parametrize('args,option', [
    (dict(id='a/b'), 'id'),
    (dict(serial_number='xyz!'), 'serial_number'),
    (dict(expires_within_days=-2), 'expires_within_days'),
    (dict(hostnames=['a/b.example.com']), 'hostnames'),
    (dict(hostnames=['h' * 256]), 'hostnames'),
])
def test_bad_input_fails_before_any_request(run_module, api, args, option):
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, **args))
    assert code == 1 and len(api.calls) == 0 and option in result['msg']


def _listing(items, page=1, per_page=1000, total=None):
    total = len(items) if total is None else total
    return envelope(items, result_info={'page': page, 'per_page': per_page, 'count': len(items), 'total_count': total,
                                        'total_pages': max(1, -(-total // per_page))})


ZONE_ASSOCIATIONS = [listed_association('www.example.com', cert_id=OTHER_ID), listed_association('app.example.com'),
                     listed_association('old.example.com', enabled=False), listed_association('gone.example.com', enabled=None, status='deleted')]


def test_all_associations_lists_the_zone_with_two_requests(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID, serial='99')]))
    api.get(HOSTNAMES, json=_listing(ZONE_ASSOCIATIONS))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, all_associations=True))
    assert code == 0 and len(api.calls) == 2
    assert api.calls[1].request.url == HOSTNAMES + '?status=all&page=1&per_page=1000'
    # Sorted by hostname, the removed one left out, certificate fields from the certificate list (the one read above).
    assert [(item['hostname'], item['cert_id'], item['enabled']) for item in result['hostname_associations']] == [
        ('app.example.com', CERT_ID, True), ('old.example.com', CERT_ID, False), ('www.example.com', OTHER_ID, True)]
    assert result['hostname_associations'][2]['serial_number'] == '99'
    assert sorted(result['hostname_associations'][0]) == sorted(ASSOCIATION_FIELDS)
    assert_no_secret(result)


def test_all_associations_with_a_certificate_filter_keeps_those_of_the_returned_certificates(run_module, api):
    api.get(CERTIFICATES + '/' + OTHER_ID, json=envelope(certificate(OTHER_ID)))
    api.get(HOSTNAMES, json=_listing(ZONE_ASSOCIATIONS))
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID)]))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, id=OTHER_ID, all_associations=True))
    assert code == 0 and [item['hostname'] for item in result['hostname_associations']] == ['www.example.com']


def test_all_associations_reads_every_page(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate()]))
    api.get(HOSTNAMES, json=_listing([listed_association('a%d.example.com' % index) for index in range(3)], per_page=3, total=5))
    api.get(HOSTNAMES, json=_listing([listed_association('b%d.example.com' % index) for index in range(2)], page=2, per_page=3, total=5))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, all_associations=True))
    assert code == 0 and len(result['hostname_associations']) == 5 and len(api.calls) == 3


@pytest.mark.parametrize('status', [404, 400])
def test_all_associations_fails_naming_the_option_without_the_list(run_module, api, status):
    api.get(CERTIFICATES, json=envelope([certificate()]))
    no_association_list(api, status=status)
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, all_associations=True))
    assert code == 1 and 'all_associations' in result['msg']


def test_many_hostnames_are_read_from_the_list(run_module, api):
    api.get(CERTIFICATES, json=envelope([certificate(), certificate(OTHER_ID)]))
    api.get(HOSTNAMES, json=_listing(ZONE_ASSOCIATIONS))
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, hostnames=['app.example.com', 'gone.example.com', 'new.example.com']))
    assert code == 0 and len(api.calls) == 2
    assert [item['cert_id'] for item in result['hostname_associations']] == [CERT_ID, None, None]


@pytest.mark.parametrize('status', [404, 400])
def test_many_hostnames_fall_back_to_one_read_each_without_the_list(run_module, api, status):
    api.get(CERTIFICATES, json=envelope([certificate()]))
    no_association_list(api, status=status)
    for name in ('a.example.com', 'b.example.com', 'c.example.com'):
        api.get(HOSTNAMES + '/' + name, json=envelope(association(name)))
    args = dict(ARGS, hostnames=['a.example.com', 'b.example.com', 'c.example.com'], parallel=1)
    code, result = run_module(hostname_certificate_info.main, args)
    assert code == 0 and len(api.calls) == 5 and [item['hostname'] for item in result['hostname_associations']] == [
        'a.example.com', 'b.example.com', 'c.example.com']


def test_all_associations_and_hostnames_are_mutually_exclusive(run_module, api):
    code, result = run_module(hostname_certificate_info.main, dict(ARGS, all_associations=True, hostnames=['a.example.com']))
    assert code == 1 and 'mutually exclusive' in result['msg'] and not api.calls
