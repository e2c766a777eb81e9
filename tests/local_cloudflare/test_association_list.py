# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``GET /zones/{zone_id}/origin_tls_client_auth/hostnames``: the 2026 list of a zone's associations.

Served as ``tests/openapi/2026/per-hostname-aop.json`` describes it: ``page``, ``per_page`` (1..1000,
default 50), ``status`` (comma-separated values, or ``all``; default ``active``), items with the
spec's six fields, answers valid against the 2026 schema. ``variants.association_list`` makes
it answer as an API from before the list: 404 (no route) or 400.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from local_api_helpers import REPO, make_hostname_bundle, to_json_schema, zone_path

LIST = zone_path("/origin_tls_client_auth/hostnames")
SPEC_2026 = REPO / "tests" / "openapi" / "2026" / "per-hostname-aop.json"
ITEM_FIELDS = {"hostname", "cert_id", "enabled", "status", "created_at", "updated_at"}


@pytest.fixture(scope="module")
def list_schema():
    with open(SPEC_2026, encoding="utf-8") as spec_file:
        document = json.load(spec_file)
    operation = document["paths"]["/zones/{zone_id}/origin_tls_client_auth/hostnames"]["get"]
    schema = to_json_schema(operation["responses"]["200"]["content"]["application/json"]["schema"])
    return {"allOf": [schema], "components": to_json_schema(document["components"])}


@pytest.fixture
def zone(api):
    """first: a, b, c, d (d disabled), e removed; second: x, y."""
    api.control("PATCH", "config", {"delays": {"association": 0, "deployment": 0}})
    first = api.upload_hostname_certificate()["id"]
    second = api.upload_hostname_certificate(make_hostname_bundle("second.example.com"))["id"]
    for response in (api.associate(*[(name + ".example.com", first, name != "d") for name in "abcde"]),
                     api.associate(("x.example.com", second, True), ("y.example.com", second, True)),
                     api.associate(("e.example.com", first, None))):
        assert response.status_code == 200, response.text
    return dict(first=first, second=second)


def _list(api, list_schema, **query):
    response = api.get(LIST, params=query, validate=False)
    assert response.status_code == 200, response.text
    jsonschema.Draft7Validator(list_schema).validate(response.json())
    return response.json()


def test_default_lists_the_active_associations_sorted_with_the_spec_fields(api, zone, list_schema):
    answer = _list(api, list_schema)
    assert [item["hostname"] for item in answer["result"]] == ["a.example.com", "b.example.com", "c.example.com", "d.example.com",
                                                               "x.example.com", "y.example.com"]
    assert all(set(item) == ITEM_FIELDS for item in answer["result"])
    assert answer["result"][3]["enabled"] is False and answer["result"][3]["cert_id"] == zone["first"]
    assert answer["result_info"] == {"page": 1, "per_page": 50, "count": 6, "total_count": 6, "total_pages": 1}


def test_status_all_includes_the_removed_association_and_status_filters(api, zone, list_schema):
    every = _list(api, list_schema, status="all")["result"]
    removed = [item for item in every if item["hostname"] == "e.example.com"]
    assert len(every) == 7 and removed == [dict(removed[0], cert_id=zone["first"], enabled=None, status="deleted")]
    assert [item["hostname"] for item in _list(api, list_schema, status="deleted")["result"]] == ["e.example.com"]
    assert len(_list(api, list_schema, status="active,deleted")["result"]) == 7
    assert _list(api, list_schema, status="pending_deployment")["result"] == []


def test_pages(api, zone, list_schema):
    pages = [_list(api, list_schema, status="all", per_page=3, page=page) for page in (1, 2, 3, 4)]
    assert [len(page["result"]) for page in pages] == [3, 3, 1, 0]
    assert pages[0]["result_info"] == {"page": 1, "per_page": 3, "count": 3, "total_count": 7, "total_pages": 3}
    hostnames = [item["hostname"] for page in pages for item in page["result"]]
    assert hostnames == sorted(hostnames) and len(set(hostnames)) == 7


@pytest.mark.parametrize("query", [dict(per_page=0), dict(per_page=1001), dict(page=0), dict(status="enabled"), dict(status="active,x")])
def test_bad_queries_are_400(api, zone, query):
    response = api.get(LIST, params=query)
    assert response.status_code == 400 and response.json()["success"] is False


@pytest.mark.parametrize("variant,status", [("404", 404), ("400", 400)])
def test_an_older_api_has_no_list_but_keeps_the_other_association_calls(api, zone, variant, status):
    api.control("PATCH", "config", {"variants": {"association_list": variant}})
    response = api.get(LIST, params={"status": "all"})
    assert response.status_code == status and response.json()["success"] is False
    assert api.get(LIST + "/a.example.com").json()["result"]["cert_id"] == zone["first"]
    assert api.associate(("a.example.com", zone["first"], False)).status_code == 200


def test_the_variant_is_validated(api):
    api.control("PATCH", "config", {"variants": {"association_list": "2024"}}, expect=400)
