"""The GeoReport v2 field lists (wiki.open311.org/GeoReport_v2, Service_Discovery, and
mySociety's servicerequestupdates extension), in the spec's order, and shape checks for both
formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords",
           "group"]
DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = ["variable", "code", "datatype", "required", "datatype_description", "order",
             "description"]
VALUE = ["key", "name"]
REQUEST = ["service_request_id", "status", "status_notes", "service_name", "service_code",
           "description", "agency_responsible", "service_notice", "requested_datetime",
           "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
           "long", "media_url"]
EXTENDED = ["attributes", "extended_attributes", "notes"]
NOTE = ["datetime", "summary", "description", "type", "agency_responsible"]
CREATED = ["service_request_id", "service_notice", "account_id"]
TOKEN = ["service_request_id", "token"]
ERROR = ["code", "description"]
UPDATE = ["update_id", "service_request_id", "status", "updated_datetime", "description",
          "media_url"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def xml_root(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def xml_items(response, root: str, item: str) -> list[ET.Element]:
    """The items of a list response: <root><item>...</item>...</root>, nothing else."""
    element = xml_root(response)
    assert element.tag == root
    assert all(child.tag == item for child in element), tags(element)
    return list(element)


def xml_errors(response) -> list[dict]:
    items = xml_items(response, "errors", "error")
    assert items
    for e in items:
        assert tags(e) == ERROR
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")}
            for e in items]


def json_errors(response) -> list[dict]:
    body = json_body(response)
    assert isinstance(body, list) and body  # the root is an array, also for errors
    for e in body:
        assert list(e) == ERROR and isinstance(e["code"], int) and e["description"]
    return body
