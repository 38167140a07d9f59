"""POST requests.{fmt}: an Open311 report becomes a case through the one intake (channel
open311), with api_key from the body or the query string, attributes (lists too), every
location form, idempotency, and each error the spec names."""

import pytest
from django.core.cache import cache

from civicgrid.api.models import TokenKind
from civicgrid.api.open311.errors import Open311Error
from civicgrid.api.open311.models import Open311Request
from civicgrid.api.tokens import token_create, token_revoke
from civicgrid.cases.models import Case, CaseEvent, Channel
from tests.open311.conftest import BASE, GRID, LAT, LON, call, cover_report
from tests.open311.spec import CREATED, json_body, json_errors, tags, xml_errors, xml_items

pytestmark = pytest.mark.django_db


def test_create_json(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(city.key))
    assert r.status_code == 201, r.content
    (row,) = json_body(r)
    assert list(row) == CREATED
    assert row["account_id"] == "acct-9"
    assert "3工作日" in row["service_notice"]
    case = Case.objects.get(number=row["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.category == city.cover
    assert case.grid_code == GRID
    assert case.description.startswith("小区门口井盖缺失，很危险")
    # The answers are in the description the dispatcher reads...
    assert "【附加信息】井盖是什么问题：缺失；现场有哪些影响：影响行人、有积水" in case.description
    reporter = case.reporters.get()
    assert (reporter.name, reporter.phone, reporter.email) == ("李明", "13912345678",
                                                               "li@example.com")
    assert reporter.user is None  # the integration account is not the reporter
    # ...and kept as submitted, with what a case has no field for.
    extra = Open311Request.objects.get(case=case)
    assert extra.attributes == {"cover_problem": "missing", "hazards": ["pedestrians", "water"]}
    assert (extra.device_id, extra.account_id, extra.token_id) == ("dev-1", "acct-9",
                                                                   city.token.pk)
    event = CaseEvent.objects.get(case=case, action="report")
    assert event.actor == city.client


def test_create_xml_with_key_in_query_string(http, city):
    params = cover_report(None)
    url = f"{BASE}requests.xml?api_key={city.key}&jurisdiction_id="
    r = http.post(url, params, secure=True)
    assert r.status_code == 201, r.content
    (item,) = xml_items(r, "service_requests", "request")
    assert tags(item) == CREATED
    assert Case.objects.filter(number=item.findtext("service_request_id")).exists()


def test_description_is_optional(http, city):
    r = call(http, "POST", "requests", "json",
             **cover_report(city.key, description=None, **{"attribute[hazards][]": None}))
    assert r.status_code == 201
    case = Case.objects.get(number=json_body(r)[0]["service_request_id"])
    assert case.description.startswith("上水井盖")


def test_address_string_only(http, city):
    r = call(http, "POST", "requests", "json", api_key=city.key, service_code="E0101",
             address_string="新街口街道新街2号社区北门", description="门口垃圾堆了三天")
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=json_body(r)[0]["service_request_id"])
    assert case.address == "新街口街道新街2号社区北门" and case.lat is None


def test_address_id_is_an_area_code(http, city):
    r = call(http, "POST", "requests", "json", api_key=city.key, service_code="E0101",
             address_id=GRID, description="垃圾")
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=json_body(r)[0]["service_request_id"])
    assert case.grid_code == GRID and case.address  # placed inside the grid, named after it
    assert Open311Request.objects.get(case=case).address_id == GRID


def test_gcj02_coordinates_are_converted(http, city):
    from civicgrid.core.geo import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(LON, LAT)
    r = call(http, "POST", "requests", "json",
             **cover_report(city.key, lat=str(glat), long=str(glon), crs="gcj02"))
    case = Case.objects.get(number=json_body(r)[0]["service_request_id"])
    assert abs(case.lon - LON) < 1e-5 and abs(case.lat - LAT) < 1e-5


def test_idempotency_key_makes_one_case_and_the_token_finds_it(http, city):
    params = cover_report(city.key, idempotency_key="app-req-42")
    first = call(http, "POST", "requests", "json", **params)
    again = http.post(f"{BASE}requests.json", cover_report(city.key), secure=True,
                      headers={"Idempotency-Key": "app-req-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    number = json_body(first)[0]["service_request_id"]
    assert json_body(again)[0]["service_request_id"] == number
    assert Case.objects.count() == 1
    r = call(http, "GET", "tokens/app-req-42", "json")
    assert json_body(r) == [{"service_request_id": number, "token": "app-req-42"}]


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "cg_not-a-key"])
def test_missing_or_bad_api_key_is_403(http, city, fmt, key):
    r = call(http, "POST", "requests", fmt, **cover_report(key))
    assert r.status_code == 403
    errors = json_errors(r) if fmt == "json" else xml_errors(r)
    assert errors[0]["code"] == 403 and "api_key" in errors[0]["description"]
    assert not Case.objects.exists()


def test_rest_api_token_and_revoked_key_are_403(http, city):
    _token, rest_key = token_create(user=city.client, name="rest", kind=TokenKind.API)
    assert call(http, "POST", "requests", "json", **cover_report(rest_key)).status_code == 403
    token_revoke(token=city.token)
    assert call(http, "POST", "requests", "json", **cover_report(city.key)).status_code == 403


