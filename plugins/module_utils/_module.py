# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The run contract every module of the collection fills.

A module is a ``CloudflareTask``: its options, their rules, and its hooks. ``run()`` does
the rest, always in this order:

1. declarative option checks (numbers, ids, selectors, zone), then the task's own
   ``given = check_input()``: all before any request;
2. ``current = read(given)``: what Cloudflare holds now;
3. ``plan = plan(current)``: ONE plan, which carries the writes themselves (``_writes.Write``) and
   the check-mode prediction (``Plan.after``);
4. check mode: the plan's prediction; otherwise ``apply(plan)`` sends the plan's writes, each
   through ``write()`` and so through the run's ``Writer`` (``_writes.py``), which records each
   write this run applied;
5. ``close(current)``: what the hooks opened is released, whatever happened;
6. one exit: ``outcome_of()`` decides, in this one place, what the run changed: in check mode
   the plan's writes, otherwise the writes this run applied (a write refused with 429 whose
   re-read shows the change made by someone else is not one). ``changed``, the per-item
   ``changed`` (the ``items`` of each write) and the diff all come from that ``Outcome``:
   ``returns(state, outcome)`` of what was seen last, ``diff(outcome, state)``, and
   ``api_error`` only when a request failed. ``fail_json`` is called outside any ``except``
   block, so no traceback is attached to an API, network or input error.

Hooks get and return what they need; they hand nothing to each other through attributes.
``check_input()`` returns what it parsed from the options (None by default), which ``read()``
gets; ``read()`` returns everything ``plan()`` needs (the input parsed too); ``plan()`` puts in
``Plan.details`` what ``apply()``, ``returns()`` and ``diff()`` need. ``returns()`` and ``diff()``
reach the plan as ``outcome.plan``, what ``read()`` returned as ``outcome.current`` (there even
when ``plan()`` failed) and the run's failure as ``outcome.failure``: what a failing hook knew
that the return values show travels on its error (``SelectionError.candidates``, for example).
A resource a hook opens (worker sessions) is returned by it, and released by the hook itself
when it fails, else by ``close(current)``.

A task keeps four attributes past ``__init__``, the contract's and not hook-to-hook state:
``client``, ``writer`` and ``zone`` are the run's set-up, made by ``run()`` once the input is
checked and used by every hook that sends a request; ``latest`` is the last state seen, which
the hooks update as they read and write (a wait polls it) and which ``run()`` returns when the
run fails, wherever it failed: a failure ends the hook, so no hook could return it.
"""

from __future__ import annotations

import copy
import os
import math

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.mtls.cloudflare.plugins.module_utils._api import DEFAULT_BASE_URL, CloudflareClient, url_password, without_credentials
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._pool import RateBudget, budget_key
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    MAX_API_MAX_WAIT, MAX_API_RETRIES, MAX_API_TIMEOUT, MAX_WAIT_TIMEOUT, InputError, check_finite, shorten,
    validate_fingerprint, validate_id, validate_serial,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._writes import Writer
from ansible_collections.mtls.cloudflare.plugins.module_utils._zones import check_zone_name, zone_id_of


def cloudflare_argument_spec():
    """The options every module shares; keep in sync with plugins/doc_fragments/api.py (a unit test checks)."""
    return dict(
        api_token=dict(type='str', no_log=True),
        api_email=dict(type='str'),
        api_key=dict(type='str', no_log=True),
        api_base_url=dict(type='str', default=DEFAULT_BASE_URL, fallback=(env_fallback, ['CLOUDFLARE_API_BASE_URL'])),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        api_timeout=dict(type='float', default=30.0),
        api_retries=dict(type='int', default=5),
        api_max_wait=dict(type='float', default=360.0),
        zone_id=dict(type='str'),
        zone=dict(type='str'),
    )


SHARED_RULES = dict(
    mutually_exclusive=[['api_token', 'api_email'], ['api_token', 'api_key'], ['zone_id', 'zone']],
    required_together=[['api_email', 'api_key']],
)


class Plan(object):
    """What a run does: the writes it will send (``_writes.Write``, in order), and the state before and after.

    ``after`` is the prediction check mode returns; ``details`` carries what else ``apply()``
    and ``returns()`` need (what was read with the state, for example).
    """

    def __init__(self, before=None, after=None, writes=(), **details):
        self.before = before
        self.after = after
        self.writes = list(writes)
        self.details = details

    @property
    def changes(self):
        return bool(self.writes)

    @property
    def items(self):
        """The keys of the per-item results the writes would change."""
        return frozenset(key for write in self.writes for key in write.items)


class Outcome(object):
    """What the run changed (``outcome_of``): ``changed``, and ``items``, the keys of the per-item results changed.

    ``plan`` is the run's plan (None when the run failed before it had one), ``current`` what
    ``read()`` returned (None when the run failed before), ``failure`` the run's CloudflareError (or None).
    """

    def __init__(self, plan, changed=False, items=frozenset(), current=None, failure=None):
        self.plan = plan
        self.changed = changed
        self.items = frozenset(items)
        self.current = current
        self.failure = failure


def outcome_of(module, task, current, plan, failure):
    """The one decision of what a run changed: check mode predicts the plan's writes; a real run counts those it applied."""
    seen = dict(current=current, failure=failure)
    if module.check_mode:
        if plan is None or failure is not None:
            return Outcome(plan, **seen)
        return Outcome(plan, plan.changes, plan.items, **seen)
    applied = task.writer.applied() if task.writer is not None else []
    return Outcome(plan, bool(applied), [key for write in applied for key in write.items], **seen)


