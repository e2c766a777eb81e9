# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a WAF custom rule does to a revoked client certificate: ``blocked`` only when that is sure."""

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._rulesets import (
    ENFORCEMENT_CONDITION, enforcement_expression, hostname_verdicts, normalize_expression, revocation_scope,
)

REVOKED = 'cf.tls_client_auth.cert_revoked'
A, B = 'a.example.com', 'b.example.com'


@pytest.mark.parametrize('expression,kind,hosts', [
    # Cloudflare's documented rule, in its two spellings, and the module's own.
    ('(not cf.tls_client_auth.cert_verified) or cf.tls_client_auth.cert_revoked', 'all', None),
    (ENFORCEMENT_CONDITION, 'all', None),
    (REVOKED, 'all', None),
    (REVOKED + ' eq true', 'all', None),
    ('!cf.tls_client_auth.cert_verified || ' + REVOKED, 'all', None),
    # An "or" only widens what matches.
    ('ip.src eq 192.0.2.1 or ' + REVOKED, 'all', None),
    # Host conditions: eq, ==, in {...}, case-insensitive, either side of the "and".
    ('http.host eq "A.example.com" and ' + REVOKED, 'hosts', {A}),
    (REVOKED + ' && http.host == "a.example.com"', 'hosts', {A}),
    ('(http.host in {"a.example.com" "b.example.com"}) and ' + ENFORCEMENT_CONDITION, 'hosts', {A, B}),
    ('http.host in {"a.example.com" "b.example.com"} and http.host eq "b.example.com" and ' + REVOKED, 'hosts', {B}),
    # "and" binds tighter than "or" (Cloudflare's precedence).
    ('http.host eq "a.example.com" and %s or http.host eq "b.example.com" and %s' % (REVOKED, REVOKED), 'hosts', {A, B}),
    # What cannot be followed is unknown, with the hosts it surely covers.
    (REVOKED + ' and ip.src eq 192.0.2.1', 'unknown', set()),
    ('not ' + REVOKED, 'unknown', set()),
    ('not (' + REVOKED + ')', 'unknown', set()),
    (REVOKED + ' eq false', 'unknown', set()),
    ('http.host contains "a" and ' + REVOKED, 'unknown', set()),
    ('http.host ne "a.example.com" and ' + REVOKED, 'unknown', set()),
    (REVOKED + ' xor true', 'unknown', set()),
    ('(' + REVOKED, 'unknown', set()),
    (REVOKED + ' and', 'unknown', set()),
    ('(http.host eq "a.example.com" and %s) or (ip.src eq 192.0.2.1 and %s)' % (REVOKED, REVOKED), 'unknown', {A}),
    # Not about revocation at all.
    ('ip.src eq 192.0.2.1', 'none', None),
    ('not cf.tls_client_auth.cert_verified', 'none', None),
])
def test_revocation_scope(expression, kind, hosts):
    assert revocation_scope(expression) == (kind, hosts)


def test_the_enforcement_expression_sorts_its_hostnames_so_a_reordered_list_changes_nothing():
    assert enforcement_expression([B, A]) == enforcement_expression([A, B]) == (
        '(http.host in {"a.example.com" "b.example.com"}) and ' + ENFORCEMENT_CONDITION)
    assert enforcement_expression(None) == ENFORCEMENT_CONDITION
    assert revocation_scope(enforcement_expression([A, B])) == ('hosts', {A, B})


def test_whitespace_does_not_make_a_rule_differ():
    assert normalize_expression(' (http.host in {"a.example.com"})\n and  x ') == '(http.host in {"a.example.com"}) and x'


def rule(expression=ENFORCEMENT_CONDITION, action='block', enabled=True, rule_id='r1'):
    return dict(id=rule_id, expression=expression, action=action, enabled=enabled)


def statuses(rules, hostnames=(A, B, '*.example.com')):
    ruleset = None if rules is None else dict(id='x', rules=rules)
    return [verdict[0] for verdict in hostname_verdicts(ruleset, list(hostnames))]


@pytest.mark.parametrize('rules,expected', [
    (None, ['not_blocked'] * 3),
    ([], ['not_blocked'] * 3),
    ([rule()], ['blocked'] * 3),
    ([rule(enabled=False)], ['not_blocked'] * 3),
    ([rule(action='log')], ['not_blocked'] * 3),
    ([rule(action='managed_challenge')], ['not_blocked'] * 3),
    # A wildcard hostname is never covered by a host condition: http.host compares whole names.
    ([rule('http.host in {"a.example.com" "*.example.com"} and ' + REVOKED)], ['blocked', 'not_blocked', 'not_blocked']),
    ([rule(REVOKED + ' and ip.src eq 192.0.2.1')], ['unknown'] * 3),
    # A skip rule before the block may skip it; after it, it cannot.
    ([rule('ip.src eq 192.0.2.1', action='skip', rule_id='s'), rule()], ['unknown'] * 3),
    ([rule('ip.src eq 192.0.2.1', action='skip', rule_id='s', enabled=False), rule()], ['blocked'] * 3),
    ([rule(), rule('ip.src eq 192.0.2.1', action='skip', rule_id='s')], ['blocked'] * 3),
    # A sure block wins over an unknown one.
    ([rule(REVOKED + ' and ip.src eq 192.0.2.1', rule_id='u'), rule('http.host eq "b.example.com" and ' + REVOKED)],
     ['unknown', 'blocked', 'unknown']),
])
def test_hostname_verdicts(rules, expected):
    assert statuses(rules) == expected


def test_a_verdict_names_the_rules_behind_it():
    verdicts = hostname_verdicts(dict(id='x', rules=[rule(rule_id='first'), rule(rule_id='second')]), [A])
    assert verdicts[0][:2] == ('blocked', ['first', 'second'])