def test_rate_limit_is_429_with_retry_after(http, city):
    cache.clear()
    city.token.rate_limit_per_minute = 1
    city.token.save(update_fields=["rate_limit_per_minute"])
    assert call(http, "POST", "requests", "json", **cover_report(city.key)).status_code == 201
    r = call(http, "POST", "requests", "json", **cover_report(city.key))
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1
    assert json_errors(r)[0]["code"] == 429
    cache.clear()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404(http, city, fmt):
    r = call(http, "POST", "requests", fmt, **cover_report(city.key, service_code="NOPE"))
    assert r.status_code == 404
    assert (json_errors(r) if fmt == "json" else xml_errors(r))[0]["code"] == 404


def test_missing_service_code_is_400(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(city.key, service_code=None))
    assert r.status_code == 400 and "service_code" in json_errors(r)[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_location_is_400(http, city, fmt):
    r = call(http, "POST", "requests", fmt, **cover_report(city.key, lat=None, long=None))
    assert r.status_code == 400
    errors = json_errors(r) if fmt == "json" else xml_errors(r)
    assert "lat" in errors[0]["description"] and "address_string" in errors[0]["description"]


def test_lat_without_long_and_bad_numbers_are_400(http, city):
    assert call(http, "POST", "requests", "json",
                **cover_report(city.key, long=None)).status_code == 400
    r = call(http, "POST", "requests", "json", **cover_report(city.key, lat="north"))
    assert r.status_code == 400 and "lat" in json_errors(r)[0]["description"]


def test_point_outside_china_is_400_from_intake(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(city.key, lat="37.76",
                                                              long="-122.42"))
    assert r.status_code == 400 and "中国" in json_errors(r)[0]["description"]


def test_unknown_address_id_is_400(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(
        city.key, lat=None, long=None, address_id="999999"))
    assert r.status_code == 400 and "address_id" in json_errors(r)[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_description_over_4000_characters_is_400(http, city, fmt):
    r = call(http, "POST", "requests", fmt, **cover_report(city.key, description="坑" * 4001))
    assert r.status_code == 400
    errors = json_errors(r) if fmt == "json" else xml_errors(r)
    assert "4000" in errors[0]["description"]
    assert call(http, "POST", "requests", fmt, **cover_report(
        city.key, description="坑" * 4000)).status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_attribute_values_are_400_naming_each(http, city, fmt):
    r = call(http, "POST", "requests", fmt, **cover_report(
        city.key, **{"attribute[cover_problem]": "stolen", "attribute[hazards][]": ["fire"]}))
    assert r.status_code == 400
    errors = json_errors(r) if fmt == "json" else xml_errors(r)
    text = " ".join(e["description"] for e in errors)
    assert len(errors) == 2 and "cover_problem" in text and "hazards" in text


def test_missing_required_attribute_is_400(http, city):
    r = call(http, "POST", "requests", "json",
             **cover_report(city.key, **{"attribute[cover_problem]": None}))
    assert r.status_code == 400 and "cover_problem" in json_errors(r)[0]["description"]


def test_two_values_for_a_single_value_list_is_400(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(
        city.key, **{"attribute[cover_problem][]": ["missing", "broken"],
                     "attribute[cover_problem]": None}))
    assert r.status_code == 400


def test_attribute_datatypes_are_checked(http, city):
    from civicgrid.api.open311 import catalogue

    emergency = catalogue.Service(city.waste, catalogue.attributes_for("E0401"))
    good = catalogue.clean_answers(emergency, {"injured": ["no"],
                                               "started_at": ["2026-11-22T08:30:00 08:00"]})
    assert good == {"injured": "no", "started_at": "2026-11-22T08:30:00+08:00"}
    with pytest.raises(Open311Error) as exc:
        catalogue.clean_answers(emergency, {"injured": ["no"], "started_at": ["yesterday"]})
    assert exc.value.status == 400
    road = catalogue.Service(city.cover, catalogue.attributes_for("C0206"))
    assert catalogue.clean_answers(road, {"damage_area_m2": ["1.5"]}) == {"damage_area_m2": 1.5}
    with pytest.raises(Open311Error) as exc:
        catalogue.clean_answers(road, {"damage_area_m2": ["big"]})
    assert exc.value.status == 400
    # Codes the service does not define are ignored (clients send extra ones).
    assert catalogue.clean_answers(road, {"fixmystreet_id": ["7"]}) == {}


def test_bad_phone_email_and_media_url_are_400(http, city):
    for extra in ({"phone": "12"}, {"email": "not-an-email"}, {"media_url": "ftp://x/y.jpg"}):
        r = call(http, "POST", "requests", "json", **cover_report(city.key, **extra))
        assert r.status_code == 400, extra
        json_errors(r)
    assert not Case.objects.exists()


def test_nul_characters_are_dropped_not_a_server_error(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(
        city.key, description="井盖\x00没了", first_name="明\x00"))
    assert r.status_code == 201
    case = Case.objects.get(number=json_body(r)[0]["service_request_id"])
    assert case.description.startswith("井盖没了")
