# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A selector given with a null or empty value is an input error naming it, never "no filter".

``serial_number: "{{ var }}"`` with ``var`` null must not select every certificate (it did,
and revoked the only one of a zone). Each cell runs one module with one selector set to
None (the key present, value null), ``''`` or ``'   '`` (lists also ``[]``, ``[None]``,
``['']``), in check mode and for real, in a zone where selecting everything would show: a
client certificate, a hostname certificate and an association, all active. The run must
fail naming the option and saying the value is null or empty, send nothing, and leave all
three as they were.

Rows are ``<module>.<option>`` (with the state where it matters), columns ``<value> <mode>``.
"""

from __future__ import annotations

import re

import pytest
import requests

from conftest import TOKEN, ZONE_ID  # pylint: disable=import-error
import tables  # pylint: disable=import-error
from refusals import NetworkGuard, names_option, refusal_problems, run_guarded, verdict  # pylint: disable=import-error

TABLE = 'null selectors'
HOSTNAME = 'app.example.com'
# Replaced by the id of the hostname certificate the fixture uploads.
UPLOADED = '<uploaded hostname certificate id>'

STRING_VALUES = [('None', None), ("''", ''), ("'   '", '   ')]
LIST_VALUES = STRING_VALUES + [('[]', []), ('[None]', [None]), ("['']", [''])]

# (row, module, option, the other arguments, values)
SELECTORS = []
for _state in ('present', 'revoked'):
    for _option in ('id', 'serial_number', 'fingerprint_sha256', 'csr'):
        SELECTORS.append(('client_certificate.%s state=%s' % (_option, _state), 'client_certificate', _option, {'state': _state}, STRING_VALUES))
for _option in ('id', 'serial_number', 'fingerprint_sha256', 'common_name'):
    SELECTORS.append(('client_certificate_info.%s' % _option, 'client_certificate_info', _option, {}, STRING_VALUES))
for _option in ('id', 'serial_number', 'certificate'):
    SELECTORS.append(('hostname_certificate.%s state=absent' % _option, 'hostname_certificate', _option, {'state': 'absent'}, STRING_VALUES))
for _option in ('id', 'serial_number'):
    SELECTORS.append(('hostname_certificate_info.%s' % _option, 'hostname_certificate_info', _option, {}, STRING_VALUES))
SELECTORS.append(('hostname_certificate_info.hostnames', 'hostname_certificate_info', 'hostnames', {}, LIST_VALUES))
SELECTORS.append(('hostname_association.hostnames state=absent', 'hostname_association', 'hostnames',
                  {'certificate_id': UPLOADED, 'state': 'absent'}, LIST_VALUES))
# Without certificate_id, state=absent removes whatever association each hostname has: a null must not mean that.
SELECTORS.append(('hostname_association.certificate_id state=absent', 'hostname_association', 'certificate_id',
                  {'hostnames': [HOSTNAME], 'state': 'absent'}, STRING_VALUES))
# The bulk module: every list selector (also with a good item before the empty one) and the text filters.
for _option, _good in (('ids', '0123456789abcdef0123456789abcdef'), ('serial_numbers', '3bb9'), ('fingerprints_sha256', 'ab' * 32)):
    SELECTORS.append(('client_certificates.%s state=revoked' % _option, 'client_certificates', _option, {'state': 'revoked'},
                      LIST_VALUES + [("['   ']", ['   ']), ('[good, None]', [_good, None]), ("[good, '  ']", [_good, '  '])]))
for _option in ('common_name', 'issued_before'):
    SELECTORS.append(('client_certificates.%s state=revoked' % _option, 'client_certificates', _option, {'state': 'revoked'}, STRING_VALUES))

CELLS = [(row, module, option, others, label, value, mode)
         for row, module, option, others, values in SELECTORS
         for label, value in values
         for mode in ('check', 'real')]


class Zone(object):
    """The local API through its public endpoints, as the seeded zone looks to a client."""

    def __init__(self, local_api):
        self.local_api = local_api
        self.session = requests.Session()
        self.session.headers['Authorization'] = 'Bearer %s' % TOKEN
        self.zone_url = '%s/zones/%s' % (local_api.base_url, ZONE_ID)

    def call(self, method, path, body=None):
        response = self.session.request(method, self.zone_url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()['result']

    def read(self, path):
        """GET ``path``; a certificate a wrong run deleted reads as an empty dict, not an exception."""
        response = self.session.get(self.zone_url + path, timeout=30)
        return (response.json().get('result') or {}) if response.status_code in (200, 400, 404) else response.raise_for_status()

    def snapshot(self):
        client = self.read('/client_certificates/%s' % self.client_certificate_id)
        hostname = self.read('/origin_tls_client_auth/hostnames/certificates/%s' % self.hostname_certificate_id)
        association = self.read('/origin_tls_client_auth/hostnames/%s' % HOSTNAME)
        return {'client certificate': client.get('status'), 'hostname certificate': hostname.get('status'),
                'association': (association.get('cert_id'), association.get('enabled'), association.get('status'))}

    def seed(self):
        self.client_certificate_id = self.local_api.seed_client_certificates(1)[0]
        material = self.local_api.material('hostname_certificate', HOSTNAME)
        uploaded = self.call('POST', '/origin_tls_client_auth/hostnames/certificates',
                             {'certificate': material['certificate'], 'private_key': material['private_key']})
        self.hostname_certificate_id = uploaded['id']
        self.local_api.control('POST', 'clock', {'advance': 30})
        self.call('PUT', '/origin_tls_client_auth/hostnames', {'config': [{'hostname': HOSTNAME, 'cert_id': uploaded['id'], 'enabled': True}]})
        self.local_api.control('POST', 'clock', {'advance': 30})
        before = self.snapshot()
        assert before == {'client certificate': 'active', 'hostname certificate': 'active',
                          'association': (self.hostname_certificate_id, True, 'active')}, before
        self.local_api.control('DELETE', 'journal')
        return before


@pytest.fixture
def zone(local_api):
    seeded = Zone(local_api)
    seeded.before = seeded.seed()
    yield seeded
    seeded.session.close()


@pytest.fixture
def guard(local_api, monkeypatch):
    return NetworkGuard(local_api).install(monkeypatch)


def _arguments(zone, others, option, value):
    args = dict((key, zone.hostname_certificate_id if item == UPLOADED else item) for key, item in others.items())
    args[option] = value
    return args


def _refusal(zone, local_api, guard, rc, result, option):
    problems = refusal_problems(rc, result, option, local_api.journal(), guard)
    msg = result.get('msg') or ''
    if names_option(msg, option) and not re.search(r'null|empty', msg, re.I):
        problems.append('msg: names %s but does not say it is null or empty: %s' % (option, msg[:200]))
    after = zone.snapshot()
    if after != zone.before:
        problems.append('changed: the zone changed: %s -> %s' % (zone.before, after))
    return problems


@pytest.mark.parametrize('row, module, option, others, label, value, mode', CELLS,
                         ids=['%s %s %s' % (cell[0], cell[4], cell[6]) for cell in CELLS])
def test_null_or_empty_selector_is_refused(row, module, option, others, label, value, mode, zone, local_api, run_module, guard):
    rc, result = run_guarded(run_module, module, _arguments(zone, others, option, value), check_mode=mode == 'check')
    problems = _refusal(zone, local_api, guard, rc, result, option)
    tables.record(TABLE, row, '%s %s' % (label, mode), verdict(problems))
    assert not problems, '\n'.join(problems)


# A check-mode run predicts an issue or an upload with no id or serial yet; the next task of the same
# --check run gets null. The message must say why, or the user hunts for a templating bug.
CHECK_MODE_HINTS = [
    ('client_certificate.id', 'client_certificate', 'id', {'state': 'revoked'}),
    ('client_certificate.serial_number', 'client_certificate', 'serial_number', {'state': 'revoked'}),
    ('hostname_association.certificate_id state=enabled', 'hostname_association', 'certificate_id', {'hostnames': [HOSTNAME], 'state': 'enabled'}),
]


@pytest.mark.parametrize('row, module, option, others', CHECK_MODE_HINTS, ids=[hint[0] for hint in CHECK_MODE_HINTS])
def test_null_selector_in_check_mode_explains_check_mode(row, module, option, others, zone, local_api, run_module, guard):
    rc, result = run_guarded(run_module, module, _arguments(zone, others, option, None), check_mode=True)
    problems = _refusal(zone, local_api, guard, rc, result, option)
    if not re.search('check mode', result.get('msg') or ''):
        problems.append('msg: does not explain that a check-mode prediction has no id or serial yet: %s' % (result.get('msg') or '')[:200])
    tables.record(TABLE, row, 'None check: says check mode', verdict(problems))
    assert not problems, '\n'.join(problems)


# ---------------------------------------------------------------- filters that match every certificate

FILTERS_TABLE = 'filters alone'
# Each matches every certificate of a zone of seeded, active certificates.
MATCHING_ALL = [
    ('common_name *', {'common_name': '*'}),
    ('status active', {'status': 'active'}),
    ('expires_within_days 36500', {'expires_within_days': 36500}),
    ('issued_before 9999-12-31', {'issued_before': '9999-12-31'}),
    ('common_name seeded-* + status active', {'common_name': 'seeded-*', 'status': 'active'}),
]


def _statuses(local_api, run_module):
    rc, result = run_module('client_certificate_info', {})
    assert rc == 0, result
    return sorted(item['status'] for item in result['client_certificates'])


@pytest.mark.parametrize('mode', ['check', 'real'])
@pytest.mark.parametrize('label, filters', MATCHING_ALL, ids=[case[0] for case in MATCHING_ALL])
def test_filters_that_match_every_certificate_are_refused_without_all(label, filters, mode, local_api, run_module):
    local_api.seed_client_certificates(3)
    local_api.control('DELETE', 'journal')
    rc, result = run_guarded(run_module, 'client_certificates', dict(filters, state='revoked', max_changes=100), check_mode=mode == 'check')
    msg = result.get('msg') or ''
    problems = []
    if 'exception' in result:
        problems.append('traceback: %s' % msg[:160])
    if rc != 1 or result.get('changed') is not False:
        problems.append('rc: rc=%s changed=%s (every certificate was selected)' % (rc, result.get('changed')))
    if local_api.writes():
        problems.append('changed: %d writes sent' % len(local_api.writes()))
    if 'all: true' not in msg or '3 of 3' not in msg:
        problems.append('msg: does not name all: true and say 3 of 3 matched: %s' % msg[:200])
    if _statuses(local_api, run_module) != ['active'] * 3:
        problems.append('changed: certificates were revoked')
    tables.record(FILTERS_TABLE, label, 'refused without all: %s' % mode, verdict(problems))
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('mode', ['check', 'real'])
@pytest.mark.parametrize('label, filters', MATCHING_ALL, ids=[case[0] for case in MATCHING_ALL])
def test_filters_that_match_every_certificate_go_ahead_with_all(label, filters, mode, local_api, run_module):
    local_api.seed_client_certificates(3)
    rc, result = run_module('client_certificates', dict(filters, all=True, state='revoked', max_changes=3), check_mode=mode == 'check')
    ok = rc == 0 and result['changed'] is True and result['summary']['revoked'] == 3
    tables.record(FILTERS_TABLE, label, 'all: true %s' % mode, 'ok' if ok else 'WRONG:rc')
    assert ok, result.get('msg')
    assert _statuses(local_api, run_module) == (['active'] * 3 if mode == 'check' else ['pending_revocation'] * 3)


def test_a_status_filter_that_leaves_some_out_works_and_counts_with_one_small_page(local_api, run_module):
    active = local_api.seed_client_certificates(3)
    local_api.seed_client_certificates(1, status='revoked')
    local_api.control('DELETE', 'journal')
    rc, result = run_module('client_certificates', dict(status='active', state='revoked', max_changes=3))
    assert rc == 0 and result['summary']['revoked'] == 3, result.get('msg')
    assert sorted(entry['id'] for entry in result['certificates']) == sorted(active)
    gets = [entry['query'] for entry in local_api.journal() if entry['method'] == 'GET']
    # The listing of the active ones, then one page of 5 without a status for the zone's total: nothing is listed twice.
    assert [query.get('status') for query in gets] == ['active', None], gets
    assert gets[1].get('per_page') == '5'


def test_a_common_name_that_matches_some_works(local_api, run_module):
    ids = local_api.seed_client_certificates(3)
    rc, result = run_module('client_certificates', dict(common_name='seeded-2-*', state='revoked'))
    assert rc == 0 and [(entry['id'], entry['outcome']) for entry in result['certificates']] == [(ids[1], 'revoked')], result.get('msg')
