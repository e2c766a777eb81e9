# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""mtls_enforcement_info and mtls_enforcement_rule: the answers Cloudflare may give, request by request."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._rulesets import ENFORCEMENT_CONDITION
from ansible_collections.mtls.cloudflare.plugins.modules import mtls_enforcement_info, mtls_enforcement_rule
from ansible_collections.mtls.cloudflare.tests.unit.plugins.cloudflare_fakes import BASE, TOKEN, ZONE, envelope
from ansible_collections.mtls.cloudflare.tests.unit.plugins.hostname_fakes import sent

ARGS = {'api_token': TOKEN, 'zone_id': ZONE}
ENTRYPOINT = BASE + '/zones/%s/rulesets/phases/http_request_firewall_custom/entrypoint' % ZONE
MTLS_HOSTNAMES = BASE + '/zones/%s/certificate_authorities/hostname_associations' % ZONE
RULESET_ID = '2f2feab2026849078ba485f918791bdc'
RULE_ID = '3a03d665bac047339bb530ecb439a90d'
OTHER_RULE_ID = '5bccdbb2a5142cd25cad8591255bd209'
RULES = BASE + '/zones/%s/rulesets/%s/rules' % (ZONE, RULESET_ID)
DESCRIPTION = mtls_enforcement_rule.DEFAULT_DESCRIPTION
SCOPED = '(http.host in {"api.example.com"}) and ' + ENFORCEMENT_CONDITION
WANTED = {'description': DESCRIPTION, 'expression': SCOPED, 'action': 'block', 'enabled': True}
OTHER = {'id': OTHER_RULE_ID, 'version': '4', 'action': 'log', 'expression': 'ip.src eq 192.0.2.1', 'description': 'theirs',
         'last_updated': '2026-01-01T00:00:00Z', 'enabled': True}
NOT_FOUND = {'code': 10003, 'message': 'not found'}
NO_ROUTE = [{'code': 7003, 'message': 'Could not route'}, {'code': 7000, 'message': 'No route for that URI'}]


def ruleset(*rules, **fields):
    result = dict(id=RULESET_ID, name='default', kind='zone', phase='http_request_firewall_custom', version='3',
                  last_updated='2026-01-01T00:00:00Z', rules=list(rules))
    result.update(fields)
    return result


def mine(**fields):
    rule = dict(WANTED, id=RULE_ID, ref=RULE_ID, version='1', last_updated='2026-01-02T00:00:00Z')
    rule.update(fields)
    return rule


# --- mtls_enforcement_info ---------------------------------------------------------------------

def test_info_reads_the_hostnames_and_the_rules_and_judges_each_hostname(run_module, api):
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': ['API.example.com', 'app.example.com', 'api.example.com']}))
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine())))
    code, result = run_module(mtls_enforcement_info.main, ARGS)
    assert code == 0 and result['changed'] is False
    assert result['mtls_hostnames'] == ['api.example.com', 'app.example.com']
    assert [(entry['hostname'], entry['status'], entry['rules']) for entry in result['hostnames']] == [
        ('api.example.com', 'blocked', [RULE_ID]), ('app.example.com', 'not_blocked', [])]
    assert result['all_blocked'] is False and result['hostnames_not_blocked'] == ['app.example.com']
    assert result['ruleset'] == {'id': RULESET_ID, 'version': '3', 'last_updated': '2026-01-01T00:00:00Z'}
    assert [rule['revoked_certificates'] for rule in result['rules']] == ['not_blocked', 'blocked_on_hosts']
    assert result['rules'][1]['blocked_hosts'] == ['api.example.com']


def test_a_404_for_the_entrypoint_means_no_rules(run_module, api):
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': ['api.example.com']}))
    api.get(ENTRYPOINT, status=404, json=envelope(None, success=False, errors=[NOT_FOUND]))
    code, result = run_module(mtls_enforcement_info.main, ARGS)
    assert code == 0 and result['ruleset'] is None and result['hostnames'][0]['status'] == 'not_blocked'


@pytest.mark.parametrize('status,errors', [(404, []), (400, [NOT_FOUND])])
def test_any_404_or_cloudflares_no_entrypoint_code_means_no_rules(run_module, api, status, errors):
    api.get(ENTRYPOINT, status=status, json=envelope(None, success=False, errors=errors))
    code, result = run_module(mtls_enforcement_info.main, dict(ARGS, hostnames=['api.example.com']))
    assert code == 0 and result['ruleset'] is None and result['hostnames'][0]['status'] == 'not_blocked'


