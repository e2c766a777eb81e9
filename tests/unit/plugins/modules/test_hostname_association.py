# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_aop import ASSOCIATION_FIELDS
from ansible_collections.mtls.cloudflare.plugins.modules import hostname_association
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import envelope
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import (
    ARGS, CERT_ID, CERTIFICATES, HOSTNAMES, OTHER_ID, assert_no_secret, association, hostname_certificate, listed_association,
    no_association_list, sent,
)

# One read at a time, so that the scripted conversation has one order (parallel reads: test_parallel_reads_*).
ENABLE = dict(ARGS, certificate_id=CERT_ID, state='enabled', parallel=1)


def names(count, prefix='host'):
    return ['%s%03d.example.com' % (prefix, number) for number in range(count)]


def removed(hostname, cert_id=CERT_ID):
    return association(hostname, cert_id=cert_id, enabled=None, status='deleted')


def test_fifty_hostnames_cost_fifty_reads_and_one_put_without_the_list(run_module, api):
    hostnames = names(50)
    no_association_list(api)
    for hostname in hostnames:
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname, cert_id=None)))
    api.put(HOSTNAMES, json=envelope([association(hostname, status='pending_deployment') for hostname in hostnames]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames))
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET'] * 51 + ['PUT']
    assert sent(api.calls[51]) == ('PUT', HOSTNAMES, {'config': [
        {'hostname': hostname, 'cert_id': CERT_ID, 'enabled': True} for hostname in hostnames]})
    entry = result['hostnames'][0]
    assert entry['hostname'] == hostnames[0] and entry['changed'] is True and entry['before'] is None
    assert sorted(entry['after']) == sorted(ASSOCIATION_FIELDS) and entry['after']['status'] == 'pending_deployment'
    assert_no_secret(result)


def test_a_second_run_only_reads(run_module, api):
    hostnames = names(50)
    no_association_list(api, status=400)
    for hostname in hostnames:
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname)))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames), diff=True)
    assert code == 0 and result['changed'] is False and len(api.calls) == 51
    assert all(entry['changed'] is False and entry['before'] == entry['after'] for entry in result['hostnames'])
    assert result['diff'] == {'before': {}, 'after': {}}


def test_one_hundred_and_fifty_hostnames_are_sent_in_two_puts(run_module, api):
    hostnames = names(150)
    no_association_list(api)
    for hostname in hostnames:
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname)))
    api.put(HOSTNAMES, json=envelope([removed(hostname) for hostname in hostnames[:100]]))
    api.put(HOSTNAMES, json=envelope([removed(hostname) for hostname in hostnames[100:]]))
    code, result = run_module(hostname_association.main, dict(ARGS, hostnames=hostnames, state='absent', parallel=1))
    assert code == 0 and result['changed'] is True
    puts = [sent(call) for call in api.calls if call.request.method == 'PUT']
    assert len(api.calls) == 153 and len(puts) == 2
    assert [len(body['config']) for _method, _url, body in puts] == [100, 50]
    assert puts[1][2]['config'][0] == {'hostname': hostnames[100], 'cert_id': CERT_ID, 'enabled': None}
    assert all(entry['after'] is None for entry in result['hostnames'])


# Each cell: the hostname's association now, the wanted state, and the PUT item expected (None: nothing sent).
NONE = dict(cert_id=None)
ON = dict(cert_id=CERT_ID, enabled=True)
OFF = dict(cert_id=CERT_ID, enabled=False)
OTHER_ON = dict(cert_id=OTHER_ID, enabled=True)
GOING = dict(cert_id=CERT_ID, enabled=True, status='pending_deletion')


