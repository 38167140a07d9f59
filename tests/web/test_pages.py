"""The pages: who may open what, the Chinese layout, login and logout."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import STREET_W, XICHENG, Role, make_department, make_user

pytestmark = pytest.mark.django_db

DEMO_NOTE = "演示数据：街道、社区、网格边界为按真实区界自动生成的示意，非官方边界"
SCOPES = {
    Role.GRID_WORKER: "110102001001001", Role.COMMUNITY_STAFF: "110102001001",
    Role.STREET_DISPATCHER: STREET_W, Role.STREET_COMMANDER: STREET_W,
    Role.DISTRICT_ADMIN: XICHENG, Role.CITY_ADMIN: "", Role.AUDITOR: "",
}


def https_client(user=None) -> Client:
    """A client behind the HTTPS proxy, as in production (plain HTTP is redirected there)."""
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        c.force_login(user)
    return c


def staff_user(role):
    if role == Role.DEPARTMENT_HANDLER:
        return make_user(role, department=make_department())
    return make_user(role, SCOPES[role])


def assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_home_introduces_the_platform_to_visitors():
    resp = https_client().get("/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "CivicGrid 全响应网格化社会治理平台" in html
    assert 'href="/accounts/login/"' in html
    assert "/territory/" not in html
    assert '<html lang="zh-CN">' in html


def test_home_links_staff_to_the_territory_page(territory):
    html = https_client(make_user(Role.STREET_DISPATCHER, STREET_W)).get("/").content.decode()
    assert 'href="/territory/"' in html
    assert "退出登录" in html and "街道派遣员" in html
    assert "/admin/" not in html  # not a Django staff account
    resident_html = https_client(make_user(Role.RESIDENT)).get("/").content.decode()
    assert "/territory/" not in resident_html and "居民账号" in resident_html


def test_admin_link_only_for_django_staff(territory):
    admin = make_user(Role.DISTRICT_ADMIN, XICHENG)
    admin.is_staff = True
    admin.save()
    html = https_client(admin).get("/").content.decode()
    assert 'href="/admin/"' in html and "管理后台" in html


@pytest.mark.parametrize("role", sorted(set(Role) - {Role.RESIDENT}))
def test_territory_page_opens_for_every_staff_role(territory, role):
    resp = https_client(staff_user(role)).get("/territory/")
    html = resp.content.decode()
    assert resp.status_code == 200, role
    assert DEMO_NOTE in html
    assert "显示全部网格" in html
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["nodesUrl"] == "/api/v1/territory/nodes"
    assert config["labels"]["levels"]["grid"] == "网格"
    # Every script, stylesheet and icon comes from our own host.
    urls = assets(html)
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert all(u.startswith("/") or u.startswith("#") for u in urls), urls


def test_residents_are_refused_with_a_chinese_message(territory):
    resp = https_client(make_user(Role.RESIDENT)).get("/territory/")
    assert resp.status_code == 403
    html = resp.content.decode()
    assert "只对工作人员开放" in html and "联系" in html


def test_anonymous_visitors_are_sent_to_login(territory):
    resp = https_client().get("/territory/")
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/login/?next=/territory/"


def test_login_page_in_chinese_and_login_works(territory):
    make_user(Role.DISTRICT_ADMIN, XICHENG, username="xicheng-admin")
    c = https_client()
    page = c.get("/accounts/login/?next=/territory/").content.decode()
    assert "登录平台" in page and "用户名" in page and "密码" in page
    bad = c.post("/accounts/login/", {"username": "xicheng-admin", "password": "wrong",
                                      "next": "/territory/"})
    assert bad.status_code == 200 and "用户名或密码不正确" in bad.content.decode()
    good = c.post("/accounts/login/", {"username": "xicheng-admin",
                                       "password": "pw-for-tests-only", "next": "/territory/"})
    assert good.status_code == 302 and good["Location"] == "/territory/"
    assert c.get("/territory/").status_code == 200
    home = c.get("/").content.decode()
    assert 'name="next" value="/"' in home  # the logout form comes back home
    out = c.post("/accounts/logout/", {"next": "/"})
    assert out.status_code == 302 and out["Location"] == "/"
    assert c.get("/territory/").status_code == 302


def test_vendored_assets_and_their_licences_are_in_place():
    for path in ["vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
                 "vendor/leaflet/LICENSE", "vendor/leaflet/images/layers.png",
                 "vendor/leaflet.markercluster/leaflet.markercluster.js",
                 "vendor/echarts/echarts.min.js", "vendor/echarts/LICENSE",
                 "vendor/VERSIONS.txt", "django_htmx/htmx-2.min.js", "web/territory.js"]:
        assert finders.find(path), path
    versions = Path(finders.find("vendor/VERSIONS.txt")).read_text(encoding="utf-8")
    assert "leaflet                   1.9.4" in versions and "echarts" in versions