def test_another_refusal_of_the_entrypoint_read_is_an_error(run_module, api):
    api.get(ENTRYPOINT, status=403, json=envelope(None, success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(mtls_enforcement_info.main, dict(ARGS, hostnames=['api.example.com']))
    assert code == 1 and result['api_error']['status'] == 403 and 'all_blocked' not in result
    assert 'Zone WAF Read' in result['msg']


def test_a_write_refused_for_the_permission_names_zone_waf_write(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER)))
    api.post(RULES, status=403, json=envelope(None, success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS)
    assert code == 1 and result['changed'] is False and 'Zone WAF Write' in result['msg'] and len(api.calls) == 2, result['msg']


def test_a_404_that_could_not_route_is_an_error_not_no_rules(run_module, api):
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': ['api.example.com']}))
    api.get(ENTRYPOINT, status=404, json=envelope(None, success=False, errors=NO_ROUTE))
    code, result = run_module(mtls_enforcement_info.main, ARGS)
    assert code == 1 and result['api_error']['status'] == 404 and 'all_blocked' not in result


@pytest.mark.parametrize('rules', ['block everything', {'id': RULE_ID}, ['not a rule']])
def test_rules_of_an_unexpected_shape_fail_rather_than_read_as_none(run_module, api, rules):
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': ['api.example.com']}))
    api.get(ENTRYPOINT, json=envelope(ruleset(rules=rules)))
    code, result = run_module(mtls_enforcement_info.main, ARGS)
    assert code == 1 and 'unexpected shape' in result['msg'] and 'all_blocked' not in result


def test_a_ruleset_without_rules_has_none(run_module, api):
    # Cloudflare may leave "rules" out of a ruleset that has none.
    bare = ruleset()
    del bare['rules']
    api.get(ENTRYPOINT, json=envelope(bare))
    code, result = run_module(mtls_enforcement_info.main, dict(ARGS, hostnames=['api.example.com']))
    assert code == 0 and result['rules'] == [] and result['hostnames'][0]['status'] == 'not_blocked'


@pytest.mark.parametrize('answer', [{'hostnames': 'api.example.com'}, {'hostnames': [None]}])
def test_mtls_hostnames_of_an_unexpected_shape_fail(run_module, api, answer):
    api.get(MTLS_HOSTNAMES, json=envelope(answer))
    code, result = run_module(mtls_enforcement_info.main, ARGS)
    assert code == 1 and 'unexpected shape' in result['msg'] and len(api.calls) == 1


def test_no_mtls_hostnames_is_all_blocked_with_nothing_to_block(run_module, api):
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': None}))
    api.get(ENTRYPOINT, json=envelope(ruleset()))
    code, result = run_module(mtls_enforcement_info.main, ARGS)
    assert code == 0 and result['hostnames'] == [] and result['all_blocked'] is True


# --- mtls_enforcement_rule ---------------------------------------------------------------------

RULE_ARGS = dict(ARGS, hostnames=['api.example.com'])


@pytest.mark.parametrize('args,text', [
    (dict(ARGS, hostnames=['*.example.com']), 'hostnames: *.example.com is a wildcard'),
    (dict(ARGS, hostnames=['api.example.com'], all_hostnames=True), 'hostnames and all_hostnames are mutually exclusive'),
    (dict(RULE_ARGS, description='x' * 501), 'description must be at most 500 characters'),
    (dict(ARGS, hostnames=['not a host']), 'hostnames must be a fully qualified hostname'),
])
def test_bad_input_fails_before_any_request(run_module, api, args, text):
    code, result = run_module(mtls_enforcement_rule.main, args)
    assert code == 1 and text in result['msg'] and len(api.calls) == 0


def test_the_missing_entrypoint_is_created_with_the_rule_alone(run_module, api):
    api.get(ENTRYPOINT, status=404, json=envelope(None, success=False, errors=[NOT_FOUND]))
    api.put(ENTRYPOINT, json=envelope(ruleset(mine())))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS)
    assert code == 0 and result['changed'] is True and result['rule']['id'] == RULE_ID and result['ruleset_id'] == RULESET_ID
    assert sent(api.calls[1]) == ('PUT', ENTRYPOINT, {'rules': [WANTED]})


def test_the_zones_mtls_hostnames_scope_the_rule_when_none_are_given(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER)))
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': ['devices.example.com', 'api.example.com']}))
    api.post(RULES, json=envelope(ruleset(OTHER, mine())))
    code, result = run_module(mtls_enforcement_rule.main, ARGS)
    assert code == 0 and result['hostnames'] == ['api.example.com', 'devices.example.com']
    assert sent(api.calls[2])[2]['expression'] == '(http.host in {"api.example.com" "devices.example.com"}) and ' + ENFORCEMENT_CONDITION


def test_a_wildcard_mtls_hostname_fails_before_any_write(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER)))
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': ['*.example.com']}))
    code, result = run_module(mtls_enforcement_rule.main, ARGS)
    assert code == 1 and '*.example.com is a wildcard' in result['msg'] and len(api.calls) == 2


