"""The whistle pages: who may open them, the board's colours and its htmx refresh, raising from
the form, each action button for the actor who may use it, refusals shown in Chinese."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.whistles.models import DepartmentScore, Whistle, WhistleState
from tests.whistles import conftest as whistle_fixtures
from tests.whistles.conftest import LAT, LON

pytestmark = pytest.mark.django_db

depts = whistle_fixtures.depts
catalogue = whistle_fixtures.catalogue
people = whistle_fixtures.people
raise_whistle = whistle_fixtures.raise_whistle


def client(user=None) -> Client:
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        c.force_login(user)
    return c


def html(resp) -> str:
    assert resp.status_code == 200, (resp.status_code, resp.content.decode()[:2000])
    return resp.content.decode()


@pytest.fixture
def live(raise_whistle):
    """A whistle raised ten minutes ago (deadline in twenty)."""
    return raise_whistle(at=timezone.now() - dt.timedelta(minutes=10))


def test_pages_render_per_role_and_refuse_others(live, people):
    url = f"/whistles/{live.number}/"
    for actor in (people.dispatcher, people.commander, people.cgzf, people.district,
                  people.city):
        assert live.number in html(client(actor).get("/whistles/"))
        assert live.title in html(client(actor).get(url))
    for actor in (people.resident, people.community):
        assert client(actor).get("/whistles/").status_code == 403
        assert client(actor).get(url).status_code == 403
    # Outside one's scope the whistle does not exist.
    assert client(people.other_dispatcher).get(url).status_code == 404
    assert client(people.rq).get(url).status_code == 404
    assert live.number not in html(client(people.rq).get("/whistles/"))
    assert client().get("/whistles/").status_code == 302  # to the login page
    # Only street staff open the raise form.
    assert "召集部门" in html(client(people.dispatcher).get("/whistles/new/"))
    for actor in (people.cgzf, people.district, people.resident):
        assert client(actor).get("/whistles/new/").status_code == 403


def test_board_colours_and_htmx_refresh(live, people):
    page = html(client(people.dispatcher).get("/whistles/"))
    assert 'hx-trigger="every 30s"' in page and "吹哨报到" in page
    assert page.count('data-status="pending"') == 3
    cgzf = live.report_ins.get(department=people.cgzf.department)
    client(people.cgzf).post(f"/whistles/{live.number}/arrive/", {"lon": LON, "lat": LAT})
    part = html(client(people.dispatcher).get("/whistles/", HTTP_HX_REQUEST="true"))
    assert part.lstrip().startswith('<div id="board"') and "<html" not in part
    assert 'data-status="on_site" data-department="XC-CGZF"' in part
    assert "到场 1/3" in part
    cgzf.refresh_from_db()
    assert cgzf.arrived_at is not None


def test_raise_from_the_form(catalogue, people, depts):
    c = client(people.dispatcher)
    form = html(c.get("/whistles/new/"))
    assert "综合执法 · 群租房与地下空间" in form and "清单外问题" not in form
    # The problem's usual departments travel with its option, for the script to pre-check.
    option = re.search(r'<option value="ZF0301" data-departments="([\d ]+)"', form)
    assert set(option.group(1).split()) == {str(d.pk) for d in (depts.cgzf, depts.fgj,
                                                                depts.gafj)}
    resp = c.post("/whistles/new/", {"problem": "ZF0301", "description": "一套房隔出12间",
                                     "departments": [depts.cgzf.pk, depts.fgj.pk],
                                     "lon": str(LON), "lat": str(LAT), "address": "三里河路1号"})
    w = Whistle.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/whistles/{w.number}/"
    assert w.report_ins.count() == 2 and w.address == "三里河路1号"
    # Refusals come back on the form, in Chinese, with what was typed.
    bad = c.post("/whistles/new/", {"problem": "ZF0301", "description": "再来一次",
                                    "departments": [depts.cgzf.pk], "lon": "117.5",
                                    "lat": "40.6"})
    assert bad.status_code == 400 and "不在任何网格内" in bad.content.decode()
    assert "再来一次" in bad.content.decode()
    east = c.post("/whistles/new/", {"problem": "ZF0301", "description": "东边",
                                     "departments": [depts.cgzf.pk], "lon": "116.325",
                                     "lat": "39.905"})
    assert east.status_code == 403 and "问题所在街道" in east.content.decode()
    assert "清单外问题" in html(client(people.commander).get("/whistles/new/"))


def test_each_actor_sees_only_their_buttons_and_the_walk_to_a_score(live, people, depts):
    url = f"/whistles/{live.number}/"
    handler_page = html(client(people.cgzf).get(url))
    assert "到场报到" in handler_page and "确认办结" not in handler_page
    assert "标记未到场" not in handler_page
    street_page = html(client(people.dispatcher).get(url))
    assert "到场报到" not in street_page and "报告处置完成" in street_page
    assert "标记未到场" not in street_page  # the commander's
    assert "标记未到场" in html(client(people.commander).get(url))
    assert "当前没有您可以办理的操作" in html(client(people.district).get(url))

    far = client(people.cgzf).post(f"{url}arrive/", {"lon": "116.33", "lat": str(LAT)})
    assert far.status_code == 400 and "超出到场核验范围" in far.content.decode()
    ok = client(people.cgzf).post(f"{url}acknowledge/")
    assert ok.status_code == 302
    client(people.cgzf).post(f"{url}arrive/", {"lon": str(LON), "lat": str(LAT)})
    client(people.fgj).post(f"{url}arrive/", {"lon": str(LON), "lat": str(LAT)})
    client(people.cgzf).post(f"{url}resolve/", {"result": "已拆除隔断"})
    refused = client(people.dispatcher).post(f"{url}close/")
    assert refused.status_code == 400 and "事不完、人不撤" in refused.content.decode()
    gafj = live.report_ins.get(department=depts.gafj)
    client(people.commander).post(f"{url}absent/", {"report_in": gafj.pk,
                                                    "reason": "值班室称无警力"})
    assert client(people.dispatcher).post(f"{url}close/").status_code == 302
    assert Whistle.objects.get(pk=live.pk).state == WhistleState.CLOSED
    page = html(client(people.dispatcher).get(url))
    assert page.count('class="form score-form"') == 3 and "准时报到" in page
    client(people.dispatcher).post(f"{url}score/", {
        "department": depts.cgzf.pk, "item_whistle_timeliness": "100",
        "item_whistle_attitude": "90", "item_whistle_result": "80", "comment": "响应快"})
    assert DepartmentScore.objects.get().total == 91.0
    page = html(client(people.dispatcher).get(url))
    assert "91.0 分" in page and page.count('class="form score-form"') == 2
    # The department sees its score but cannot score.
    assert 'class="form score-form"' not in html(client(people.cgzf).get(url))
    again = client(people.commander).post(f"{url}score/", {
        "department": depts.cgzf.pk, "item_whistle_timeliness": "1",
        "item_whistle_attitude": "1", "item_whistle_result": "1"})
    assert again.status_code == 409 and "只评一次" in again.content.decode()


def test_admin_lists_whistles_read_only(live, people):
    people.city.is_staff = True
    people.city.save()
    c = client(people.city)
    assert live.number in html(c.get("/admin/whistles/whistle/"))
    assert html(c.get(f"/admin/whistles/whistle/{live.pk}/change/"))
    assert "群租房" in html(c.get("/admin/whistles/whistleproblem/"))
    assert c.get("/admin/whistles/whistle/add/").status_code == 403


def test_the_street_summons_one_more_department_from_the_page(live, people, depts):
    url = f"/whistles/{live.number}/"
    assert "追加召集部门" not in html(client(people.cgzf).get(url))
    page = html(client(people.dispatcher).get(url))
    assert "追加召集部门" in page and f'name="departments" value="{depts.rq.pk}"' in page
    assert f'name="departments" value="{depts.cgzf.pk}"' not in page  # already summoned
    resp = client(people.dispatcher).post(f"{url}summon/", {"departments": [depts.rq.pk]})
    assert resp.status_code == 302
    assert live.report_ins.filter(department=depts.rq).exists()
    assert live.number in html(client(people.rq).get("/whistles/"))
