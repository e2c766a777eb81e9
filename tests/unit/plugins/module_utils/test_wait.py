# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Wait: the states wanted, passed through and failed are data; the clock is the fake one of the conftest."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import Wait


class Reads(object):
    """Each key's statuses in order (the last one repeats), and the keys read, in order."""

    def __init__(self, **statuses):
        self.statuses = dict((key, list(values)) for key, values in statuses.items())
        self.keys_read = []

    def __call__(self, key):
        self.keys_read.append(key)
        sequence = self.statuses[key]
        status = sequence.pop(0) if len(sequence) > 1 else sequence[0]
        return None if status == 'gone' else {'id': key, 'status': status}


def _status(current):
    return current['status'] if current else 'gone'


def _revocation(reads, **kwargs):
    return Wait('client certificate x to become revoked', reads, _status, ('revoked',), ('pending_revocation',), name_keys=False, **kwargs)


def test_returns_once_the_state_is_reached_with_growing_polls(make_client, clock):
    reads = Reads(x=['pending_revocation', 'pending_revocation', 'pending_revocation', 'revoked'])
    latest = _revocation(reads).run(make_client(), ['x'], timeout=60)
    assert latest == {'x': {'id': 'x', 'status': 'revoked'}}
    # Without a first answer, the first read is at once; then 1, 2, 4 s apart.
    assert clock.sleeps == [1.0, 1.0, 2.0] and len(reads.keys_read) == 4


def test_the_interval_is_capped_at_ten_seconds(make_client, clock):
    reads = Reads(x=['pending_revocation'] * 7 + ['revoked'])
    _revocation(reads).run(make_client(), ['x'], timeout=600)
    assert clock.sleeps == [1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 8.0]


def test_first_avoids_a_read(make_client, clock):
    # The write's own answer already shows the wanted state: no request at all.
    reads = Reads(x=['revoked'])
    latest = _revocation(reads).run(make_client(), ['x'], timeout=60, first={'x': {'id': 'x', 'status': 'revoked'}})
    assert latest['x']['status'] == 'revoked' and reads.keys_read == [] and clock.sleeps == []


def test_first_starts_the_wait_and_the_first_read_comes_one_interval_later(make_client, clock):
    reads = Reads(x=['pending_revocation', 'revoked'])
    latest = _revocation(reads).run(make_client(), ['x'], timeout=60, first={'x': {'id': 'x', 'status': 'pending_revocation'}})
    assert latest['x']['status'] == 'revoked'
    assert reads.keys_read == ['x', 'x'] and clock.sleeps == [1.0, 1.0]


def test_first_for_some_keys_reads_only_the_others_at_once(make_client, clock):
    reads = Reads(a=['active'], b=['active'])
    wait = Wait('the associations to become active', reads, _status, ('active',), ('pending_deployment',))
    wait.run(make_client(), ['a', 'b'], timeout=60, first={'a': {'id': 'a', 'status': 'active'}})
    assert reads.keys_read == ['b'] and clock.sleeps == []


def test_only_the_keys_still_waiting_are_read_again(make_client, clock):
    reads = Reads(a=['pending_deployment', 'active'], b=['pending_deployment', 'pending_deployment', 'active'])
    wait = Wait('the associations to become active', reads, _status, ('active',), ('pending_deployment',))
    latest = wait.run(make_client(), ['a', 'b'], timeout=60)
    assert reads.keys_read == ['a', 'b', 'a', 'b', 'b']
    assert [latest[key]['status'] for key in ('a', 'b')] == ['active', 'active'] and clock.sleeps == [1.0, 1.0]


def test_times_out_with_the_last_status(make_client, clock):
    reads = Reads(x=['pending_deployment'])
    wait = Wait('hostname certificate x to become active', reads, _status, ('active',), ('initializing', 'pending_deployment'),
                name_keys=False)
    with pytest.raises(CloudflareError) as caught:
        wait.run(make_client(), ['x'], timeout=30)
    assert ('timed out after 30 s waiting for hostname certificate x to become active; the last status seen was pending_deployment '
            '(raise wait_timeout to wait longer)') in str(caught.value)
    assert sum(clock.sleeps) == pytest.approx(30.0)
    assert max(clock.sleeps) <= 10.0
    # What was seen last stays available to the module after the failure.
    assert wait.latest == {'x': {'id': 'x', 'status': 'pending_deployment'}}


