"""GET services.{fmt} and services/{code}.{fmt}: the category catalogue as services and service
definitions, jurisdiction_id handling, 404 for unknown services."""

import pytest

from civicgrid.api.open311.catalogue import attributes_for
from tests.open311.conftest import call
from tests.open311.spec import (
    ATTRIBUTE,
    DATATYPES,
    DEFINITION,
    SERVICE,
    VALUE,
    json_body,
    json_errors,
    tags,
    xml_errors,
    xml_items,
    xml_root,
)

pytestmark = pytest.mark.django_db


def test_services_json_lists_active_leaf_categories(http, city):
    r = call(http, "GET", "services", "json")
    assert r.status_code == 200
    body = json_body(r)
    assert isinstance(body, list)
    by_code = {s["service_code"]: s for s in body}
    # The parent C01 is a group, not a service; the retired category is gone.
    assert set(by_code) == {"C0101", "E0101", "S0301", "A0101"}
    for s in body:
        assert list(s) == SERVICE
        assert s["type"] == "realtime"
    cover = by_code["C0101"]
    assert cover["service_name"] == "上水井盖"
    assert cover["group"] == "城市管理"
    assert cover["keywords"] == "井盖, 窨井盖"
    assert cover["metadata"] is True
    assert by_code["A0101"]["metadata"] is False  # administrative services ask nothing more


def test_services_xml(http, city):
    r = call(http, "GET", "services", "xml")
    items = xml_items(r, "services", "service")
    assert len(items) == 4
    for item in items:
        assert tags(item) == SERVICE
    cover = next(i for i in items if i.findtext("service_code") == "C0101")
    assert cover.findtext("metadata") == "true"
    assert cover.findtext("group") == "城市管理"


def test_service_definition_json(http, city):
    r = call(http, "GET", "services/C0101", "json")
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == DEFINITION and body["service_code"] == "C0101"
    attrs = body["attributes"]
    assert [a["order"] for a in attrs] == list(range(1, len(attrs) + 1))
    for a in attrs:
        lists = a["datatype"] in ("singlevaluelist", "multivaluelist")
        assert list(a) == ATTRIBUTE + (["values"] if lists else [])
        assert a["datatype"] in DATATYPES
        for v in a.get("values", []):
            assert list(v) == VALUE
    problem = next(a for a in attrs if a["code"] == "cover_problem")
    assert problem["required"] is True and problem["datatype"] == "singlevaluelist"
    assert {"key": "missing", "name": "缺失"} in problem["values"]


def test_service_definition_xml(http, city):
    r = call(http, "GET", "services/C0101", "xml")
    root = xml_root(r)
    assert root.tag == "service_definition" and tags(root) == DEFINITION
    attributes = root.find("attributes")
    assert set(tags(attributes)) == {"attribute"}
    hazards = next(a for a in attributes if a.findtext("code") == "hazards")
    assert tags(hazards) == ATTRIBUTE + ["values"]
    assert hazards.findtext("datatype") == "multivaluelist"
    values = hazards.find("values")
    assert set(tags(values)) == {"value"}
    assert [tags(v) for v in values] == [VALUE] * len(values)
    assert values[0].findtext("key") == "pedestrians"


def test_every_datatype_is_offered_somewhere():
    from civicgrid.api.open311.catalogue import _data

    seen = {a["datatype"] for attrs in _data()["sets"].values() for a in attrs}
    assert seen == DATATYPES
    # An informational attribute (variable false) in the emergency set.
    assert any(not a.variable for a in attributes_for("E0401"))


@pytest.mark.parametrize("code", ["NOPE", "C01", "E0199"])  # unknown, a group, inactive
def test_unknown_service_is_404_in_both_formats(http, city, code):
    r = call(http, "GET", f"services/{code}", "json")
    assert r.status_code == 404
    assert json_errors(r)[0]["code"] == 404
    r = call(http, "GET", f"services/{code}", "xml")
    assert r.status_code == 404
    assert xml_errors(r)[0]["code"] == 404


def test_jurisdiction_id_empty_known_or_host_is_accepted(http, city):
    for value in ("", "civicgrid", "testserver"):
        assert call(http, "GET", "services", "json", jurisdiction_id=value).status_code == 200


def test_unknown_jurisdiction_is_404(http, city):
    r = call(http, "GET", "services", "xml", jurisdiction_id="sfgov.org")
    assert r.status_code == 404
    assert "sfgov.org" in xml_errors(r)[0]["description"]


def test_wrong_method_is_400_with_allow(http, city):
    r = call(http, "POST", "services", "json")
    assert r.status_code == 400
    assert json_errors(r)[0]["code"] == 400
    assert r["Allow"] == "GET, HEAD"
