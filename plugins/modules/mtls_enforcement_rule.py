#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: mtls_enforcement_rule
short_description: Ensure the WAF custom rule that blocks revoked and unverified client certificates
version_added: 0.2.0
description:
  - Cloudflare keeps C(cf.tls_client_auth.cert_verified) true for a revoked client certificate, so revoking a certificate does
    not stop it from being accepted. This module ensures one WAF custom rule with action C(block) and the expression
    C((not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)), scoped to the mTLS hostnames.
  - The rule is the one in the zone's C(http_request_firewall_custom) entry point ruleset whose description is
    O(description). The module adds it (at the end of the ruleset), changes it, or deletes it, one rule at a time; it never
    sends, moves or changes any other rule. A zone without custom rules gets the entry point ruleset, holding this rule.
  - The rule blocks every request to its hostnames that has no valid client certificate, so scope it to the hostnames that
    require one.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
attributes:
  check_mode:
    description: Reads the rules (and the mTLS hostnames when needed), then reports the rule it would add, change or delete.
    support: full
  diff_mode:
    description: Shows the rule's description, expression, action and C(enabled) before and after.
    support: full
options:
  description:
    description:
      - The description that identifies the rule; the module owns the rule with this description.
      - When several rules have it, the module fails before any change.
    type: str
    default: "mtls.cloudflare: block revoked and unverified client certificates"
  hostnames:
    description:
      - The hostnames the rule applies to (C(http.host in {...})). Case, order and a trailing dot do not matter.
      - Without it (and without O(all_hostnames)), the zone's API Shield mTLS hostnames as Cloudflare lists them; the module
        fails when there are none.
      - Wildcards are refused (C(http.host) compares whole host names).
    type: list
    elements: str
  all_hostnames:
    description:
      - Apply the rule to every hostname of the zone (no host condition). Every request without a valid client certificate
        to any hostname of the zone is then blocked.
    type: bool
    default: false
  state:
    description:
      - V(present) adds the rule or brings it to the wanted expression, action C(block) and enabled.
      - V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The token needs C(Zone WAF Write) (and C(SSL and Certificates Read) when O(hostnames) is left out).
  - C(cf.tls_client_auth.cert_revoked) covers certificates of the Cloudflare managed CA, the ones this collection issues.
  - Creating the missing entry point ruleset is a C(PUT) of the ruleset with this one rule. Should its answer be lost, a new
    read decides, and it is not sent again, since by then the ruleset may hold rules of others.
seealso:
  - module: mtls.cloudflare.mtls_enforcement_info
  - name: Enforce mTLS authentication
    description: Cloudflare's documentation of the rule that checks client certificates.
    link: https://developers.cloudflare.com/api-shield/security/mtls/configure/
'''

EXAMPLES = r'''
- name: Block revoked and unverified client certificates on the zone's mTLS hostnames
  mtls.cloudflare.mtls_enforcement_rule:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
  delegate_to: localhost

- name: The same, for two hostnames, previewed first
  mtls.cloudflare.mtls_enforcement_rule:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: [api.example.com, devices.example.com]
  check_mode: true
  diff: true
  delegate_to: localhost
  register: preview

- name: Show the expression it would set
  ansible.builtin.debug:
    var: preview.expression

- name: Remove the rule
  mtls.cloudflare.mtls_enforcement_rule:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
rule:
  description:
    - The rule after the run (in check mode, as predicted, without an C(id) for a rule it would add), or V(null) when there is none.
  returned: always
  type: dict
  contains:
    id:
      description: The rule's id.
      type: str
      sample: 3a03d665bac047339bb530ecb439a90d
    ref:
      description: The rule's reference.
      type: str
      sample: 3a03d665bac047339bb530ecb439a90d
    description:
      description: The rule's description.
      type: str
      sample: "mtls.cloudflare: block revoked and unverified client certificates"
    expression:
      description: The rule's expression.
      type: str
      sample: (http.host in {"api.example.com"}) and (not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)
    action:
      description: The rule's action.
      type: str
      sample: block
    enabled:
      description: Whether the rule is enabled.
      type: bool
      sample: true
    version:
      description: The rule's version.
      type: str
      sample: "1"
    last_updated:
      description: When the rule last changed.
      type: str
      sample: "2026-12-01T10:00:00Z"
ruleset_id:
  description: The id of the zone's C(http_request_firewall_custom) entry point ruleset, or V(null) when there is none (yet).
  returned: always
  type: str
  sample: 2f2feab2026849078ba485f918791bdc
expression:
  description: The expression the rule has with O(state=present).
  returned: when O(state=present) and the input was read
  type: str
  sample: (http.host in {"api.example.com"}) and (not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)