def test_a_rule_that_differs_is_patched_with_the_whole_wanted_rule(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine(expression=ENFORCEMENT_CONDITION, action='log'))))
    api.patch(RULES + '/' + RULE_ID, json=envelope(ruleset(OTHER, mine())))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS, diff=True)
    assert code == 0 and result['changed'] is True
    assert sent(api.calls[1]) == ('PATCH', RULES + '/' + RULE_ID, WANTED)
    assert result['diff']['before']['action'] == 'log' and result['diff']['after']['action'] == 'block'


def test_whitespace_alone_does_not_change_the_rule(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(mine(expression='  ' + SCOPED.replace(' and ', '\n and  ')))))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS)
    assert code == 0 and result['changed'] is False and len(api.calls) == 1


def test_check_mode_predicts_without_writing(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine(enabled=False))))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS, check_mode=True, diff=True)
    assert code == 0 and result['changed'] is True and len(api.calls) == 1
    assert result['rule']['enabled'] is True and result['rule']['id'] == RULE_ID
    assert result['diff']['before']['enabled'] is False and result['diff']['after']['enabled'] is True


def test_a_patch_whose_answer_was_lost_is_read_again_and_sent_again(run_module, api, clock):
    api.get(ENTRYPOINT, json=envelope(ruleset(mine(enabled=False))))
    api.patch(RULES + '/' + RULE_ID, status=502, body='<html>bad gateway</html>')
    api.get(ENTRYPOINT, json=envelope(ruleset(mine(enabled=False))))
    api.patch(RULES + '/' + RULE_ID, json=envelope(ruleset(mine())))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS)
    assert code == 0 and result['changed'] is True and result['rule']['enabled'] is True
    assert [call.request.method for call in api.calls] == ['GET', 'PATCH', 'GET', 'PATCH']


def test_a_put_whose_answer_was_lost_is_never_sent_again(run_module, api, clock):
    api.get(ENTRYPOINT, status=404, json=envelope(None, success=False, errors=[NOT_FOUND]))
    api.put(ENTRYPOINT, status=502, body='<html>bad gateway</html>')
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER)))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS)
    assert code == 1 and 'outcome is unknown' in result['msg']
    assert [call.request.method for call in api.calls] == ['GET', 'PUT', 'GET']


def test_a_delete_answered_404_is_settled_by_a_read(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine())))
    api.delete(RULES + '/' + RULE_ID, status=404, json=envelope(None, success=False, errors=[NOT_FOUND]))
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER)))
    code, result = run_module(mtls_enforcement_rule.main, dict(ARGS, state='absent'))
    assert code == 0 and result['rule'] is None and result['changed'] is False


def test_absent_leaves_a_rule_with_another_description_alone(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine(description='someone else wrote this'))))
    code, result = run_module(mtls_enforcement_rule.main, dict(ARGS, state='absent'))
    assert code == 0 and result['changed'] is False and len(api.calls) == 1


# --- what a failed run returns (the hooks hand it on: read's result, the last state seen) -----------------

def test_two_rules_with_the_description_fail_with_the_ruleset_and_what_the_task_wanted(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(mine(), mine(id=OTHER_RULE_ID))))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS)
    assert code == 1 and 'cannot tell which one it owns' in result['msg'] and len(api.calls) == 1
    assert result['rule'] is None and result['ruleset_id'] == RULESET_ID
    assert result['expression'] == SCOPED and result['hostnames'] == ['api.example.com']


def test_a_zone_without_mtls_hostnames_fails_with_the_ruleset_read_and_no_expression(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine())))
    api.get(MTLS_HOSTNAMES, json=envelope({'hostnames': []}))
    code, result = run_module(mtls_enforcement_rule.main, ARGS)
    assert code == 1 and 'has no API Shield mTLS hostnames' in result['msg']
    assert result['rule'] is None and result['ruleset_id'] == RULESET_ID and 'expression' not in result and 'hostnames' not in result


def test_a_failed_write_returns_the_rule_and_ruleset_read(run_module, api):
    api.get(ENTRYPOINT, json=envelope(ruleset(OTHER, mine(action='log'))))
    api.patch(RULES + '/' + RULE_ID, status=403, json=envelope(None, success=False, errors=[{'code': 10000, 'message': 'Authentication error'}]))
    code, result = run_module(mtls_enforcement_rule.main, RULE_ARGS, diff=True)
    assert code == 1 and result['changed'] is False
    assert result['rule']['action'] == 'log' and result['ruleset_id'] == RULESET_ID and result['expression'] == SCOPED
    assert result['diff']['before'] == result['diff']['after'] and result['diff']['after']['action'] == 'log'
