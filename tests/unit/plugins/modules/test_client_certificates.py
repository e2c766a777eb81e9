# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""client_certificates: selection, the guard, check mode, partial failure, waiting by listing, the rate budget.

The conversations are scripted in order, so most tests run with ``parallel: 1``; the
parallel ones use a registry without order.
"""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.mtls.cloudflare.plugins.module_utils import _pool
from ansible_collections.mtls.cloudflare.plugins.modules import client_certificate, client_certificates
from ansible_collections.mtls.cloudflare.tests.unit.plugins.client_certificate_fakes import LIST, certificate, page, query, sent
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import TOKEN, ZONE, envelope

ARGS = {'api_token': TOKEN, 'zone_id': ZONE, 'parallel': 1}


def _id(number):
    return certificate(number=number)['id']


def _url(number):
    return LIST + '/' + _id(number)


def _outcomes(result):
    return [(entry['id'], entry['outcome'], entry['changed']) for entry in result['certificates']]


# --- selection -----------------------------------------------------------------------------------

@pytest.mark.parametrize('args,fragment', [
    ({}, 'nothing is selected'),
    ({'all': False}, 'nothing is selected'),
    ({'ids': []}, 'ids was given with an empty value'),
    ({'ids': None}, 'ids was given with an empty value'),
    ({'serial_numbers': ['']}, 'serial_numbers was given with an empty value'),
    ({'common_name': ''}, 'common_name was given with an empty value'),
    ({'all': True, 'ids': ['0123456789abcdef0123456789abcdef']}, 'cannot be combined with ids'),
    ({'ids': ['a/b']}, 'ids must be a Cloudflare id'),
    ({'issued_before': 'last week'}, 'issued_before must be an ISO 8601 date'),
    ({'all': True, 'parallel': 0}, 'parallel must be from 1 to 32'),
    ({'all': True, 'max_changes': -1}, 'max_changes'),
])
def test_an_empty_or_bad_selection_is_refused_before_any_request(run_module, api, args, fragment):
    code, result = run_module(client_certificates.main, dict(ARGS, state='revoked', **args))
    assert code == 1 and fragment in result['msg'] and result['changed'] is False
    assert len(api.calls) == 0


def test_a_few_ids_cost_one_get_each_and_the_writes(run_module, api):
    api.get(_url(1), json=envelope(certificate('active', 1)))
    api.get(_url(2), json=envelope(certificate('revoked', 2)))
    api.get(_url(3), status=404, json=envelope(success=False, errors=[{'code': 1402, 'message': 'not found'}]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    code, result = run_module(client_certificates.main, dict(ARGS, ids=[_id(1), _id(2), _id(3)], state='revoked'))
    assert code == 0 and result['changed'] is True
    assert sent(api) == [('GET', _url(1), None), ('GET', _url(2), None), ('GET', _url(3), None), ('DELETE', _url(1), None)]
    assert _outcomes(result) == [(_id(1), 'revoked', True), (_id(2), 'already_revoked', False), (_id(3), 'not_found', False)]
    assert result['summary'] == {'revoked': 1, 'already_revoked': 1, 'not_found': 1, 'failed': 0}
    assert result['certificates'][0]['status'] == 'pending_revocation'
    assert 'private_key' not in json.dumps(result) and 'BEGIN CERTIFICATE' not in json.dumps(result)
    assert _id(3) in json.dumps(result['warnings'])


def test_serial_numbers_list_pages_and_stop_once_every_one_is_found(run_module, api):
    first = [certificate('active', number) for number in range(1, 51)]
    api.get(LIST, json=page(first, 1, total=120))
    serials = [first[4]['serial_number'].upper(), '00' + first[30]['serial_number']]
    api.delete(_url(5), json=envelope(certificate('pending_revocation', 5)))
    api.delete(_url(31), json=envelope(certificate('pending_revocation', 31)))
    code, result = run_module(client_certificates.main, dict(ARGS, serial_numbers=serials, state='revoked'))
    assert code == 0 and result['summary']['revoked'] == 2
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'DELETE']
    assert query(api, 0) == {'page': '1', 'per_page': '50'}


def test_filters_select_from_the_whole_listing(run_module, api):
    items = [certificate('active', 1, issued_on='2023-05-01T00:00:00Z'), certificate('active', 2, issued_on='2024-07-01T00:00:00Z'),
             certificate('active', 3, issued_on='2023-01-01T00:00:00Z')]
    items[0]['common_name'] = 'a.kiosk.example.com'
    items[1]['common_name'] = 'b.kiosk.example.com'
    items[2]['common_name'] = 'c.office.example.com'
    api.get(LIST, json=page(items))
    # With a status filter, one small page tells how many certificates the zone holds (the filters leave some out).
    api.get(LIST, json=page(items[:1], total=3))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    code, result = run_module(client_certificates.main, dict(ARGS, common_name='*.kiosk.example.com', issued_before='2024-06-01',
                                                             status='active', state='revoked'))
    assert code == 0 and _outcomes(result) == [(_id(1), 'revoked', True)]
    assert query(api, 0) == {'status': 'active', 'page': '1', 'per_page': '50'}
    assert query(api, 1) == {'page': '1', 'per_page': '5'}


# --- the guard and check mode --------------------------------------------------------------------------

def test_the_guard_refuses_more_changes_than_allowed_and_lists_them(run_module, api):
    items = [certificate('active', number) for number in range(1, 13)]
    api.get(LIST, json=page(items))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked'))
    assert code == 1 and result['changed'] is False
    assert '12 client certificates would be revoked, more than max_changes (10) allows; nothing was changed' in result['msg']
    assert 'max_changes to at least 12' in result['msg'] and _id(12) in result['msg']
    assert result['would_change'] == [item['id'] for item in items]
    assert [method for method, url, body in sent(api)] == ['GET']


def test_the_guard_counts_changes_not_certificates(run_module, api):
    items = [certificate('revoked', number) for number in range(1, 13)] + [certificate('active', 13)]
    api.get(LIST, json=page(items))
    api.delete(_url(13), json=envelope(certificate('pending_revocation', 13)))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', max_changes=1))
    assert code == 0 and result['summary'] == {'revoked': 1, 'already_revoked': 12, 'not_found': 0, 'failed': 0}


def test_check_mode_lists_what_would_be_revoked_and_sends_no_write(run_module, api):
    api.get(LIST, json=page([certificate('active', 1), certificate('pending_revocation', 2)]))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', wait=True), check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True
    assert _outcomes(result) == [(_id(1), 'revoked', True), (_id(2), 'already_revoked', False)]
    assert [entry['status'] for entry in result['certificates']] == ['revoked', 'revoked']
    shown = dict(serial_number=certificate('active', 1)['serial_number'], common_name=certificate('active', 1)['common_name'])
    assert result['diff'] == {'before': {_id(1): dict(shown, status='active')}, 'after': {_id(1): dict(shown, status='revoked')}}
    assert [method for method, url, body in sent(api)] == ['GET']


def test_check_mode_over_the_guard_previews_everything_and_says_a_run_would_be_refused(run_module, api):
    items = [certificate('active', number) for number in range(1, 13)]
    api.get(LIST, json=page(items))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked'), check_mode=True)
    assert code == 0 and result['changed'] is True
    assert result['summary']['revoked'] == 12
    assert result['guard']['would_change'] == 12 and result['guard']['max_changes'] == 10
    assert '12 client certificates would be revoked, more than max_changes (10)' in result['guard']['msg']
    assert 'nothing was changed' not in result['guard']['msg']
    assert 'a real run would be refused' in str(result['warnings'])
    assert result['would_change'] == [item['id'] for item in items]
    assert [method for method, url, body in sent(api)] == ['GET']


def test_the_guard_message_names_serial_and_common_name(run_module, api):
    items = [certificate('active', number) for number in range(1, 3)]
    api.get(LIST, json=page(items))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', max_changes=1))
    assert code == 1
    assert '%s (serial %s, %s)' % (_id(1), items[0]['serial_number'], items[0]['common_name']) in result['msg']


def test_common_names_select_like_a_list_and_report_the_missing_as_given(run_module, api):
    items = [certificate('active', number) for number in range(1, 4)]
    api.get(LIST, json=page(items))
    api.delete(_url(2), json=envelope(certificate('pending_revocation', 2)))
    code, result = run_module(client_certificates.main, dict(ARGS, state='revoked', common_names=[items[1]['common_name'], 'nobody.example.com']))
    assert code == 0, result['msg']
    assert _outcomes(result) == [(_id(2), 'revoked', True), (None, 'not_found', False)]
    assert result['certificates'][1]['common_name'] == 'nobody.example.com'


# --- partial failure ----------------------------------------------------------------------------------

def test_a_failed_write_does_not_hide_the_others_and_the_task_fails(run_module, api):
    api.get(LIST, json=page([certificate('active', number) for number in (1, 2, 3)]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    api.delete(_url(2), status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    api.delete(_url(3), json=envelope(certificate('pending_revocation', 3)))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked'))
    assert code == 1 and result['changed'] is True
    assert _outcomes(result) == [(_id(1), 'revoked', True), (_id(2), 'failed', False), (_id(3), 'revoked', True)]
    assert result['msg'].startswith('1 of 3 client certificates failed (2 revoked)')
    assert '10000: Authentication error' in result['certificates'][1]['msg']
    assert 'Traceback' not in result['msg'] and 'exception' not in result


def test_a_pending_reactivation_fails_while_the_others_are_revoked(run_module, api):
    api.get(LIST, json=page([certificate('pending_reactivation', 1), certificate('active', 2)]))
    api.delete(_url(2), json=envelope(certificate('pending_revocation', 2)))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked'))
    assert code == 1 and result['changed'] is True and 'pending_reactivation' in result['msg']
    assert _outcomes(result) == [(_id(1), 'failed', False), (_id(2), 'revoked', True)]


def test_reactivating_many_inside_the_window(run_module, api):
    for number, status in ((1, 'pending_revocation'), (2, 'active'), (3, 'revoked')):
        api.get(_url(number), json=envelope(certificate(status, number)))
    api.patch(_url(1), json=envelope(certificate('pending_reactivation', 1)))
    code, result = run_module(client_certificates.main, dict(ARGS, ids=[_id(1), _id(2), _id(3)] * 4, state='present'))
    assert code == 1 and result['changed'] is True and 'cannot be undone' in result['msg']
    assert _outcomes(result) == [(_id(1), 'reactivated', True), (_id(2), 'already_active', False), (_id(3), 'failed', False)]
    assert sent(api)[3] == ('PATCH', _url(1), {'reactivate': True})


# --- waiting by listing ---------------------------------------------------------------------------------

def test_waiting_polls_the_pending_listing_from_the_answers(run_module, api, clock):
    api.get(LIST, json=page([certificate('active', 1), certificate('active', 2)]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    api.delete(_url(2), json=envelope(certificate('pending_revocation', 2)))
    api.get(LIST, json=page([certificate('pending_revocation', 2)]))
    api.get(LIST, json=page([]))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', wait=True))
    assert code == 0 and [entry['status'] for entry in result['certificates']] == ['revoked', 'revoked']
    assert [method for method, url, body in sent(api)] == ['GET', 'DELETE', 'DELETE', 'GET', 'GET']
    assert query(api, 3)['status'] == 'pending_revocation' and clock.sleeps == [1.0, 1.0]


def test_a_wait_that_times_out_names_the_pending_ones_and_keeps_changed(run_module, api, clock):
    api.get(LIST, json=page([certificate('active', 1)]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    for _poll in range(5):
        api.get(LIST, json=page([certificate('pending_revocation', 1)]))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', wait=True, wait_timeout=7))
    assert code == 1 and result['changed'] is True
    assert 'timed out after 7 s waiting for 1 client certificates to become revoked' in result['msg'] and _id(1) in result['msg']


# --- parallel, under one budget -------------------------------------------------------------------------

def test_parallel_writes_revoke_every_certificate_once(run_module, clock):
    items = [certificate('active', number) for number in range(1, 41)]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(LIST, json=page(items))
        for number in range(1, 41):
            mock.delete(_url(number), json=envelope(certificate('pending_revocation', number)))
        code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', max_changes=40, parallel=8))
        deletes = sorted(call.request.url for call in mock.calls if call.request.method == 'DELETE')
    assert code == 0 and result['changed'] is True and result['summary']['revoked'] == 40
    assert deletes == sorted(_url(number) for number in range(1, 41))
    assert [entry['id'] for entry in result['certificates']] == [item['id'] for item in items]


def _headers(left, reset, quota=10, window=60):
    return {'Ratelimit': '"default";r=%d;t=%d' % (left, reset), 'Ratelimit-Policy': '"default";q=%d;w=%d' % (quota, window)}


def test_the_budget_keeps_the_task_under_the_quota_it_learns(clock):
    budget = _pool.RateBudget()
    starts = []
    for _request in range(25):
        budget.acquire()
        starts.append(clock.now)
        budget.observe(200, {'Ratelimit-Policy': '"default";q=10;w=60'})
    # Never more than 10 in any 60 s (and a margin for the round trip).
    assert all(later - earlier > 60 for earlier, later in zip(starts, starts[10:]))
    assert starts[9] == starts[0] and starts[-1] - starts[0] < 2 * 60 + 2


def test_the_budget_holds_when_others_spent_the_quota_and_for_a_429(clock):
    budget = _pool.RateBudget()
    budget.acquire()
    budget.observe(200, _headers(0, 30, quota=1200, window=300))
    started = clock.now
    budget.acquire()
    assert clock.now - started == pytest.approx(30)
    budget.observe(429, {'Retry-After': '20'})
    started = clock.now
    budget.acquire()
    assert clock.now - started == pytest.approx(20)
    assert budget.rate_limited == 1


def test_the_policy_header_reads_every_item():
    assert _pool._parse_policy('"default";q=1200;w=300, "burst";q=10;w=1') == [(1200, 300.0), (10, 1.0)]
    assert _pool._parse_policy('"default";w=300;q=1200') == [(1200, 300.0)]
    assert _pool._parse_policy(None) is None and _pool._parse_policy('nonsense') is None


def test_the_budget_keeps_every_policy(clock):
    budget = _pool.RateBudget()
    budget.acquire()
    budget.observe(200, {'Ratelimit-Policy': '"default";q=1200;w=300, "burst";q=2;w=1'})
    started = clock.now
    for _request in range(4):
        budget.acquire()
    # The burst item allows 2 a second: the 4 after the first take two more windows of 1 s.
    assert clock.now - started >= 2


# --- filters that match every certificate ---------------------------------------------------------------

def test_a_status_filter_matching_every_certificate_is_refused_after_one_small_count(run_module, api):
    items = [certificate('active', number) for number in range(1, 4)]
    api.get(LIST, json=page(items))
    api.get(LIST, json=page(items, total=3))
    code, result = run_module(client_certificates.main, dict(ARGS, status='active', state='revoked'))
    assert code == 1 and result['changed'] is False and result['certificates'] == []
    assert 'match every client certificate of zone' in result['msg'] and '(3 of 3)' in result['msg'] and 'all: true' in result['msg']
    assert [call.request.method for call in api.calls] == ['GET', 'GET'] and query(api, 1) == {'page': '1', 'per_page': '5'}


def test_a_filter_matching_every_certificate_of_the_listing_costs_no_count(run_module, api):
    api.get(LIST, json=page([certificate('active', number) for number in range(1, 4)]))
    code, result = run_module(client_certificates.main, dict(ARGS, common_name='*', state='revoked'), check_mode=True)
    assert code == 1 and result['changed'] is False and '(3 of 3)' in result['msg']
    assert len(api.calls) == 1


def test_an_unreadable_total_is_counted_from_the_whole_listing(run_module, api):
    items = [certificate('active', number) for number in range(1, 4)]
    api.get(LIST, json=page(items))
    api.get(LIST, json=envelope(items[:1], result_info={'page': 1, 'per_page': 5, 'count': 1, 'total_count': 'many'}))
    api.get(LIST, json=page(items + [certificate('revoked', 4)]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    api.delete(_url(2), json=envelope(certificate('pending_revocation', 2)))
    api.delete(_url(3), json=envelope(certificate('pending_revocation', 3)))
    code, result = run_module(client_certificates.main, dict(ARGS, status='active', state='revoked'))
    assert code == 0 and result['summary']['revoked'] == 3, result['msg']


def test_all_true_with_filters_matching_every_certificate_goes_ahead(run_module, api):
    api.get(LIST, json=page([certificate('active', number) for number in range(1, 3)]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    api.delete(_url(2), json=envelope(certificate('pending_revocation', 2)))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, status='active', state='revoked'))
    assert code == 0 and result['summary']['revoked'] == 2


# --- one wording with client_certificate ----------------------------------------------------------------

@pytest.mark.parametrize('state, status', [('revoked', 'pending_reactivation'), ('present', 'revoked'), ('revoked', 'pending_expiration')])
def test_a_refusal_is_worded_as_client_certificate_words_it(run_module, api, state, status):
    api.get(_url(1), json=envelope(certificate(status, 1)))
    code, result = run_module(client_certificates.main, dict(ARGS, ids=[_id(1)], state=state))
    api.get(_url(1), json=envelope(certificate(status, 1)))
    single_code, single = run_module(client_certificate.main, {'api_token': TOKEN, 'zone_id': ZONE, 'id': _id(1), 'state': state})
    assert code == single_code == 1 and result['certificates'][0]['outcome'] == 'failed'
    # client_certificate adds what its own wait option can do; the words before are the same.
    assert single['msg'].startswith(result['certificates'][0]['msg'])


def test_the_run_contract_closes_the_pool_before_returns_and_returns_closes_nothing(run_module, api, monkeypatch):
    events = []
    close, returns = _pool.WorkerPool.close, client_certificates.ClientCertificates.returns

    def closing(pool):
        events.append('close')
        close(pool)

    def returning(task, state, outcome):
        events.append('returns')
        return returns(task, state, outcome)
    monkeypatch.setattr(_pool.WorkerPool, 'close', closing)
    monkeypatch.setattr(client_certificates.ClientCertificates, 'returns', returning)
    api.get(LIST, json=page([certificate('active', 1)]))
    api.delete(_url(1), json=envelope(certificate('pending_revocation', 1)))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked'))
    assert code == 0 and result['changed'] is True and events == ['close', 'returns']


# --- what a failed run returns (the hooks hand it on: read's result, the guard's report on its error) ----------

def test_a_refused_run_lists_the_ids_not_found_and_what_the_guard_would_change(run_module, api):
    api.get(LIST, json=page([certificate('active', number) for number in range(1, 4)]))
    missing = 'f' * 32
    code, result = run_module(client_certificates.main, dict(ARGS, ids=[_id(1), _id(2), _id(3), missing] + [_id(n) for n in range(4, 12)],
                                                             state='revoked', max_changes=2))
    assert code == 1 and 'nothing was changed' in result['msg'] and result['changed'] is False
    assert result['would_change'] == [_id(1), _id(2), _id(3)] and 'guard' not in result
    assert [(entry['id'], entry['outcome']) for entry in result['certificates']][:2] == [(missing, 'not_found'), (_id(4), 'not_found')]
    assert all(entry['outcome'] == 'not_found' for entry in result['certificates']) and result['summary']['not_found'] == 9


def test_check_mode_over_the_guard_with_a_failed_certificate_fails_with_the_guards_report(run_module, api):
    api.get(LIST, json=page([certificate('active', 1), certificate('active', 2), certificate('pending_reactivation', 3)]))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked', max_changes=1), check_mode=True)
    assert code == 1 and '1 of 3 client certificates failed (2 revoked in check mode)' in result['msg']
    assert result['would_change'] == [_id(1), _id(2)] and result['guard']['would_change'] == 2
    # A check-mode run that fails predicts no change.
    assert _outcomes(result) == [(_id(1), 'revoked', False), (_id(2), 'revoked', False), (_id(3), 'failed', False)]


def test_the_pool_opened_by_a_read_that_fails_is_closed(run_module, api, monkeypatch):
    closed = []
    close = _pool.WorkerPool.close

    def closing(pool):
        closed.append(pool)
        close(pool)
    monkeypatch.setattr(_pool.WorkerPool, 'close', closing)
    api.get(LIST, status=403, json=envelope(None, success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(client_certificates.main, dict(ARGS, all=True, state='revoked'))
    assert code == 1 and result['certificates'] == [] and len(closed) == 1