hostnames:
  description: The hostnames the rule applies to, sorted; V(null) with O(all_hostnames=true).
  returned: when O(state=present) and the input was read
  type: list
  elements: str
  sample: [api.example.com]
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareTask, Plan, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._mtls_hostnames import read_mtls_hostnames
from ansible_collections.mtls.cloudflare.plugins.module_utils._rulesets import (
    RULE_DIFF_FIELDS, add_rule_write, create_entrypoint_write, delete_rule_write, enforcement_expression, read_entrypoint, rule_is,
    rules_described, shape_ruleset, update_rule_write, with_waf_hint,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError, shorten, validate_hostnames
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError

DEFAULT_DESCRIPTION = 'mtls.cloudflare: block revoked and unverified client certificates'
MAX_DESCRIPTION = 500


class MtlsEnforcementRule(CloudflareTask):
    argument_spec = dict(
        description=dict(type='str', default=DEFAULT_DESCRIPTION),
        hostnames=dict(type='list', elements='str'),
        all_hostnames=dict(type='bool', default=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    selectors = ('description', 'hostnames')
    option_checks = dict(hostnames=validate_hostnames)

    def check_input(self):
        params = self.params
        params['description'] = params['description'].strip()
        if len(params['description']) > MAX_DESCRIPTION:
            raise InputError('description must be at most %d characters, got %d' % (MAX_DESCRIPTION, len(params['description'])))
        if params['all_hostnames'] and params['hostnames'] is not None:
            raise InputError('hostnames and all_hostnames are mutually exclusive')
        _refuse_wildcards(params['hostnames'] or [], 'hostnames')

    def read(self, given):
        """``ruleset``: the zone's entry point ruleset (None: it has none); with state=present, ``scope``: the hostnames the rule
        covers (None: all), and ``wanted``: the rule the task wants (None with state=absent).

        The task's state (``latest``, what ``apply()`` returns) is the ruleset seen and the rule of it found (``rule``)."""
        params = self.params
        ruleset = read_entrypoint(self.client, self.zone)
        # Returned also when a later step fails: the ruleset, and no rule found in it yet.
        self.latest = dict(ruleset=ruleset, rule=None)
        scope = wanted = None
        if params['state'] == 'present':
            if params['hostnames'] is not None:
                scope = sorted(params['hostnames'])
            elif not params['all_hostnames']:
                listed = read_mtls_hostnames(self.client, self.zone)
                if not listed:
                    raise InputError('the zone has no API Shield mTLS hostnames, so the rule would have no hostname to apply to: give '
                                     'hostnames, or all_hostnames: true to block requests without a valid client certificate on every '
                                     'hostname of the zone')
                _refuse_wildcards(listed, 'the zone\'s API Shield mTLS hostnames (Cloudflare lists %s)' % ', '.join(listed))
                scope = sorted(listed)
            wanted = dict(description=params['description'], expression=enforcement_expression(scope), action='block', enabled=True)
        return dict(ruleset=ruleset, scope=scope, wanted=wanted)

    def _found(self, ruleset):
        found = rules_described(ruleset, self.params['description'])
        if len(found) > 1:
            raise CloudflareError('%d rules of the %s entry point ruleset have the description %s (ids %s): the module cannot tell '
                                  'which one it owns; delete or rename all but one' % (len(found), 'http_request_firewall_custom',
                                                                                       shorten(self.params['description']),
                                                                                       ', '.join(str(rule.get('id')) for rule in found)))
        return found[0] if found else None

    def plan(self, current):
        ruleset, wanted = current['ruleset'], current['wanted']
        rule = self._found(ruleset)
        self.latest = before = dict(ruleset=ruleset, rule=rule)
        if self.params['state'] == 'absent':
            writes = [delete_rule_write(self.client, self.zone, ruleset['id'], rule['id'], self.params['description'])] if rule is not None else []
            return Plan(before, dict(before, rule=None), writes)
        if ruleset is None:
            writes = [create_entrypoint_write(self.client, self.zone, wanted)]
        elif rule is None:
            writes = [add_rule_write(self.client, self.zone, ruleset['id'], wanted)]
        elif not rule_is(rule, wanted):
            writes = [update_rule_write(self.client, self.zone, ruleset['id'], rule['id'], wanted)]
        else:
            writes = []
        after = rule if not writes else dict(rule or dict.fromkeys(('id', 'ref', 'version', 'last_updated')), **wanted)
        return Plan(before, dict(before, rule=after), writes)

    def apply(self, plan):
        if not plan.writes:
            return plan.after
        try:
            answer = self.write(plan.writes[0])[0]
        except CloudflareError as error:
            raise with_waf_hint(error) from None
        # The answer is the ruleset after the write; after a lost answer, the ruleset read again (shaped already, or None).
        ruleset = shape_ruleset(answer) if answer is not None else None
        # The ruleset first: if its rules are ambiguous now, the run fails with it and the rule seen before.
        self.latest = dict(self.latest, ruleset=ruleset)
        self.latest = dict(self.latest, rule=self._found(ruleset))
        return self.latest

    def returns(self, state, outcome):
        # No state: the run failed before the ruleset was read.
        state = state or dict(ruleset=None, rule=None)
        result = dict(rule=state['rule'], ruleset_id=(state['ruleset'] or {}).get('id'))
        current = outcome.current
        if current is not None and current['wanted'] is not None:
            result.update(expression=current['wanted']['expression'], hostnames=current['scope'])
        return result

    def diff_view(self, state):
        rule = (state or {}).get('rule')
        if rule is None:
            return {'state': 'absent'}
        view = dict((field, rule.get(field)) for field in RULE_DIFF_FIELDS)
        view['state'] = 'present'
        return view


def _refuse_wildcards(hostnames, option):
    wildcards = [hostname for hostname in hostnames if hostname.startswith('*.')]
    if wildcards:
        raise InputError('%s: %s is a wildcard, which http.host never equals (it compares whole host names); list the hostnames, or use '
                         'all_hostnames: true' % (option, wildcards[0]))


def main():
    run(MtlsEnforcementRule)


if __name__ == '__main__':
    main()