@pytest.mark.parametrize('now,args,item', [
    (NONE, dict(state='enabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': True}),
    (ON, dict(state='enabled', certificate_id=CERT_ID), None),
    (OFF, dict(state='enabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': True}),
    (OTHER_ON, dict(state='enabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': True}),
    (GOING, dict(state='enabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': True}),
    (NONE, dict(state='disabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': False}),
    (ON, dict(state='disabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': False}),
    (OFF, dict(state='disabled', certificate_id=CERT_ID), None),
    (OTHER_ON, dict(state='disabled', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': False}),
    (NONE, dict(state='absent', certificate_id=CERT_ID), None),
    (ON, dict(state='absent', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': None}),
    (OFF, dict(state='absent', certificate_id=CERT_ID), {'cert_id': CERT_ID, 'enabled': None}),
    (OTHER_ON, dict(state='absent', certificate_id=CERT_ID), None),
    (GOING, dict(state='absent', certificate_id=CERT_ID), None),
    (NONE, dict(state='absent'), None),
    (ON, dict(state='absent'), {'cert_id': CERT_ID, 'enabled': None}),
    (OTHER_ON, dict(state='absent'), {'cert_id': OTHER_ID, 'enabled': None}),
])
def test_every_association_and_state(run_module, api, now, args, item):
    hostname = 'app.example.com'
    api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname, **now)))
    if item is not None:
        if item['enabled'] is None:
            answer = removed(hostname, item['cert_id'])
        else:
            answer = association(hostname, item['cert_id'], item['enabled'], 'pending_deployment')
        api.put(HOSTNAMES, json=envelope([answer]))
    code, result = run_module(hostname_association.main, dict(ARGS, hostnames=[hostname], **args))
    assert code == 0 and result['changed'] is (item is not None)
    if item is None:
        assert len(api.calls) == 1
    else:
        assert sent(api.calls[1]) == ('PUT', HOSTNAMES, {'config': [dict(hostname=hostname, **item)]})
        assert (result['hostnames'][0]['after'] is None) is (item['enabled'] is None)


def test_only_hostnames_that_differ_are_sent_and_reported(run_module, api):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com')))
    api.get(HOSTNAMES + '/b.example.com', json=envelope(association('b.example.com', cert_id=OTHER_ID)))
    api.put(HOSTNAMES, json=envelope([association('b.example.com', status='pending_deployment')]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['A.example.com', 'b.example.com.', 'a.example.com']), diff=True)
    assert code == 0 and result['changed'] is True
    assert [(entry['hostname'], entry['changed']) for entry in result['hostnames']] == [('a.example.com', False), ('b.example.com', True)]
    assert sent(api.calls[2])[2] == {'config': [{'hostname': 'b.example.com', 'cert_id': CERT_ID, 'enabled': True}]}
    assert result['diff'] == {'before': {'b.example.com': {'cert_id': OTHER_ID, 'enabled': True, 'status': 'active'}},
                              'after': {'b.example.com': {'cert_id': CERT_ID, 'enabled': True, 'status': 'pending_deployment'}}}


def test_check_mode_reads_and_predicts_without_a_put(run_module, api):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=OTHER_ID)))
    api.get(HOSTNAMES + '/b.example.com', json=envelope(association('b.example.com', cert_id=None)))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com', 'b.example.com'], wait=True),
                              check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'GET']
    after = result['hostnames'][0]['after']
    assert after['cert_id'] == CERT_ID and after['status'] == 'pending_deployment' and after['serial_number'] is None
    assert result['diff']['before']['b.example.com'] == {'state': 'absent'}


def test_a_404_hostname_reads_as_no_association(run_module, api):
    api.get(HOSTNAMES + '/a.example.com', status=404, json=envelope(success=False, errors=[{'code': 1411, 'message': 'not found'}]))
    code, result = run_module(hostname_association.main, dict(ARGS, hostnames=['a.example.com'], state='absent'))
    assert code == 0 and result['changed'] is False and result['hostnames'][0]['before'] is None