def test_a_timeout_names_each_object_still_waiting_and_its_status(make_client, clock):
    reads = Reads(a=['active'], b=['pending_deployment'], c=['initializing'])
    wait = Wait('the associations to become active', reads, _status, ('active',), ('initializing', 'pending_deployment'))
    with pytest.raises(CloudflareError) as caught:
        wait.run(make_client(), ['a', 'b', 'c'], timeout=3)
    assert 'the last status seen was b: pending_deployment, c: initializing' in str(caught.value)
    assert 'a: active' not in str(caught.value)


def test_a_zero_timeout_reads_once_and_fails_without_sleeping(make_client, clock):
    reads = Reads(x=['pending_revocation'])
    with pytest.raises(CloudflareError, match='timed out after 0 s'):
        _revocation(reads).run(make_client(), ['x'], timeout=0)
    assert reads.keys_read == ['x'] and clock.sleeps == []


def test_a_failed_state_stops_waiting_with_its_own_message(make_client, clock):
    reads = Reads(x=['pending_deployment', 'deployment_timed_out'])
    wait = Wait('hostname certificate x to become active', reads, _status, ('active',), ('pending_deployment',),
                failed={'deployment_timed_out': 'hostname certificate %s is in deployment_timed_out: upload it again'})
    with pytest.raises(CloudflareError, match='^hostname certificate x is in deployment_timed_out: upload it again$'):
        wait.run(make_client(), ['x'], timeout=60)
    assert clock.sleeps == [1.0]


def test_a_failed_state_in_first_fails_without_a_read(make_client, clock):
    reads = Reads(x=['active'])
    wait = Wait('x', reads, _status, ('active',), ('pending_deployment',), failed={'deployment_timed_out': 'failed: %s'})
    with pytest.raises(CloudflareError, match='^failed: x$'):
        wait.run(make_client(), ['x'], timeout=60, first={'x': {'id': 'x', 'status': 'deployment_timed_out'}})
    assert reads.keys_read == []


def test_a_failed_state_names_every_object_in_it(make_client, clock):
    reads = Reads(a=['deployment_timed_out'], b=['active'], c=['deployment_timed_out'])
    wait = Wait('the associations', reads, _status, ('active',), ('pending_deployment',),
                failed={'deployment_timed_out': 'deployment_timed_out for the association of %s'})
    with pytest.raises(CloudflareError, match='^deployment_timed_out for the association of a, c$'):
        wait.run(make_client(), ['a', 'b', 'c'], timeout=60)


def test_a_state_off_the_path_names_the_object_and_says_someone_else_changed_it(make_client, clock):
    reads = Reads(x=['pending_reactivation'])
    with pytest.raises(CloudflareError) as caught:
        _revocation(reads).run(make_client(), ['x'], timeout=60, first={'x': {'id': 'x', 'status': 'pending_revocation'}})
    assert str(caught.value) == ('while waiting for client certificate x to become revoked, its status became pending_reactivation: '
                                 'someone else changed it')
    assert clock.sleeps == [1.0]


def test_strayed_objects_among_many_are_each_named(make_client, clock):
    reads = Reads(a=['on certificate other'], b=['pending_deployment'], c=['absent'])
    wait = Wait('the associations to become active', reads, _status, ('active',), ('pending_deployment',))
    with pytest.raises(CloudflareError) as caught:
        wait.run(make_client(), ['a', 'b', 'c'], timeout=60)
    assert str(caught.value) == ('while waiting for the associations to become active, someone else changed '
                                 'a (now on certificate other), c (now absent)')


def test_an_object_that_is_gone_is_a_state_like_any_other(make_client, clock):
    # Waiting for a deletion: a read that finds nothing is the wanted end.
    reads = Reads(x=['pending_deletion', 'gone'])
    wait = Wait('hostname certificate x to be deleted', reads, _status, ('gone',), ('pending_deletion',))
    latest = wait.run(make_client(), ['x'], timeout=60)
    assert latest == {'x': None} and clock.sleeps == [1.0]


def test_read_many_reads_every_waiting_key_at_once_each_round(make_client, clock):
    rounds = []
    seen = {'a': ['pending_revocation', 'revoked'], 'b': ['pending_revocation', 'pending_revocation', 'revoked']}

    def read_many(keys):
        rounds.append(list(keys))
        return dict((key, {'status': seen[key].pop(0) if len(seen[key]) > 1 else seen[key][0]}) for key in keys)

    wait = Wait('2 client certificates to become revoked', None, _status, ('revoked',), ('pending_revocation',), read_many=read_many)
    latest = wait.run(make_client(), ['a', 'b'], timeout=60)
    assert rounds == [['a', 'b'], ['a', 'b'], ['b']] and latest['b']['status'] == 'revoked'
