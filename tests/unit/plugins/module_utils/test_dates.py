# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Dates are parsed totally: Cloudflare's unreadable timestamps are unknown, an option's impossible date is an InputError."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._dates import check_moment, expires_within, parse_moment, parse_timestamp
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import InputError

UTC = datetime.timezone.utc
# Shaped like a timestamp, but no moment: each made strptime raise ("day is out of range for month", ...).
IMPOSSIBLE = [
    '2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-06-00T00:00:00Z',
    '2024-06-01T25:00:00Z', '2024-06-01T24:00:00Z', '2024-06-01T12:60:00Z', '2024-06-01T12:00:61Z', '0000-01-01T00:00:00Z',
    '2024-06-01T00:00:00+99:99', '2024-06-01T00:00:00+24:00', '2024-06-01T00:00:00-12:60', '2024-06-01T00:00:00+9999',
]
MALFORMED = ['', '   ', 'yesterday', '2024-06-01T00:00Z', '2024-6-1T00:00:00Z', '2024-06-01T00:00:00Z\n2024', '2024-06-01T00:00:00ZZ',
             '\u0661\u0669\u0667\u0660-01-01T00:00:00Z', None, 5, 1.5, True, [], {}, ['2024-06-01T00:00:00Z']]


@pytest.mark.parametrize('value', IMPOSSIBLE + MALFORMED)
def test_an_unreadable_cloudflare_timestamp_is_unknown_never_an_exception(value):
    assert parse_timestamp(value) is None


@pytest.mark.parametrize('value,expected', [
    ('2024-06-01T12:00:00Z', datetime.datetime(2024, 6, 1, 12, tzinfo=UTC)),
    ('2024-06-01T12:00:00.123456789Z', datetime.datetime(2024, 6, 1, 12, tzinfo=UTC)),
    ('2024-06-01 12:00:00', datetime.datetime(2024, 6, 1, 12, tzinfo=UTC)),
    ('2024-06-01T12:00:00+05:30', datetime.datetime(2024, 6, 1, 6, 30, tzinfo=UTC)),
    ('2024-06-01T12:00:00-0230', datetime.datetime(2024, 6, 1, 14, 30, tzinfo=UTC)),
    ('2024-02-29T23:59:59+23:59', datetime.datetime(2024, 2, 29, 0, 0, 59, tzinfo=UTC)),
    ('9999-12-31T23:59:59Z', datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ('0001-01-01T00:00:00Z', datetime.datetime(1, 1, 1, tzinfo=UTC)),
])
def test_cloudflare_timestamps_are_read(value, expected):
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize('value', [text.replace('T00:00:00Z', '') for text in IMPOSSIBLE[:5]] + IMPOSSIBLE + MALFORMED[:8])
def test_an_impossible_or_malformed_date_option_is_an_input_error_naming_it(value):
    with pytest.raises(InputError, match=r'^issued_before must be an ISO 8601 date .*, and a real one'):
        check_moment(value, 'issued_before')


@pytest.mark.parametrize('value,expected', [
    ('2024-06-01', datetime.datetime(2024, 6, 1, tzinfo=UTC)),
    (' 2024-02-29 ', datetime.datetime(2024, 2, 29, tzinfo=UTC)),
    ('9999-12-31', datetime.datetime(9999, 12, 31, tzinfo=UTC)),
    ('2024-06-01T12:00:00-23:59', datetime.datetime(2024, 6, 2, 11, 59, tzinfo=UTC)),
])
def test_a_real_date_option_is_accepted(value, expected):
    assert check_moment(value, 'issued_before') == value.strip()
    assert parse_moment(value) == expected


def test_extreme_offsets_still_compare():
    """A moment near the ends of the calendar, with an offset, compares without overflowing."""
    late, early = parse_timestamp('9999-12-31T23:59:59-23:59'), parse_timestamp('0001-01-01T00:00:00+23:59')
    now = datetime.datetime.now(UTC)
    assert early < now < late


@pytest.mark.parametrize('certificate', [{'expires_on': '2024-02-30T00:00:00Z'}, {'expires_on': 5}, {}, None, 'expires_on', []])
def test_an_unreadable_expiry_is_not_within_any_days(certificate):
    assert expires_within(certificate, 36500) is False
