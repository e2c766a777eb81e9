# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Steps several tests/live files take: a run that must succeed, a hostname certificate uploaded and deployed."""

from __future__ import annotations


def succeeded(result):
    """The outcome of ``run_module(...)``, which must have succeeded."""
    code, outcome = result
    assert code == 0, outcome.get("msg")
    return outcome


def upload_hostname_certificate(local_api, run_module, common_name):
    """(id, material) of a hostname certificate for ``common_name``, uploaded and waited for."""
    material = local_api.material("hostname_certificate", common_name)
    outcome = succeeded(run_module("hostname_certificate", dict(certificate=material["certificate"],
                                                                private_key=material["private_key"], wait=True)))
    return outcome["hostname_certificate"]["id"], material