def test_wait_polls_only_the_hostnames_still_pending(run_module, api, clock):
    for hostname in ('a.example.com', 'b.example.com'):
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname, cert_id=None)))
    api.put(HOSTNAMES, json=envelope([association(hostname, status='pending_deployment') for hostname in ('a.example.com', 'b.example.com')]))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com')))
    api.get(HOSTNAMES + '/b.example.com', json=envelope(association('b.example.com', status='pending_deployment')))
    api.get(HOSTNAMES + '/b.example.com', json=envelope(association('b.example.com')))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com', 'b.example.com'], wait=True))
    assert code == 0 and [entry['after']['status'] for entry in result['hostnames']] == ['active', 'active']
    # The PUT's answer starts the wait: both are read one interval later, then only b.
    assert len(api.calls) == 6 and clock.sleeps == [1.0, 1.0]


def test_wait_for_removal_ends_when_the_association_is_gone(run_module, api, clock):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com')))
    api.put(HOSTNAMES, json=envelope([association('a.example.com', enabled=None, status='pending_deletion')]))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', status='pending_deletion')))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=None)))
    code, result = run_module(hostname_association.main, dict(ARGS, hostnames=['a.example.com'], state='absent', wait=True))
    assert code == 0 and result['changed'] is True and result['hostnames'][0]['after'] is None
    assert clock.sleeps == [1.0, 1.0]


def test_wait_for_removal_needs_no_poll_when_the_put_answer_shows_it_gone(run_module, api, clock):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com')))
    api.put(HOSTNAMES, json=envelope([removed('a.example.com')]))
    code, result = run_module(hostname_association.main, dict(ARGS, hostnames=['a.example.com'], state='absent', wait=True))
    assert code == 0 and result['changed'] is True and result['hostnames'][0]['after'] is None
    assert [call.request.method for call in api.calls] == ['GET', 'PUT'] and clock.sleeps == []


def test_wait_fails_clearly_on_deployment_timed_out(run_module, api, clock):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', status='pending_deployment')))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', status='deployment_timed_out')))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com'], wait=True))
    assert code == 1 and result['changed'] is False
    assert 'deployment_timed_out for the association of a.example.com' in result['msg']


def test_a_failed_second_batch_still_reports_the_first(run_module, api):
    # Removing 120 associations: no certificate gains hostnames, so two PUTs (100 + 20) are allowed to go out.
    hostnames = names(120)
    no_association_list(api)
    for hostname in hostnames:
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname)))
    api.put(HOSTNAMES, json=envelope([association(hostname, status='pending_deletion') for hostname in hostnames[:100]]))
    api.put(HOSTNAMES, status=400, json=envelope(success=False, errors=[{'code': 1410, 'message': 'at most 100 associations'}]))
    code, result = run_module(hostname_association.main, dict(ARGS, state='absent', parallel=1, hostnames=hostnames))
    assert code == 1 and result['changed'] is True and '1410: at most 100 associations' in result['msg']
    assert [entry['changed'] for entry in result['hostnames']] == [True] * 100 + [False] * 20


