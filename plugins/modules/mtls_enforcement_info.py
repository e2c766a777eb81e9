#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: mtls_enforcement_info
short_description: Tell, per mTLS hostname, whether Cloudflare would block a revoked client certificate
version_added: 0.2.0
description:
  - Revoking a client certificate does not by itself stop Cloudflare from accepting it. Cloudflare keeps
    C(cf.tls_client_auth.cert_verified) true for a revoked certificate; only a WAF custom rule with action C(block) that checks
    C(cf.tls_client_auth.cert_revoked) stops such requests.
  - Reads the zone's WAF custom rules (the entry point ruleset of phase C(http_request_firewall_custom)) and the hostnames with
    API Shield mTLS (C(certificate_authorities/hostname_associations)), and says for each hostname whether a request with a
    revoked certificate would be blocked.
  - A rule counts when it is enabled, its action is C(block), and its expression checks C(cf.tls_client_auth.cert_revoked).
    A rule without a host condition applies to every hostname; one with C(http.host eq "...") or C(http.host in {...}) only
    to those. Where the expression cannot be followed (another condition narrows it, a negation, a function), or an enabled
    C(skip) rule runs before it, the hostname is V(unknown), never V(blocked).
  - Two requests; changes nothing. M(mtls.cloudflare.mtls_enforcement_rule) adds the rule.
author:
  - mtls.cloudflare developers (@mtls-cloudflare)
extends_documentation_fragment:
  - mtls.cloudflare.api
  - mtls.cloudflare.api.ACTIONGROUP
  - mtls.cloudflare.api.INFO_MODULE
options:
  hostnames:
    description:
      - Check these hostnames instead of the zone's API Shield mTLS hostnames (which are then not read).
      - Case and a trailing dot do not matter.
    type: list
    elements: str
  warn_not_blocked:
    description:
      - Emit an Ansible warning naming the hostnames where a revoked certificate would still be accepted (for example after
        a revocation, as the role C(mtls.cloudflare.client_certificate_revocation) does).
    type: bool
    default: false
notes:
  - The token needs C(Zone WAF Read) for the rules and C(SSL and Certificates Read) for the mTLS hostnames.
  - Only the zone's own custom rules are read. Rules an account-level ruleset runs on the zone (Enterprise) are not, so a
    hostname those protect still reads as V(not_blocked).
  - C(cf.tls_client_auth.cert_revoked) covers certificates of the Cloudflare managed CA, the ones this collection issues.
  - A wildcard mTLS hostname (C(*.example.com)) counts as blocked only by a rule without a host condition, since
    C(http.host) compares whole host names.
seealso:
  - module: mtls.cloudflare.mtls_enforcement_rule
  - module: mtls.cloudflare.client_certificate
  - name: Enforce mTLS authentication
    description: Cloudflare's documentation of the rule that checks client certificates.
    link: https://developers.cloudflare.com/api-shield/security/mtls/configure/
'''

EXAMPLES = r'''
- name: Would revoked client certificates be blocked?
  mtls.cloudflare.mtls_enforcement_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
  delegate_to: localhost
  register: enforcement

- name: Say which hostnames still accept a revoked certificate
  ansible.builtin.assert:
    that: enforcement.all_blocked
    fail_msg: "Revoked certificates are still accepted on {{ enforcement.hostnames_not_blocked | join(', ') }}"

- name: Check given hostnames instead of the zone's mTLS hostnames
  mtls.cloudflare.mtls_enforcement_info:
    zone: example.com
    api_token: "{{ cloudflare_api_token }}"
    hostnames: [api.example.com]
  delegate_to: localhost
  register: api_enforcement
'''

RETURN = r'''
all_blocked:
  description:
    - V(true) when a request with a revoked client certificate would be blocked on every checked hostname (also when there
      is no hostname to check).
  returned: success
  type: bool
  sample: false
hostnames_not_blocked:
  description: The checked hostnames whose RV(hostnames[].status) is not V(blocked) (V(not_blocked) or V(unknown)), in order.
  returned: success
  type: list
  elements: str
  sample: [api.example.com]
mtls_hostnames:
  description: The zone's API Shield mTLS hostnames, lowercase, as Cloudflare lists them.
  returned: when O(hostnames) is not given
  type: list
  elements: str
  sample: [api.example.com, app.example.com]