class CloudflareTask(object):
    """One module run. Subclasses set the class attributes and fill the hooks.

    ``selectors``: options that choose what the task acts on; given, they must have a value
    (a template that rendered to null must not select everything). ``option_checks``: option
    name -> a check from ``_validation`` (``check(value, option)`` returns the value to use,
    for example hostnames lower-cased and de-duplicated, or raises an InputError naming the
    option); options checked with ``validate_id`` also refuse an id that YAML read as a
    number. ``non_negative``: number options that must be 0 or more, and at most what
    ``maxima`` says for them. ``latest`` is the last state seen, returned also when the run fails;
    ``client``, ``writer`` and ``zone`` are the run's set-up (see the module's docstring for why these stay attributes).
    """

    argument_spec = {}
    rules = {}
    selectors = ()
    option_checks = {}
    non_negative = ()
    maxima = dict(wait_timeout=MAX_WAIT_TIMEOUT)

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = None
        self.writer = None
        self.zone = None
        self.latest = None

    def check_input(self):
        """Refuse what a request is not needed to refuse; return what was parsed, for ``read()`` (None: nothing)."""
        return None

    def read(self, given):
        """What Cloudflare holds now, and whatever else ``plan()`` needs (``given``: what ``check_input()`` returned); also sets ``latest``."""
        return None

    def plan(self, current):
        raise NotImplementedError

    def apply(self, plan):
        """Send the plan's writes through ``write()``; return the state after them."""
        return plan.after

    def returns(self, state, outcome):
        """The module's return values for ``state`` (the real or the predicted one); per-item ``changed`` from ``outcome.items``."""
        return {}

    def diff(self, outcome, state):
        """diff.before and diff.after, each through ``diff_view``; None for no diff.

        The plan's before and ``state`` when the run changed something; else ``state`` on both
        sides: what someone else changed meanwhile is no change of this task.
        """
        before = outcome.plan.before if outcome.changed else state
        return dict(before=self.diff_view(before), after=self.diff_view(state))

    def diff_view(self, state):
        return state

    def write(self, write, client=None):
        """Send ``write`` (with ``client``, a worker's, or the run's): the one way a task sends one."""
        return self.writer.send(write, client)

    def close(self, current):
        """Release what ``read()`` opened and returned in ``current`` (None when it failed: then it released it itself).

        The contract calls it once ``read()``, ``plan()`` and ``apply()`` are done, whatever happened.
        """


class CloudflareInfoTask(CloudflareTask):
    """A module that only reads: the plan is what was read, with no writes and no diff."""

    def plan(self, current):
        return Plan(current, current)

    def diff(self, outcome, state):
        return None


class CloudflareModule(AnsibleModule):
    """AnsibleModule with the shared options and rules, which remembers the options as the task gave them."""

    def __init__(self, task_class):
        spec = cloudflare_argument_spec()
        spec.update(copy.deepcopy(task_class.argument_spec))
        rules = dict((name, list(value)) for name, value in SHARED_RULES.items())
        for name, value in task_class.rules.items():
            rules[name] = rules.get(name, []) + list(value)
        self.given = {}
        self._task_class = task_class
        super(CloudflareModule, self).__init__(argument_spec=spec, supports_check_mode=True, **rules)

    def _load_params(self):
        super(CloudflareModule, self)._load_params()
        # Before validation fills in defaults: an option set to null is still "given" here.
        self.given = dict((name, value) for name, value in self.params.items() if not name.startswith('_ansible_'))
        for name in self._task_class.selectors:
            spec = self.argument_spec.get(name, {})
            if spec.get('type') == 'list' and name in self.params and _empty(self.params[name]):
                # AnsibleModule would refuse a list given as null, or holding a null, with a type error
                # (older cores); let check_shared_input say it is an empty selector instead.
                self.params[name] = []
            elif spec.get('type') == 'str' and spec.get('default') is not None and name in self.params and self.params[name] is None:
                # A selector with a default given as null: ansible-core 2.16 refuses it with a type error
                # before check_shared_input can say it is an empty selector.
                self.params[name] = ''
        url = self.params.get('api_base_url')
        if url is None:
            # Filled in from the environment only during validation: look at it now, so that a URL with
            # a password set there is hidden from the very first message too.
            url = os.environ.get('CLOUDFLARE_API_BASE_URL')
        if url_password(url):
            # Refused later (credentials belong in api_token); never echoed meanwhile, not even in invocation.
            # The whole URL is masked, not the password alone: a short password ("x") masked on its own
            # would garble every word of every message that holds its letters.
            self.no_log_values.add(url)
            self.params['api_base_url'] = without_credentials(url)