def test_a_failed_read_still_lists_each_hostname_with_nothing_known(run_module, api):
    api.get(HOSTNAMES + '/a.example.com', status=403, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com']))
    assert code == 1 and result['changed'] is False
    assert result['hostnames'] == [dict(hostname='a.example.com', changed=False, before=None, after=None)]


@pytest.mark.parametrize('args,option,text', [
    (dict(state='enabled', certificate_id=None), 'certificate_id', 'state is enabled but all of the following are missing'),
    (dict(state='disabled', certificate_id=None), 'certificate_id', 'state is disabled but all of the following are missing'),
    (dict(hostnames=['a/b.example.com']), 'hostnames', 'fully qualified hostname'),
    (dict(hostnames=['x' * 63 + '.' + 'y' * 63 + '.' + 'z' * 63 + '.' + 'w' * 63 + '.example.com']), 'hostnames', 'at most 253'),
    (dict(hostnames=['app.example.com', 'localhost']), 'hostnames', 'fully qualified hostname'),
    (dict(hostnames=[]), 'hostnames', 'was given with an empty value ([])'),
    (dict(hostnames=['']), 'hostnames', 'was given with an empty value'),
    (dict(hostnames=['app.example.com', '  ']), 'hostnames', 'an empty one never means "all"'),
    (dict(certificate_id=CERT_ID + '\n'), 'certificate_id', 'must be a Cloudflare id'),
    (dict(certificate_id='../x'), 'certificate_id', 'must be a Cloudflare id'),
    (dict(wait_timeout=-1), 'wait_timeout', 'must be a finite number of at least 0'),
])
def test_bad_input_fails_before_any_request(run_module, api, args, option, text):
    args = dict((key, value) for key, value in dict(dict(ENABLE, hostnames=['app.example.com']), **args).items() if value is not None)
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and len(api.calls) == 0
    assert option in result['msg'] and text in result['msg']


def test_an_unknown_certificate_id_gets_cloudflares_error_and_hint(run_module, api):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=None)))
    api.put(HOSTNAMES, status=400, json=envelope(success=False, errors=[{'code': 1415, 'message': 'Certificate id invalid or deleted'}]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com']))
    assert code == 1 and result['changed'] is False and 'a zone-level Authenticated Origin Pulls certificate id' in result['msg']
    assert json.dumps(result).count('Traceback') == 0


# --- wait: true checks cert_id and enabled as well as status ---------------------------------------

def _enable_and_wait(api, hostnames, polls, **extra):
    if len(hostnames) > 2:
        no_association_list(api)
    for hostname in hostnames:
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname, cert_id=None)))
    api.put(HOSTNAMES, json=envelope([association(hostname, status='pending_deployment') for hostname in hostnames]))
    if len(hostnames) > 2:
        # The first poll of three hostnames or more asks for the list too (an API without it: one GET each then).
        no_association_list(api)
    for hostname, answer in polls:
        api.get(HOSTNAMES + '/' + hostname, json=envelope(answer))
    return dict(ENABLE, hostnames=hostnames, wait=True, **extra)


def test_wait_fails_naming_the_hostnames_moved_to_another_certificate(run_module, api, clock):
    args = _enable_and_wait(api, ['a.example.com', 'b.example.com'], [
        ('a.example.com', association('a.example.com', cert_id=OTHER_ID)),
        ('b.example.com', association('b.example.com', status='pending_deployment'))])
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and result['changed'] is True
    assert ('while waiting for the associations to become active, someone else changed a.example.com (now on certificate %s)'
            % OTHER_ID) in result['msg']
    assert 'b.example.com' not in result['msg'].split(':')[0]
    # What was seen last is returned, the moved hostname included.
    assert [entry['after']['cert_id'] for entry in result['hostnames']] == [OTHER_ID, CERT_ID]


def test_wait_fails_naming_the_hostnames_disabled_by_someone_else(run_module, api, clock):
    # Active, on the right certificate, but disabled: not what the task asked for.
    args = _enable_and_wait(api, ['a.example.com', 'b.example.com'], [
        ('a.example.com', association('a.example.com', enabled=False)),
        ('b.example.com', association('b.example.com', enabled=False))])
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and result['changed'] is True
    assert 'someone else changed a.example.com (now disabled), b.example.com (now disabled)' in result['msg']


def test_wait_fails_when_someone_else_removed_the_association(run_module, api, clock):
    args = _enable_and_wait(api, ['a.example.com', 'b.example.com'], [
        ('a.example.com', association('a.example.com', cert_id=None)),
        ('b.example.com', association('b.example.com'))])
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and 'someone else changed a.example.com (now absent)' in result['msg']


def test_wait_with_one_hostname_names_it_when_someone_else_moved_it(run_module, api, clock):
    args = _enable_and_wait(api, ['a.example.com'], [('a.example.com', association('a.example.com', cert_id=OTHER_ID))])
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and 'someone else changed a.example.com (now on certificate %s)' % OTHER_ID in result['msg']
    assert 'a.example.com' in result['msg']


