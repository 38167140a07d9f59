"""Open311 fixtures: the hand-built territory, a small catalogue (public and private, with and
without attributes, a parent that is no service), an Open311 client's api_key, and helpers that
call /open311/v2/ in either format."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from civicgrid.api.open311.services import open311_client_key_create
from civicgrid.dispatch.models import Category, CategoryKind, Stream
from civicgrid.territory.gazetteer import get_gazetteer
from civicgrid.territory.locator import reset_locator
from civicgrid.territory.models import District
from tests.factories import XICHENG

BASE = "/open311/v2/"
# Inside grid 110102003002001 (新街口街道) of tests/factories.py.
LON, LAT = 116.325, 39.93
GRID = "110102003002001"


def refresh_catalogue():
    from civicgrid.dispatch.classify import get_classifier
    from civicgrid.dispatch.routing import get_router

    get_classifier(refresh=True)
    get_router(refresh=True)


@pytest.fixture
def city(territory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    District.objects.filter(code=XICHENG).update(abbr="XC")
    reset_locator()
    get_gazetteer(refresh=True)
    parent = Category.objects.create(code="C01", name="公用设施", stream=Stream.CITY_MANAGEMENT,
                                     kind=CategoryKind.COMPONENT)
    cover = Category.objects.create(
        code="C0101", name="上水井盖", parent=parent, stream=Stream.CITY_MANAGEMENT,
        kind=CategoryKind.COMPONENT, keywords="井盖 窨井盖", handle_limit=3,
        handle_unit="working_days")
    waste = Category.objects.create(code="E0101", name="暴露垃圾", stream=Stream.CITY_MANAGEMENT,
                                    kind=CategoryKind.EVENT, keywords="垃圾")
    noise = Category.objects.create(code="S0301", name="噪音扰民", stream=Stream.SOCIAL_SERVICE,
                                    kind=CategoryKind.SERVICE, keywords="噪音")
    permit = Category.objects.create(code="A0101", name="证照办理咨询",
                                     stream=Stream.ADMINISTRATIVE_SERVICE,
                                     kind=CategoryKind.SERVICE)
    retired = Category.objects.create(code="E0199", name="停用分类", stream=Stream.CITY_MANAGEMENT,
                                      kind=CategoryKind.EVENT, active=False)
    refresh_catalogue()
    token, key = open311_client_key_create(name="随手拍App")
    yield SimpleNamespace(parent=parent, cover=cover, waste=waste, noise=noise, permit=permit,
                          retired=retired, token=token, key=key, client=token.user)
    reset_locator()


@pytest.fixture
def http():
    return Client()


def call(http, method: str, path: str, fmt: str = "json", **params):
    url = f"{BASE}{path}.{fmt}"
    if method == "GET":
        return http.get(url, params, secure=True)
    return http.post(url, params, secure=True)


def cover_report(key: str, **extra) -> dict:
    """A complete POST for the manhole-cover service."""
    params = {"api_key": key, "service_code": "C0101", "lat": str(LAT), "long": str(LON),
              "description": "小区门口井盖缺失，很危险", "attribute[cover_problem]": "missing",
              "attribute[hazards][]": ["pedestrians", "water"], "email": "li@example.com",
              "first_name": "明", "last_name": "李", "phone": "13912345678",
              "device_id": "dev-1", "account_id": "acct-9"}
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}