def check_shared_input(module, task):
    params = module.params
    check_finite(params['api_timeout'], 'api_timeout', 0.0, strictly_above=True, maximum=MAX_API_TIMEOUT)
    check_finite(params['api_max_wait'], 'api_max_wait', maximum=MAX_API_MAX_WAIT)
    if params['api_retries'] < 0:
        raise InputError('api_retries must be 0 or more, got %d' % params['api_retries'])
    if params['api_retries'] > MAX_API_RETRIES:
        raise InputError('api_retries must be at most %d, got %d' % (MAX_API_RETRIES, params['api_retries']))
    for option in task.non_negative:
        if params.get(option) is not None:
            check_finite(params[option], option, maximum=task.maxima.get(option))
    for option in ['zone_id'] + [name for name, check in task.option_checks.items() if _is_identifier(check)]:
        if option in module.given:
            _check_identifier_type(module.given[option], option, option in task.selectors)
    for option in task.selectors:
        if option in module.given and _empty(module.given[option]):
            text = ('%s was given with an empty value (%s): a selector must name what the task acts on, and an empty one never '
                    'means "all". If it comes from a template, check the variable' % (option, shorten(module.given[option])))
            if module.check_mode:
                text += ('; in check mode, a certificate that would be issued or uploaded has no id or serial number yet, so a '
                         'later task cannot select it by them')
            raise InputError(text)
    for option, check in task.option_checks.items():
        if params.get(option) is not None:
            params[option] = check(params[option], option)
    if not params.get('zone_id') and not params.get('zone'):
        raise InputError('one of the following is required: zone_id, zone (give them once for all tasks with '
                         'module_defaults and group/mtls.cloudflare.all)')
    if params.get('zone_id') is not None:
        validate_id(params['zone_id'], 'zone_id')
    else:
        check_zone_name(params['zone'])


def _is_identifier(check):
    """Whether an option checked with ``check`` holds ids, serial numbers or fingerprints (or a list of them)."""
    check = getattr(check, 'item_check', check)
    return check in (validate_id, validate_serial, validate_fingerprint)


def _type_error(raw, option):
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return ('%s was given as the number %s: YAML reads an unquoted id of digits as a number, which can change it (leading '
                'zeros, exponents); quote the id' % (option, shorten(raw)))
    return '%s was given as %s, not a string; quote the value' % (option, shorten(raw))


def _check_identifier_type(raw, option, selector):
    """Refuse an id, serial or fingerprint (or an item of a list of them) that is not a string as given.

    AnsibleModule would turn ``5`` into ``'5'`` and ``true`` into ``'True'``, and a request would
    be sent for them. A null or empty value of a selector is left to the selector check, which says so.
    """
    if isinstance(raw, (list, tuple)):
        for position, item in enumerate(raw, 1):
            if item is None and selector:
                continue
            if not isinstance(item, str):
                raise InputError(_type_error(item, 'item %d of %s' % (position, option)))
    elif raw is not None and not isinstance(raw, str):
        raise InputError(_type_error(raw, option))


def _empty(value):
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return not value or any(_empty(item) for item in value)
    return isinstance(value, float) and math.isnan(value)


def run(task_class):
    """Run ``task_class`` as a module: the whole contract, one exit."""
    module = CloudflareModule(task_class)
    task = task_class(module)
    current = plan = after = failure = None
    try:
        check_shared_input(module, task)
        given = task.check_input()
        task.client = CloudflareClient(module)
        # Every request asks the rate budget the processes of this controller (Ansible's forks) share for this credential.
        task.client.budget = RateBudget(module.warn, budget_key(task.client))
        task.writer = Writer(task.client, module.warn)
        task.zone = zone_id_of(task.client, module.params)
        current = task.read(given)
        plan = task.plan(current)
        after = plan.after if module.check_mode else task.apply(plan)
    except CloudflareError as error:
        failure = error
    finally:
        task.close(current)
    _finish(module, task, current, plan, after, failure)


def _finish(module, task, current, plan, after, failure):
    outcome = outcome_of(module, task, current, plan, failure)
    state = after if failure is None else task.latest
    result = dict(changed=outcome.changed)
    result.update(task.returns(state, outcome))
    diff = task.diff(outcome, state) if module._diff and plan is not None else None
    if diff is not None:
        result['diff'] = diff
    if failure is None:
        module.exit_json(**result)
    if failure.method is not None:
        result['api_error'] = failure.as_dict()
    # A failure is printed whole on the "fatal:" line, at any verbosity: not with pages of PEM.
    module.fail_json(msg=failure.message, **_without_pem(result))


PEM_FIELDS = ('certificate', 'csr')


def _without_pem(value):
    """``value`` with the PEM text of every ``certificate`` and ``csr`` field left out, at any depth."""
    if isinstance(value, dict):
        return dict((key, _without_pem(item)) for key, item in value.items()
                    if not (key in PEM_FIELDS and isinstance(item, str) and item.lstrip().startswith('-----BEGIN')))
    if isinstance(value, list):
        return [_without_pem(item) for item in value]
    return value