def test_wait_for_removal_fails_naming_a_hostname_moved_to_another_certificate(run_module, api, clock):
    for hostname in ('a.example.com', 'b.example.com'):
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname)))
    api.put(HOSTNAMES, json=envelope([association(hostname, enabled=None, status='pending_deletion')
                                      for hostname in ('a.example.com', 'b.example.com')]))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=None)))
    api.get(HOSTNAMES + '/b.example.com', json=envelope(association('b.example.com', cert_id=OTHER_ID)))
    code, result = run_module(hostname_association.main, dict(ARGS, hostnames=['a.example.com', 'b.example.com'], state='absent', parallel=1,
                                                              certificate_id=CERT_ID, wait=True))
    # Someone associated b with another certificate meanwhile: the wait says so rather than report a removal.
    assert code == 1 and result['changed'] is True
    assert ('while waiting for the associations to be removed, someone else changed b.example.com (now on certificate %s)' % OTHER_ID
            in result['msg'])


def test_wait_times_out_naming_each_hostname_still_pending(run_module, api, clock):
    args = _enable_and_wait(api, ['a.example.com', 'b.example.com', 'c.example.com'], [
        ('a.example.com', association('a.example.com')),
        ('b.example.com', association('b.example.com', status='pending_deployment')),
        ('c.example.com', association('c.example.com', status='initializing'))], wait_timeout=1)
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and result['changed'] is True
    assert 'timed out after 1 s waiting for the associations to become active' in result['msg']
    assert 'the last status seen was b.example.com: pending_deployment, c.example.com: initializing' in result['msg']
    assert 'a.example.com' not in result['msg'] and clock.sleeps == [1.0]


def test_a_wait_on_three_hostnames_polls_the_list_not_each_hostname(run_module, api, clock):
    """Each poll of three hostnames or more reads the zone's list and the certificate list: 2 requests, not one per hostname."""
    hostnames = ['a.example.com', 'b.example.com', 'c.example.com']
    api.get(HOSTNAMES, json=_list_of([]))
    api.put(HOSTNAMES, json=envelope([association(hostname, status='pending_deployment') for hostname in hostnames]))
    api.get(HOSTNAMES, json=_list_of([listed_association('a.example.com'),
                                      listed_association('b.example.com', status='pending_deployment'),
                                      listed_association('c.example.com', status='initializing')]))
    api.get(CERTIFICATES, json=envelope([hostname_certificate()]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames, wait=True, wait_timeout=1))
    assert code == 1 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'PUT', 'GET', 'GET']
    assert 'the last status seen was b.example.com: pending_deployment, c.example.com: initializing' in result['msg']
    assert [entry['after']['status'] for entry in result['hostnames']] == ['active', 'pending_deployment', 'initializing']


def test_wait_times_out_naming_the_last_hostname_still_pending(run_module, api, clock):
    args = _enable_and_wait(api, ['a.example.com', 'b.example.com'], [
        ('a.example.com', association('a.example.com')),
        ('b.example.com', association('b.example.com', status='pending_deployment')),
        ('b.example.com', association('b.example.com', status='pending_deployment')),
        ('b.example.com', association('b.example.com', status='pending_deployment'))], wait_timeout=3)
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and 'timed out after 3 s' in result['msg']
    assert 'the last status seen was b.example.com: pending_deployment' in result['msg']


def test_wait_names_a_hostname_moved_after_the_others_became_active(run_module, api, clock):
    args = _enable_and_wait(api, ['a.example.com', 'b.example.com'], [
        ('a.example.com', association('a.example.com')),
        ('b.example.com', association('b.example.com', status='pending_deployment')),
        ('b.example.com', association('b.example.com', cert_id=OTHER_ID))])
    code, result = run_module(hostname_association.main, args)
    assert code == 1 and 'someone else changed b.example.com (now on certificate %s)' % OTHER_ID in result['msg']


