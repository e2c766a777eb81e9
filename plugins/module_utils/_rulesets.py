# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The zone's WAF custom rules: every request to ``/zones/{zone}/rulesets`` the collection sends.

The rules live in the zone's entry point ruleset of phase ``http_request_firewall_custom``
(read with one GET; a zone that never had a custom rule has none, and that GET answers 404).
One rule is added (POST .../rules), changed (PATCH .../rules/{id}) or deleted (DELETE
.../rules/{id}) at a time, so no other rule of the ruleset is ever sent or replaced; only a
missing entry point is created, with a PUT that holds the one rule.

Also here: what a rule's expression says about revoked client certificates. Cloudflare
keeps ``cf.tls_client_auth.cert_verified`` true for a revoked certificate, so only a rule
that checks ``cf.tls_client_auth.cert_revoked`` and blocks stops one. The expression reader
is deliberately narrow: it recognises a conjunction of host conditions (``http.host eq``,
``http.host in {...}``) and of a disjunction that holds ``cf.tls_client_auth.cert_revoked``;
anything else that mentions the field is ``unknown``, never ``blocked``.
"""

from __future__ import annotations

import re

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import validate_id
from ansible_collections.mtls.cloudflare.plugins.module_utils._writes import Write

PHASE = 'http_request_firewall_custom'
REVOKED_FIELD = 'cf.tls_client_auth.cert_revoked'
ENFORCEMENT_CONDITION = '(not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)'
RULE_FIELDS = ('id', 'ref', 'description', 'expression', 'action', 'enabled', 'version', 'last_updated')
RULE_DIFF_FIELDS = ('description', 'expression', 'action', 'enabled')
# "could not find entrypoint ruleset in the <phase> phase", as a public client logged it (with a 404, presumably):
# accepted as "no entry point" with any 4xx status, never required (any 404 but 7003 means the same).
NO_ENTRYPOINT = 10003


def _entrypoint_path(client, zone):
    return client.path('zones', zone, 'rulesets', 'phases', PHASE, 'entrypoint')


def _rules_path(client, zone, ruleset_id, rule_id=None):
    segments = ['zones', zone, 'rulesets', ruleset_id, 'rules']
    if rule_id is not None:
        segments.append(rule_id)
    return client.path(*segments)


# --- reads -----------------------------------------------------------------------------------

def shape_rule(raw):
    """The returned fields of a rule; ``enabled`` is true when Cloudflare leaves it out (its default)."""
    shaped = dict((field, raw.get(field)) for field in RULE_FIELDS)
    if shaped['enabled'] is None:
        shaped['enabled'] = True
    return shaped


def shape_ruleset(raw, method='GET', path=None):
    """``{id, version, last_updated, rules}``, or a CloudflareError for a ruleset of a shape that cannot be read.

    Cloudflare may leave ``rules`` out of a ruleset that has none. A ``rules`` of another
    type, or a rule that is not an object, is refused rather than read as "no rules": that
    would report revoked certificates as accepted, or add a second rule.
    """
    rules = raw.get('rules')
    if rules is None:
        rules = []
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise CloudflareError('Cloudflare API %s %s: the ruleset has rules of an unexpected shape (%s)' % (method, path, type(rules).__name__),
                              method=method, path=path, status=200)
    ruleset_id = validate_id(raw.get('id'), 'the id of the %s entry point ruleset Cloudflare returned' % PHASE)
    return dict(id=ruleset_id, version=raw.get('version'), last_updated=raw.get('last_updated'),
                rules=[shape_rule(rule) for rule in rules])


def with_waf_hint(error):
    """``error``, with the permission the rules need when Cloudflare refused the credentials (its hint names the certificates')."""
    if not error.denied:
        return error
    return error.restated('%s. The WAF custom rules need the API token permission Zone WAF Read (Zone WAF Write to change them)'
                          % error.message.rstrip('.'))


def read_entrypoint(client, zone):
    """The zone's ``http_request_firewall_custom`` entry point, shaped; None when the zone has none (404, or 10003)."""
    path = _entrypoint_path(client, zone)
    try:
        envelope = client.get(path, absent_ok=True, gone_codes=(NO_ENTRYPOINT,))
    except CloudflareError as error:
        raise with_waf_hint(error) from None
    if envelope is None:
        return None
    return shape_ruleset(envelope.result, 'GET', path)


def rules_described(ruleset, description):
    """The rules of ``ruleset`` (or None) whose description is ``description``."""
    return [rule for rule in (ruleset or {}).get('rules', []) if rule.get('description') == description]


# --- the enforcement rule ----------------------------------------------------------------------

def enforcement_expression(hostnames):
    """The expression of the rule that blocks unverified and revoked client certificates; ``hostnames`` None: every host."""
    if not hostnames:
        return ENFORCEMENT_CONDITION
    hosts = ' '.join('"%s"' % hostname for hostname in sorted(hostnames))
    return '(http.host in {%s}) and %s' % (hosts, ENFORCEMENT_CONDITION)


def normalize_expression(expression):
    """Whitespace does not matter to Cloudflare's rules language (outside strings, where hostnames have none)."""
    return ' '.join(str(expression or '').split())


def rule_is(rule, wanted):
    """Whether ``rule`` already is ``wanted`` ({description, expression, action, enabled})."""
    return (rule is not None and rule.get('description') == wanted['description'] and rule.get('action') == wanted['action']
            and bool(rule.get('enabled')) == wanted['enabled']
            and normalize_expression(rule.get('expression')) == normalize_expression(wanted['expression']))


def _has_wanted_rule(ruleset, wanted):
    found = rules_described(ruleset, wanted['description'])
    return len(found) == 1 and rule_is(found[0], wanted)


def _ruleset_answer(result):
    """Whether a write's answer is a ruleset this module can read (Cloudflare answers every rule write with the ruleset)."""
    if not isinstance(result, dict):
        return False
    try:
        shape_ruleset(result)
    except CloudflareError:
        return False
    return True


def _check(zone):
    return 'Check the rule with mtls.cloudflare.mtls_enforcement_info (zone %s)' % zone


def create_entrypoint_write(client, zone, wanted):
    """PUT the missing entry point with the one rule. Not resent: the entry point may have rules of others by then."""
    return Write('PUT', _entrypoint_path(client, zone), {'rules': [dict(wanted)]}, 'the %s entry point ruleset of zone %s' % (PHASE, zone),
                 read=lambda sender: read_entrypoint(sender, zone),
                 applied=lambda ruleset: _has_wanted_rule(ruleset, wanted),
                 answer_ok=_ruleset_answer, check=_check(zone))


def add_rule_write(client, zone, ruleset_id, wanted):
    """POST the rule at the end of the ruleset. Not resent: a second POST would add a second rule."""
    return Write('POST', _rules_path(client, zone, ruleset_id), dict(wanted), 'the rule "%s"' % wanted['description'],
                 read=lambda sender: read_entrypoint(sender, zone),
                 applied=lambda ruleset: _has_wanted_rule(ruleset, wanted),
                 answer_ok=_ruleset_answer, check=_check(zone))


def update_rule_write(client, zone, ruleset_id, rule_id, wanted):
    """PATCH the rule to ``wanted``; sending the same PATCH twice changes nothing more, so it is resendable."""
    return Write('PATCH', _rules_path(client, zone, ruleset_id, rule_id), dict(wanted), 'the rule "%s"' % wanted['description'],
                 read=lambda sender: read_entrypoint(sender, zone),
                 applied=lambda ruleset: any(rule.get('id') == rule_id and rule_is(rule, wanted) for rule in (ruleset or {}).get('rules', [])),
                 answer_ok=_ruleset_answer, check=_check(zone), resendable=True)


def delete_rule_write(client, zone, ruleset_id, rule_id, description):
    """DELETE the rule; settled by a read after a 404 (it may be gone already)."""
    return Write('DELETE', _rules_path(client, zone, ruleset_id, rule_id), None, 'the rule "%s"' % description,
                 read=lambda sender: read_entrypoint(sender, zone),
                 applied=lambda ruleset: not any(rule.get('id') == rule_id for rule in (ruleset or {}).get('rules', [])),
                 answer_ok=_ruleset_answer, check=_check(zone), resendable=True,
                 settled_by_read=lambda error: error.status == 404)


# --- what a rule does to a revoked certificate ----------------------------------------------------

_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\{[^{}]*\}|\(|\)|&&|\|\||==|[^\s()"{}]+')
_HOST_EQ_RE = re.compile(r'^http\.host (?:eq|==) "([^"\\]*)"$')
_HOST_IN_RE = re.compile(r'^http\.host in \{((?:\s*"[^"\\]*")+)\s*\}$')
_REVOKED_TRUE = (REVOKED_FIELD, REVOKED_FIELD + ' eq true', REVOKED_FIELD + ' == true')
_WORDS = {'&&': 'and', '||': 'or'}


def _tokens(expression):
    text = str(expression or '')
    tokens = []
    position = 0
    for match in _TOKEN_RE.finditer(text):
        if text[position:match.start()].strip():
            return None
        tokens.append(_WORDS.get(match.group(0), match.group(0)))
        position = match.end()
    return tokens if not text[position:].strip() else None


def _strip_parentheses(tokens):
    while len(tokens) >= 2 and tokens[0] == '(' and tokens[-1] == ')' and _closing(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _closing(tokens, start):
    depth = 0
    for index in range(start, len(tokens)):
        depth += {'(': 1, ')': -1}.get(tokens[index], 0)
        if depth == 0:
            return index
    return None


def _split(tokens, operator):
    """``tokens`` split at ``operator`` outside parentheses; None when the parentheses do not balance."""
    parts, current, depth = [], [], 0
    for token in tokens:
        depth += {'(': 1, ')': -1}.get(token, 0)
        if depth < 0:
            return None
        if depth == 0 and token == operator:
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    return parts if depth == 0 else None


ALL = 'all'


def _hosts(tokens):
    """The hosts a host condition names, or None when ``tokens`` is not one."""
    text = ' '.join(tokens)
    equal = _HOST_EQ_RE.match(text)
    if equal:
        return {equal.group(1).lower()}
    listed = _HOST_IN_RE.match(text)
    if listed:
        return set(host.lower() for host in re.findall(r'"([^"\\]*)"', listed.group(1)))
    return None


def _union(first, second):
    return ALL if ALL in (first, second) else first | second


def _intersection(first, second):
    if first == ALL:
        return second
    return first if second == ALL else first & second


def _scope(tokens):
    """``(hosts, doubt, opaque)`` for a part of an expression.

    ``hosts``: the hosts (a set, or ALL) for which every request with a revoked certificate
    matches. ``doubt``: a condition this reader does not follow narrowed a part that checks
    the field, so more may match. ``opaque``: the part is such a condition. Cloudflare's
    precedence: ``not`` before ``and`` before ``xor`` before ``or``.
    """
    tokens = _strip_parentheses(tokens)
    terms = _split(tokens, 'or')
    if terms is None or not all(terms):
        return set(), True, True
    if len(terms) > 1:
        hosts, doubt = set(), False
        for term in terms:
            term_hosts, term_doubt, term_opaque = _scope(term)
            doubt = doubt or term_doubt
            if not term_opaque:
                hosts = _union(hosts, term_hosts)
        return hosts, doubt, False
    factors = _split(tokens, 'and')
    if factors is None or not all(factors) or 'xor' in tokens or '^^' in tokens:
        return set(), True, True
    if len(factors) > 1:
        hosts, doubt, opaque = ALL, False, False
        for factor in factors:
            factor_hosts, factor_doubt, factor_opaque = _scope(factor)
            doubt = doubt or factor_doubt
            if factor_opaque:
                opaque = True
            else:
                hosts = _intersection(hosts, factor_hosts)
        if opaque:
            return set(), doubt or bool(hosts), False
        return hosts, doubt, False
    text = ' '.join(tokens)
    if text in _REVOKED_TRUE:
        return ALL, False, False
    named = _hosts(tokens)
    if named is not None:
        return named, False, False
    return set(), False, True


def revocation_scope(expression):
    """What a blocking rule with this expression does to a revoked certificate: ``(kind, hosts)``.

    ``none``: the expression does not mention ``cf.tls_client_auth.cert_revoked``. ``all``: it
    matches every request with a revoked certificate. ``hosts``: every such request to one of
    ``hosts``, and no other host for sure. ``unknown``: it mentions the field in a way this
    reader does not follow (a negation, a function, another condition that narrows it); the
    hosts it surely covers are in ``hosts`` (maybe none).
    """
    if REVOKED_FIELD not in str(expression or ''):
        return 'none', None
    tokens = _tokens(expression)
    if not tokens:
        return 'unknown', set()
    hosts, doubt, opaque = _scope(tokens)
    if hosts == ALL:
        return 'all', None
    if doubt or opaque or not hosts:
        return 'unknown', hosts
    return 'hosts', hosts


def rule_verdict(rule):
    """``(kind, hosts)`` for one rule: ``revocation_scope``, but ``none`` for a disabled rule or one that does not block."""
    if not rule.get('enabled') or rule.get('action') != 'block':
        return 'none', None
    return revocation_scope(rule.get('expression'))


def hostname_verdicts(ruleset, hostnames):
    """Per hostname: ``(status, rule ids, reason)``, status ``blocked``, ``not_blocked`` or ``unknown``.

    Rules run in order; an enabled ``skip`` rule before a blocking rule may skip it, so such a
    block counts as ``unknown``. A wildcard hostname (``*.example.com``) is blocked only by a
    rule without a host condition: ``http.host`` compares whole host names.
    """
    rules = (ruleset or {}).get('rules', [])
    verdicts = []
    for hostname in hostnames:
        blocking, doubtful, skip_before = [], [], False
        for rule in rules:
            kind, hosts = rule_verdict(rule)
            applies = kind == 'all' or (kind in ('hosts', 'unknown') and not hostname.startswith('*.') and hostname in hosts)
            if applies:
                (doubtful if skip_before else blocking).append(rule.get('id'))
            elif kind == 'unknown':
                doubtful.append(rule.get('id'))
            if rule.get('enabled') and rule.get('action') == 'skip':
                skip_before = True
        if blocking:
            verdicts.append(('blocked', blocking, 'an enabled rule blocks requests with a revoked client certificate to this hostname'))
        elif doubtful:
            verdicts.append(('unknown', doubtful, 'a rule checks cf.tls_client_auth.cert_revoked, but whether it blocks every request '
                                                  'with a revoked certificate to this hostname cannot be told from its expression, or '
                                                  'an enabled skip rule runs before it'))
        elif ruleset is None:
            verdicts.append(('not_blocked', [], 'the zone has no WAF custom rules'))
        else:
            verdicts.append(('not_blocked', [], 'no enabled rule with action block checks cf.tls_client_auth.cert_revoked for this hostname'))
    return verdicts
