# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write the facts-only extract of Cloudflare's OpenAPI description that the tests use (``make openapi-extract``).

Reads the trimmed copies of Cloudflare's description kept beside the checkout (``../shared/cloudflare-openapi``:
the 2024 ``openapi.json``, its Prism-compatible variant, and the 2026 YAML files) and writes, under
``tests/openapi/``, the same documents without their prose: every ``description``, ``summary`` and
``externalDocs`` text goes, while paths, operations, parameters, request bodies, responses, schemas, enums,
examples, security schemes and the licence stay as they are. The tests then need nothing outside this
repository. Run it again when the source files change, and commit what it writes.

Usage: python tools/openapi_extract.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PROSE = ("description", "summary", "externalDocs", "x-derived-note")
# (source file under --source, extract under --out)
DOCUMENTS = (
    ("openapi.json", "cloudflare-2024.json"),
    ("openapi.prism-compat.json", "cloudflare-2024.prism-compat.json"),
    ("2026/cloudflare-api-shield-client-certificates-for-a-zone-api-openapi.yml", "2026/client-certificates.json"),
    ("2026/cloudflare-per-hostname-authenticated-origin-pull-api-openapi.yml", "2026/per-hostname-aop.json"),
    ("2026/cloudflare-zone-level-authenticated-origin-pulls-api-openapi.yml", "2026/zone-level-aop.json"),
    ("2026/cloudflare-zone-rulesets-api-openapi.yml", "2026/rulesets.json"),
)


def facts(node):
    """``node`` without prose: text under PROSE keys goes (a schema property that happens to be called so stays)."""
    if isinstance(node, dict):
        return dict((key, facts(value)) for key, value in node.items()
                    if not (key in PROSE and (isinstance(value, str) or key == "externalDocs")))
    if isinstance(node, list):
        return [facts(item) for item in node]
    return node


def load(path: Path):
    with open(path, encoding="utf-8") as source:
        return json.load(source) if path.suffix == ".json" else yaml.safe_load(source)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(REPO.parent / "shared" / "cloudflare-openapi"))
    parser.add_argument("--out", default=str(REPO / "tests" / "openapi"))
    args = parser.parse_args(argv)
    source, out = Path(args.source), Path(args.out)
    missing = [name for name, _extract in DOCUMENTS if not (source / name).is_file()]
    if missing:
        print("openapi_extract: not found under %s: %s" % (source, ", ".join(missing)), file=sys.stderr)
        return 1
    for name, extract in DOCUMENTS:
        target = out / extract
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8") as written:
            json.dump(facts(load(source / name)), written, indent=1, sort_keys=True)
            written.write("\n")
        print("%s -> %s" % (source / name, target.relative_to(REPO) if target.is_relative_to(REPO) else target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