def test_an_unchanged_hostname_still_deploying_is_waited_for_without_a_put(run_module, api, clock):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', status='pending_deployment')))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com')))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com'], wait=True))
    assert code == 0 and result['changed'] is False and result['hostnames'][0]['after']['status'] == 'active'
    assert [call.request.method for call in api.calls] == ['GET', 'GET'] and clock.sleeps == [1.0]


def test_a_lost_put_answer_is_decided_by_reading_each_hostname(run_module, api, clock):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=None)))
    api.put(HOSTNAMES, status=502, json=envelope(success=False))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', status='pending_deployment')))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com']))
    assert code == 0 and result['changed'] is True and result['hostnames'][0]['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'PUT', 'GET']
    assert 'a new read shows that it was applied (the associations of a.example.com)' in json.dumps(result['warnings'])


def test_a_put_answered_with_result_null_is_sent_again_when_the_read_shows_no_change(run_module, api, clock):
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=None)))
    api.put(HOSTNAMES, json=envelope(None))
    api.get(HOSTNAMES + '/a.example.com', json=envelope(association('a.example.com', cert_id=None)))
    api.put(HOSTNAMES, json=envelope([association('a.example.com', status='pending_deployment')]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com']))
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'PUT', 'GET', 'PUT'] and clock.sleeps == [1.0]


def test_parallel_reads_read_every_hostname_once_and_keep_the_order(run_module):
    hostnames = names(40)
    # Workers answer in any order: a registry without order, one answer per hostname.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        no_association_list(mock)
        for hostname in hostnames:
            mock.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname, cert_id=CERT_ID, status='active')))
        code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames, parallel=8))
        urls = sorted(call.request.url for call in mock.calls if '?' not in call.request.url)
    assert code == 0 and result['changed'] is False
    assert urls == sorted(HOSTNAMES + '/' + hostname for hostname in hostnames)
    assert [entry['hostname'] for entry in result['hostnames']] == hostnames


