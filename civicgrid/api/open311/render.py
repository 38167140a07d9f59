"""The two formats. Data is built once as plain Python in the spec's JSON shape (the Spark
convention: a list is the plural element, each item the singular element) and written either
as JSON or as XML with the spec's element names. JSON list roots stay lists, errors included;
XML starts with the declaration the spec asks for and uses no namespace."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse

from .errors import Open311Error

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Plural element → the element of each item (spec: services/service, service_requests/request,
# service_definition/attributes/attribute/values/value, errors/error; discovery's endpoints;
# the extensions' notes and photos; servicerequestupdates' request_update).
ITEM = {
    "services": "service", "service_requests": "request", "attributes": "attribute",
    "values": "value", "errors": "error", "endpoints": "endpoint", "formats": "format",
    "notes": "note", "photos": "photo", "service_request_updates": "request_update",
}
# Characters XML 1.0 cannot carry at all (text typed into phones sometimes has them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item = ITEM.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, data) -> str:
    element = ET.Element(root)
    _fill(element, data)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """`data` as `fmt`; `root` names the XML root element (JSON has none)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        body = to_xml(root, data)
    response = HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))
    # Public, read-only data: browser apps on other sites may read it (no cookies are used).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error_response(fmt: str, exc: Open311Error) -> HttpResponse:
    errors = [{"code": exc.status, "description": d} for d in exc.descriptions]
    response = respond(fmt, "errors", errors, status=exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response
