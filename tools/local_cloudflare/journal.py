# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The request journal tests read (``GET /__control/journal``).

It records what a client asked of ``/client/v4`` (method, path, query, JSON body) and what
it got (status, fault, and the JSON ``answer`` unless a fault replaced it), plus which auth scheme it used. Headers are not recorded, so no
token or key can land here; body values under secret-looking keys, and any string holding
a PEM private key, are replaced by ``********`` before the entry is stored.

Entries are listed in the order their answers were finished, and ``time`` is when the
request arrived: a request that a ``delay`` or ``timeout`` fault holds back is listed after
requests that arrived later. Sort by ``time`` for the order in which a client sent them.
``clear()`` (a reset) empties the journal tests read; ``everything()`` still lists every entry since
the server started (``GET /__control/journal/all``, what the contract check reads after a run).
"""

from __future__ import annotations

import threading

REDACTED = "********"
SECRET_KEYS = frozenset(("private_key", "secret", "key", "api_key", "token", "api_token", "password", "passphrase"))


def redact(value):
    """``value`` with every secret replaced; the input is not modified."""
    if isinstance(value, dict):
        return {name: (REDACTED if str(name).lower() in SECRET_KEYS and item is not None else redact(item))
                for name, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str) and "PRIVATE KEY" in value:
        return REDACTED
    return value


class Journal:
    def __init__(self):
        self._entries: list[dict] = []
        self._all: list[dict] = []
        self._lock = threading.Lock()

    def record(self, entry: dict) -> None:
        entry = dict(entry)
        entry["body"] = redact(entry.get("body"))
        if "answer" in entry:
            entry["answer"] = redact(entry["answer"])
        with self._lock:
            self._entries.append(entry)
            self._all.append(entry)

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def everything(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._all]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
