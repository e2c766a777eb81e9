# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The shape of the objects in Cloudflare's answers: each one checked before any field is used.

A ``Shape`` names the fields a module reads of one kind of object and the JSON types each may
have; ``problem(item)`` says, in a few words, what is wrong with an item (None when nothing
is). An answer with a malformed object is a malformed answer, never an exception: a read is
retried within the budget like any odd answer (``checked_get``, ``checked_pages``), then fails
naming the field; for a write, ``answer_check`` makes the answer unusable, so ``_writes.py``
decides by a re-read whether the write was applied.
"""

from __future__ import annotations

import math

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError, format_api_failure

# The JSON types, by what a field may hold.
TEXT = 'a string'
NUMBER = 'an integer'
FLAG = 'true or false'
OBJECT = 'an object'


def kind_of(value):
    """The JSON type of ``value``, for a message."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, int):
        return 'an integer'
    if isinstance(value, float):
        return 'a number' if math.isfinite(value) else 'the number %r' % value
    if isinstance(value, str):
        return 'an empty string' if not value else 'a string'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, dict):
        return 'an object'
    return type(value).__name__


def _is(value, wanted):
    if wanted == TEXT:
        return isinstance(value, str)
    if wanted == NUMBER:
        return isinstance(value, int) and not isinstance(value, bool)
    if wanted == FLAG:
        return isinstance(value, bool)
    return isinstance(value, dict)


class Shape(object):
    """``what`` an object is; ``fields``: name -> the type it holds (null is allowed); ``required``: names that must be
    non-empty strings; ``one_of``: groups of names of which at least one must be a non-empty string."""

    def __init__(self, what, fields, required=(), one_of=()):
        self.what = what
        self.fields = fields
        self.required = required
        self.one_of = one_of

    def problem(self, item, where='result'):
        """What is malformed in ``item`` (``where`` names it in the answer); None when it has the shape."""
        if not isinstance(item, dict):
            return '%s is %s where %s object is due' % (where, kind_of(item), self.what)
        for name in self.required:
            if not isinstance(item.get(name), str) or not item[name].strip():
                return '%s.%s is %s where a non-empty string is due' % (where, name, kind_of(item.get(name)))
        for names in self.one_of:
            if not any(isinstance(item.get(name), str) and item[name].strip() for name in names):
                return '%s has no %s (a non-empty string)' % (where, ' or '.join(names))
        for name, wanted in self.fields.items():
            value = item.get(name)
            if value is not None and not _is(value, wanted):
                return '%s.%s is %s where %s is due' % (where, name, kind_of(value), wanted)
        return None

    def list_problem(self, items, where='result'):
        """The first malformed item of a list, named by its index."""
        if not isinstance(items, list):
            return '%s is %s where a list is due' % (where, kind_of(items))
        for index, item in enumerate(items):
            problem = self.problem(item, '%s[%d]' % (where, index))
            if problem:
                return problem
        return None


def malformed_error(method, path, problem, status=None, attempts=None, waited=None):
    """The CloudflareError of an answer whose ``problem`` is what ``Shape.problem`` found."""
    reason = 'the answer is malformed: %s' % problem
    return CloudflareError(format_api_failure(method, path, status, [], detail=reason, attempts=attempts, waited=waited),
                           method=method, path=path, status=status, attempts=attempts,
                           waited=None if waited is None else round(waited, 1), reason=reason, retryable=True)


def answer_check(shape, method, path, wanted=None, many=False):
    """A ``Write.answer_ok``: the result has ``shape`` (a list of them with ``many``) and ``wanted(result)`` holds.

    A result of another type (null, a list for an object) returns False, which ``Writer`` reports
    as such; an object (an item) with a malformed field raises the CloudflareError that names
    the field. Either way ``Writer`` takes it as an odd answer and re-reads.
    """
    def check(result):
        if not isinstance(result, list if many else dict):
            return False
        problem = shape.list_problem(result) if many else shape.problem(result)
        if problem:
            raise malformed_error(method, path, problem, status=200)
        return wanted is None or bool(wanted(result))
    return check


def checked_get(client, path, shape, **kwargs):
    """``client.get(path, **kwargs)`` whose result must have ``shape``; a malformed one is read again within the budget.

    Returns the Envelope (or None, for an absent object with ``absent_ok``).
    """
    attempts = 0
    while True:
        attempts += 1
        envelope = client.get(path, **kwargs)
        if envelope is None:
            return None
        problem = shape.list_problem(envelope.result) if kwargs.get('expect') == 'list' else shape.problem(envelope.result)
        if problem is None:
            return envelope
        _retry_or_raise(client, path, problem, envelope.status, attempts)


def checked_pages(client, path, shape, pages, key=None):
    """The pages of ``pages()`` (a fresh ``client.pages`` listing each call), every item of ``shape``.

    ``key(item)`` tells items apart (by default ``item['id']``, which ``shape`` must then require).
    A page with a malformed item is never yielded: the listing is read again from its start
    within the budget (items yielded already are not yielded twice), then fails naming the field.
    """
    key = key or (lambda item: item['id'])
    attempts = 0
    done = set()
    while True:
        attempts += 1
        problem = None
        for items in pages():
            problem = next((shape.problem(item, 'an item of result') for item in items if shape.problem(item)), None)
            if problem:
                break
            fresh = [item for item in items if key(item) not in done]
            done.update(key(item) for item in fresh)
            if fresh:
                yield fresh
        if problem is None:
            return
        _retry_or_raise(client, path, problem, 200, attempts)


def _retry_or_raise(client, path, problem, status, attempts):
    reason = 'the answer is malformed: %s' % problem
    if not client.backoff('GET', path, attempts, reason, None):
        raise malformed_error('GET', path, problem, status=status, attempts=attempts, waited=client.waited)
