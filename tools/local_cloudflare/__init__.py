# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A local Cloudflare API for development and tests (not shipped in the collection).

It speaks ``/client/v4`` for the operations in ``tests/openapi/cloudflare-2024.json``
(zone lookup, API Shield client certificates, per-hostname authenticated origin pulls) the
way Cloudflare does, keeps state, issues real X.509 certificates, and lets tests steer it
through ``/__control/`` (journal, faults, clock, config, reset, seeding).

Run it with ``PYTHONPATH=tools python -m local_cloudflare``, or from Python::

    from local_cloudflare import start_server, stop_server
    server, thread, base_url = start_server({"delays": {"revocation": 0}})
    ...
    stop_server(server, thread)

Where each behaviour is decided: ``errors`` (error codes), ``auth`` (credentials, rate
limit), ``api`` (routes and order of checks), ``client_certificates`` and ``hostname_aop``
(state machines), ``control`` (control API), ``faults``, ``journal``.
"""

from __future__ import annotations

from .config import DEFAULT_CONFIG
from .server import make_server, start_server, stop_server

__all__ = ["DEFAULT_CONFIG", "make_server", "start_server", "stop_server"]
__version__ = "1.0.0"