def _list_of(items, page=1, per_page=1000, total=None):
    total = len(items) if total is None else total
    return envelope(items, result_info={'page': page, 'per_page': per_page, 'count': len(items), 'total_count': total,
                                        'total_pages': max(1, -(-total // per_page))})


def test_fifty_hostnames_cost_two_reads_and_one_put_with_the_list(run_module, api):
    """50 hostnames: one page of the 2026 list and the certificate list, instead of 50 GETs (the test above)."""
    hostnames = names(50)
    listed = [listed_association(hostname, cert_id=OTHER_ID) for hostname in hostnames[:10]]
    listed.append(listed_association('elsewhere.example.com'))
    listed.append(listed_association(hostnames[10], enabled=None, status='deleted'))
    api.get(HOSTNAMES, json=_list_of(listed))
    api.get(CERTIFICATES, json=envelope([hostname_certificate(OTHER_ID), hostname_certificate()]))
    api.put(HOSTNAMES, json=envelope([association(hostname, status='pending_deployment') for hostname in hostnames]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames), diff=True)
    assert code == 0 and result['changed'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'GET', 'PUT']
    assert api.calls[0].request.url == HOSTNAMES + '?status=all&page=1&per_page=1000'
    assert len(sent(api.calls[2])[2]['config']) == 50
    moved = result['hostnames'][0]
    # The listed association gets its certificate's fields from the certificate list; a removed one reads as none.
    assert moved['before']['cert_id'] == OTHER_ID and moved['before']['serial_number'] == hostname_certificate(OTHER_ID)['serial_number']
    assert moved['before']['cert_status'] == 'active' and moved['before']['certificate']
    assert result['hostnames'][10]['before'] is None and result['hostnames'][11]['before'] is None
    assert result['diff']['before'][hostnames[0]] == {'cert_id': OTHER_ID, 'enabled': True, 'status': 'active'}
    assert_no_secret(result)


def test_two_hostnames_are_read_one_by_one(run_module, api):
    for hostname in ('a.example.com', 'b.example.com'):
        api.get(HOSTNAMES + '/' + hostname, json=envelope(association(hostname)))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=['a.example.com', 'b.example.com']))
    assert code == 0 and result['changed'] is False and len(api.calls) == 2


def test_the_list_is_read_page_by_page(run_module, api):
    hostnames = names(5)
    api.get(HOSTNAMES, json=_list_of([listed_association(hostname) for hostname in hostnames[:3]], per_page=3, total=5))
    api.get(HOSTNAMES, json=_list_of([listed_association(hostname) for hostname in hostnames[3:]], page=2, per_page=3, total=5))
    api.get(CERTIFICATES, json=envelope([hostname_certificate()]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames))
    assert code == 0 and result['changed'] is False
    assert [call.request.url.split('?')[1] for call in api.calls[:2]] == ['status=all&page=1&per_page=1000', 'status=all&page=2&per_page=1000']


def test_a_live_association_wins_over_a_removed_listing_of_the_same_hostname(run_module, api):
    hostnames = names(3)
    api.get(HOSTNAMES, json=_list_of([listed_association(hostnames[0], cert_id=OTHER_ID), listed_association(hostnames[0], enabled=None,
                                                                                                             status='deleted')]
                                     + [listed_association(hostname) for hostname in hostnames[1:]]))
    api.get(CERTIFICATES, json=envelope([hostname_certificate(), hostname_certificate(OTHER_ID)]))
    api.put(HOSTNAMES, json=envelope([association(hostnames[0], status='pending_deployment')]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames))
    assert code == 0 and [entry['changed'] for entry in result['hostnames']] == [True, False, False]
    assert result['hostnames'][0]['before']['cert_id'] == OTHER_ID


def test_a_malformed_list_item_fails_naming_the_field(run_module, api):
    item = dict(listed_association('a.example.com'), enabled='yes')
    for _attempt in range(2):  # api_retries=1: the listing is read again once
        api.get(HOSTNAMES, json=_list_of([item]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=names(3), api_retries=1))
    assert code == 1 and 'enabled is a string where true or false is due' in result['msg'] and len(api.calls) == 2
    assert not [call for call in api.calls if call.request.method == 'PUT']


@pytest.mark.parametrize('status', [500, 403])
def test_other_failures_of_the_list_are_not_taken_for_an_old_api(run_module, api, status):
    for _attempt in range(2 if status == 500 else 1):  # api_retries=1: a 500 is retried once, a 403 is not
        api.get(HOSTNAMES, status=status, json=envelope(success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=names(3), api_retries=1))
    assert code == 1 and 'HTTP %d' % status in result['msg']
    assert all('?' in call.request.url for call in api.calls)


def test_a_lost_put_answer_for_many_hostnames_is_decided_by_one_listing(run_module, api, clock):
    hostnames = names(50)
    api.get(HOSTNAMES, json=_list_of([]))
    api.put(HOSTNAMES, status=502, json=envelope(success=False))
    api.get(HOSTNAMES, json=_list_of([listed_association(hostname, status='pending_deployment') for hostname in hostnames]))
    api.get(CERTIFICATES, json=envelope([hostname_certificate()]))
    code, result = run_module(hostname_association.main, dict(ENABLE, hostnames=hostnames))
    assert code == 0 and result['changed'] is True and all(entry['changed'] for entry in result['hostnames'])
    # The first listing is empty, so no certificate list is read for it; the re-read lists again: 4 requests, not 101.
    assert [call.request.method for call in api.calls] == ['GET', 'PUT', 'GET', 'GET']
    assert 'a new read shows that it was applied' in json.dumps(result['warnings'])
