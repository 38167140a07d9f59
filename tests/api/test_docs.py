"""The API docs page and its schema: served from our own host only (no CDN, no validator
badge calling validator.swagger.io), the schema documents every error status."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_docs_page_loads_only_from_our_host():
    r = Client().get("/api/v1/docs", secure=True)
    assert r.status_code == 200
    html = r.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, html
    for url in urls:
        assert url.startswith("/") and not url.startswith("//") or url.startswith("data:"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    assert "swagger-ui-bundle.js" in html and "http://" not in html and "https://" not in html
    settings = json.loads(re.search(r'id="swagger-settings"[^>]*>(.*?)</script>', html,
                                    re.S).group(1))
    assert settings["validatorUrl"] is None and settings["url"] == "/api/v1/openapi.json"


def test_init_script_and_bundle_make_no_request_elsewhere():
    with open(finders.find("api/docs-init.js"), encoding="utf-8") as f:
        assert "http" not in f.read()


def test_schema_declares_errors_and_security():
    schema = Client().get("/api/v1/openapi.json", secure=True).json()
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "401", "429"} <= codes, (
                method, path, codes)
            assert op.get("security"), (method, path)
