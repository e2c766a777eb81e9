# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The modules never depend on what only this server does: its chosen codes and its error texts.

``errors.py`` lists the codes chosen here (not Cloudflare's); no file under ``plugins/`` may
name one, nor quote a message the local API makes up.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from local_cloudflare import errors

REPO = Path(__file__).resolve().parents[2]
CHOSEN = [errors.INVALID_REQUEST, errors.METHOD_NOT_ALLOWED, errors.CSR_MISSING, errors.CSR_INVALID, errors.VALIDITY_DAYS_INVALID,
          errors.CLIENT_CERTIFICATE_NOT_FOUND, errors.REACTIVATION_REFUSED, errors.REVOCATION_REFUSED, errors.UPLOAD_FIELD_MISSING,
          errors.CERTIFICATE_INVALID, errors.PRIVATE_KEY_INVALID, errors.KEY_MISMATCH,
          errors.HOSTNAME_CERTIFICATE_LIMIT, errors.ASSOCIATION_LIMIT, errors.HOSTNAME_INVALID, errors.ASSOCIATION_CONFIG_INVALID,
          errors.RULESET_NOT_FOUND, errors.RULE_NOT_FOUND]
# Cloudflare's own texts, which the server repeats: known, so not "made up" here.
CLOUDFLARE_TEXTS = ("This certificate already exists for this zone.", "Authentication error", "No route for that URI",
                    "could not find entrypoint ruleset in the")


def _plugin_sources():
    return [(path, path.read_text(encoding="utf-8")) for path in sorted((REPO / "plugins").rglob("*.py"))]


def _server_messages():
    """The literal start (before any %) of every message the local API puts in an error."""
    found = set()
    for path in sorted((REPO / "tools" / "local_cloudflare").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("ApiError", "invalid_request"):
                for argument in node.args:
                    text = argument.left if isinstance(argument, ast.BinOp) else argument
                    if isinstance(text, ast.Constant) and isinstance(text.value, str):
                        literal = text.value.split("%")[0].strip()
                        if len(literal) >= 16 and literal not in CLOUDFLARE_TEXTS:
                            found.add(literal)
    return found


def test_plugins_name_no_code_chosen_here():
    for path, source in _plugin_sources():
        for code in CHOSEN:
            assert not re.search(r"(?<![\d.])%d(?![\d.])" % code, source), "%s names the local API's own code %d" % (path, code)


def test_plugins_quote_no_message_of_the_local_api():
    messages = _server_messages()
    assert len(messages) > 20
    for path, source in _plugin_sources():
        for message in messages:
            assert message not in source, "%s quotes the local API's message %r" % (path, message)