hostnames:
  description: One entry per checked hostname, in order.
  returned: success
  type: list
  elements: dict
  contains:
    hostname:
      description: The hostname, lowercase.
      type: str
      sample: api.example.com
    status:
      description:
        - V(blocked) when an enabled rule with action C(block) blocks every request with a revoked certificate to it.
        - V(not_blocked) when no rule does.
        - V(unknown) when a rule checks C(cf.tls_client_auth.cert_revoked) but whether it blocks such requests to this
          hostname cannot be told from its expression, or an enabled C(skip) rule runs before it. Treat it as not blocked
          until you have checked the rule.
      type: str
      sample: not_blocked
    rules:
      description: The ids of the rules behind RV(hostnames[].status) (empty for V(not_blocked)).
      type: list
      elements: str
      sample: [3a03d665bac047339bb530ecb439a90d]
    reason:
      description: Why, in words.
      type: str
      sample: no enabled rule with action block checks cf.tls_client_auth.cert_revoked for this hostname
ruleset:
  description:
    - The zone's C(http_request_firewall_custom) entry point ruleset (C(id), C(version), C(last_updated)), or V(null) when
      the zone has none (it has no custom rule).
  returned: success
  type: dict
  sample:
    id: 2f2feab2026849078ba485f918791bdc
    version: "3"
    last_updated: "2026-12-01T10:00:00Z"
rules:
  description: Every rule of that ruleset, in order, and what it does to a revoked certificate.
  returned: success
  type: list
  elements: dict
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
      sample: (not cf.tls_client_auth.cert_verified or cf.tls_client_auth.cert_revoked)
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
    revoked_certificates:
      description:
        - V(blocked_everywhere) (enabled, action C(block), no host condition), V(blocked_on_hosts) (only on
          RV(rules[].blocked_hosts)), V(unknown) (its expression cannot be followed), or V(not_blocked) (disabled, another
          action, or it does not check C(cf.tls_client_auth.cert_revoked)).
      type: str
      sample: blocked_everywhere
    blocked_hosts:
      description: With V(blocked_on_hosts) or V(unknown), the hosts the rule surely blocks revoked certificates on; otherwise V(null).
      type: list
      elements: str
      sample: null
'''

from ansible_collections.mtls.cloudflare.plugins.module_utils._module import CloudflareInfoTask, run
from ansible_collections.mtls.cloudflare.plugins.module_utils._mtls_hostnames import read_mtls_hostnames
from ansible_collections.mtls.cloudflare.plugins.module_utils._rulesets import hostname_verdicts, read_entrypoint, rule_verdict
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import validate_hostnames

RULE_STATES = {'all': 'blocked_everywhere', 'hosts': 'blocked_on_hosts', 'unknown': 'unknown', 'none': 'not_blocked'}


class MtlsEnforcementInfo(CloudflareInfoTask):
    argument_spec = dict(
        hostnames=dict(type='list', elements='str'),
        warn_not_blocked=dict(type='bool', default=False),
    )
    selectors = ('hostnames',)
    option_checks = dict(hostnames=validate_hostnames)

    def read(self, given):
        result = {}
        if self.params['hostnames'] is not None:
            hostnames = self.params['hostnames']
        else:
            hostnames = result['mtls_hostnames'] = read_mtls_hostnames(self.client, self.zone)
        ruleset = read_entrypoint(self.client, self.zone)
        result['ruleset'] = None if ruleset is None else dict((key, ruleset[key]) for key in ('id', 'version', 'last_updated'))
        result['rules'] = [_rule_view(rule) for rule in (ruleset or {}).get('rules', [])]
        entries = []
        for hostname, (status, rules, reason) in zip(hostnames, hostname_verdicts(ruleset, hostnames)):
            entries.append(dict(hostname=hostname, status=status, rules=rules, reason=reason))
        result['hostnames'] = entries
        result['hostnames_not_blocked'] = [entry['hostname'] for entry in entries if entry['status'] != 'blocked']
        result['all_blocked'] = not result['hostnames_not_blocked']
        if self.params['warn_not_blocked'] and result['hostnames_not_blocked']:
            self.module.warn('a revoked client certificate is still accepted on %s: Cloudflare keeps cf.tls_client_auth.cert_verified '
                             'true for it, and no enabled WAF custom rule that checks cf.tls_client_auth.cert_revoked blocks it there. '
                             'Add one with mtls.cloudflare.mtls_enforcement_rule' % ', '.join(result['hostnames_not_blocked']))
        self.latest = result
        return result

    def returns(self, state, outcome):
        return state or {}


def _rule_view(rule):
    kind, hosts = rule_verdict(rule)
    view = dict(rule, revoked_certificates=RULE_STATES[kind], blocked_hosts=None)
    if hosts is not None:
        view['blocked_hosts'] = sorted(hosts)
    return view


def main():
    run(MtlsEnforcementInfo)


if __name__ == '__main__':
    main()
