# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    InputError, check_finite, list_of, normalize_pem, normalize_serial, pem_blocks, quote_segment, validate_fingerprint,
    validate_hostname, validate_id, validate_serial,
)


@pytest.mark.parametrize('value', ['', '../etc', 'a/b', '%2F', 'abc%2Fdef', '..', '.', 'a' * 65, 'a b', 'a?b', 'a#b', None, 42, '-abc'])
def test_ids_reject_path_tricks(value):
    with pytest.raises(InputError, match='^id must be a Cloudflare id'):
        validate_id(value, 'id')


@pytest.mark.parametrize('value', ['023e105f4ecef8ad9ca31a8372d0c353', '2458ce5a-0c35-4c7f-82c7-8e9487d3ff60'])
def test_ids_accept_cloudflare_ids(value):
    assert validate_id(value, 'id') == value


@pytest.mark.parametrize('value', ['a/b.example.com', 'example', '', '-bad.example.com', 'bad-.example.com', 'a..b.com',
                                   'x' * 64 + '.com', ('a' * 60 + '.') * 5 + 'com', 'ex ample.com', 'café.example', '%2F.example.com',
                                   'foo.*.example.com'])
def test_hostnames_are_checked(value):
    with pytest.raises(InputError, match='^hostnames must be a fully qualified hostname'):
        validate_hostname(value, 'hostnames')


@pytest.mark.parametrize('value,expected', [('App.Example.com.', 'app.example.com'), ('*.example.com', '*.example.com'),
                                            ('xn--caf-dma.example', 'xn--caf-dma.example')])
def test_hostnames_are_normalised(value, expected):
    assert validate_hostname(value, 'hostnames') == expected


def test_hostname_over_253_characters_is_refused():
    long_name = '.'.join(['a' * 63] * 4)  # 255 characters
    with pytest.raises(InputError, match='at most 253 characters'):
        validate_hostname(long_name, 'hostnames')


def test_serials_and_fingerprints():
    assert validate_serial('3B:B9:4F', 'serial_number') == '3B:B9:4F'
    assert normalize_serial('00:3B:b9') == normalize_serial('3bb9')
    with pytest.raises(InputError, match='serial_number'):
        validate_serial('zz/..', 'serial_number')
    fingerprint = 'AB' * 32
    assert validate_fingerprint(':'.join(['AB'] * 32), 'fingerprint_sha256') == fingerprint.lower()
    with pytest.raises(InputError, match='fingerprint_sha256'):
        validate_fingerprint('AB' * 31, 'fingerprint_sha256')


PEM = '-----BEGIN CERTIFICATE-----\nQUJD\nREVG\n-----END CERTIFICATE-----\n'


def test_pem_blocks_normalise_wrapping_and_line_endings():
    messy = '  \r\n-----BEGIN CERTIFICATE-----\r\nQUJDREVG\r\n-----END CERTIFICATE-----\r\n\r\n'
    assert pem_blocks(messy, 'certificate', ('CERTIFICATE',)) == pem_blocks(PEM, 'certificate', ('CERTIFICATE',))
    assert normalize_pem(messy) == normalize_pem(PEM)


def test_pem_blocks_refuse_text_that_is_not_pem():
    with pytest.raises(InputError, match="^certificate must be PEM text with a 'BEGIN CERTIFICATE' block"):
        pem_blocks('hello', 'certificate', ('CERTIFICATE',))
    with pytest.raises(InputError, match='empty'):
        pem_blocks('  ', 'certificate', ('CERTIFICATE',))


def test_pem_message_never_echoes_the_input():
    secret = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n'
    with pytest.raises(InputError) as caught:
        pem_blocks(secret, 'private_key', ('RSA PRIVATE KEY',))
    assert 'c2VjcmV0' not in str(caught.value)


def test_quote_segment_quotes_everything_unsafe():
    assert quote_segment('a/b?c#d%') == 'a%2Fb%3Fc%23d%25'


@pytest.mark.parametrize('value', ['::::', ':', '', '   ', ' : ', None, 5])
def test_a_serial_without_any_digit_is_refused(value):
    with pytest.raises(InputError, match='^serial_numbers must be a certificate serial number'):
        validate_serial(value, 'serial_numbers')


@pytest.mark.parametrize('value', ['0', '3b:b9:4f', ':3b', ' 3BB94FF144AE4CCD '])
def test_a_serial_with_digits_is_accepted(value):
    assert validate_serial(value, 'serial_numbers') == value.strip()


def test_a_list_check_checks_every_item_and_says_which_check():
    check = list_of(validate_serial)
    assert check.item_check is validate_serial
    assert check(['3b', '4C'], 'serial_numbers') == ['3b', '4C']
    with pytest.raises(InputError, match="^serial_numbers must be .* got '::::'"):
        check(['3b', '::::'], 'serial_numbers')


@pytest.mark.parametrize('value', [3600.5, 10 ** 12, float('inf')])
def test_a_number_above_its_maximum_is_refused(value):
    with pytest.raises(InputError, match='^api_timeout must be a finite number above 0.0, got .*; at most 3600$'):
        check_finite(value, 'api_timeout', 0.0, strictly_above=True, maximum=3600)


def test_a_number_at_its_maximum_is_accepted():
    assert check_finite(3600, 'api_timeout', 0.0, strictly_above=True, maximum=3600) == 3600
