"""GET discovery.{xml,json}: the Service Discovery document."""

import pytest

from tests.open311.conftest import call
from tests.open311.spec import DISCOVERY, ENDPOINT, json_body, tags, xml_root

pytestmark = pytest.mark.django_db


def test_discovery_json(http):
    r = call(http, "GET", "discovery", "json")
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == DISCOVERY
    (endpoint,) = body["endpoints"]
    assert list(endpoint) == ENDPOINT
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] == "production"


def test_discovery_xml(http):
    r = call(http, "GET", "discovery", "xml")
    assert r.status_code == 200
    root = xml_root(r)
    assert root.tag == "discovery" and tags(root) == DISCOVERY
    endpoints = root.find("endpoints")
    assert tags(endpoints) == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert tags(endpoint) == ENDPOINT
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert tags(endpoint.find("formats")) == ["format", "format"]


def test_unknown_resource_is_a_404_in_the_spec_shape(http):
    r = http.get("/open311/v2/nothing-here.json", secure=True)
    assert r.status_code == 404
    assert json_body(r)[0]["code"] == 404
    r = http.get("/open311/v2/nothing-here", secure=True)  # no suffix: XML, the required format
    assert r.status_code == 404 and xml_root(r).tag == "errors"
