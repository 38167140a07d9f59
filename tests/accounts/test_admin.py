"""The Django admin: Chinese, every model renders, and rows are scoped by the permission policy.

Requests are made with secure=True: production settings redirect plain HTTP to HTTPS."""

import pytest
import shapely
from django.urls import reverse

from civicgrid.accounts.models import User
from civicgrid.dispatch.models import Department
from civicgrid.territory.models import (
    Force,
    Grid,
    GridAssignment,
    GridCrosswalk,
    GridWorker,
    MicroGrid,
    PlaceAlias,
    SourceGrid,
    Street,
    TerritoryRevision,
)
from civicgrid.territory.selectors import territory_revision
from civicgrid.territory.services import territory_mark_changed
from tests.factories import CHAOYANG, STREET_CY, STREET_W, XICHENG, Role, make_department, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes ~0.2 s per account: far too slow for tests that create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

XC_GRID, CY_GRID = "110102001001001", "110105001001001"


@pytest.fixture
def world(territory):
    """One row of every model (the territory fixture has the area nodes)."""
    box = shapely.box(116.30, 39.90, 116.31, 39.91)
    MicroGrid.objects.create(code=XC_GRID + "001", name="1号楼", grid_id=XC_GRID,
                             geometry=shapely.to_wkb(box), area_m2=1.0)
    source = SourceGrid.objects.create(layer="city_management", source_code="CG-001",
                                       name="城管网格1", geometry=shapely.to_wkb(box),
                                       area_m2=1234.5, district_id=XICHENG)
    GridCrosswalk.objects.create(grid_id=XC_GRID, source_grid=source, layer="city_management",
                                 share_of_grid=0.5, share_of_source=1.0)
    worker = GridWorker.objects.create(name="张三", force=Force.BASIC, street_id=STREET_W,
                                       district_id=XICHENG)
    GridAssignment.objects.create(worker=worker, grid_id=XC_GRID)
    GridWorker.objects.create(name="李四", force=Force.BASIC, street_id=STREET_CY,
                              district_id=CHAOYANG)
    PlaceAlias.objects.create(alias="老胡同", code="110102001001")
    PlaceAlias.objects.create(alias="建外老街", code="110105001001")
    territory_mark_changed()
    make_department()
    make_department(code="CY-CGZF", name="朝阳区城管执法局", area_code=CHAOYANG)
    make_user(Role.STREET_DISPATCHER, STREET_W, username="xc-dispatcher")
    make_user(Role.STREET_DISPATCHER, STREET_CY, username="cy-dispatcher")
    return {"micro": XC_GRID + "001", "source": source.pk, "worker": worker.pk}


@pytest.fixture
def superuser_client(client, world):
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-only"))
    return client


@pytest.fixture
def district_client(client, world):
    admin = make_user(Role.DISTRICT_ADMIN, XICHENG, username="xc-admin")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return client


def page(client, name, *args, **query):
    return client.get(reverse(f"admin:{name}", args=args), query, secure=True)


def objects(world):
    return {
        "territory_district": XICHENG, "territory_street": STREET_W,
        "territory_community": "110102001001", "territory_grid": XC_GRID,
        "territory_microgrid": world["micro"], "territory_sourcegrid": world["source"],
        "territory_gridcrosswalk": GridCrosswalk.objects.get().pk,
        "territory_gridworker": world["worker"],
        "territory_placealias": PlaceAlias.objects.get(alias="老胡同").pk,
        "territory_territoryrevision": TerritoryRevision.objects.get().pk,
        "accounts_user": User.objects.get(username="xc-dispatcher").pk,
        "dispatch_department": Department.objects.get(code="XC-CGZF").pk,
    }


def test_every_changelist_and_change_page_renders_for_a_superuser(superuser_client, world):
    index = superuser_client.get("/admin/", secure=True)
    assert index.status_code == 200
    assert "区域与网格" in index.content.decode()
    for model, pk in objects(world).items():
        changelist = page(superuser_client, f"{model}_changelist")
        assert changelist.status_code == 200, model
        change = page(superuser_client, f"{model}_change", pk)
        assert change.status_code == 200, model
    html = page(superuser_client, "territory_grid_changelist").content.decode()
    assert "网格" in html and XC_GRID in html and CY_GRID in html
    # Geometry shows as a drawing and a summary, never as bytes.
    grid = page(superuser_client, "territory_grid_change", XC_GRID).content.decode()
    assert "<svg" in grid and "Polygon" in grid and "面积(平方米)" in grid
    for model in ("territory_grid", "territory_gridworker", "accounts_user",
                  "dispatch_department", "territory_placealias"):
        assert page(superuser_client, f"{model}_add").status_code == 200, model


def test_read_only_models_cannot_be_added(superuser_client):
    assert page(superuser_client, "territory_gridcrosswalk_add").status_code == 403
    assert page(superuser_client, "territory_territoryrevision_add").status_code == 403


def test_filters_and_search_work(superuser_client):
    html = page(superuser_client, "territory_grid_changelist",
                district__code__exact=XICHENG, street=STREET_W).content.decode()
    assert XC_GRID in html and "110102003001001" not in html and CY_GRID not in html
    html = page(superuser_client, "territory_grid_changelist", q="11010500").content.decode()
    assert CY_GRID in html and XC_GRID not in html


def test_a_district_admin_sees_only_their_district(district_client):
    html = page(district_client, "territory_grid_changelist").content.decode()
    assert XC_GRID in html and "110102003002002" in html and CY_GRID not in html
    assert page(district_client, "territory_grid_change", CY_GRID).status_code == 302
    assert page(district_client, "territory_grid_change", XC_GRID).status_code == 200
    for model, mine, theirs in [
        ("territory_street", STREET_W, STREET_CY),
        ("territory_gridworker", "张三", "李四"),
        ("territory_placealias", "老胡同", "建外老街"),
        ("accounts_user", "xc-dispatcher", "cy-dispatcher"),
        ("dispatch_department", "西城区城管执法局", "朝阳区城管执法局"),
    ]:
        html = page(district_client, f"{model}_changelist").content.decode()
        assert mine in html and theirs not in html, model


def test_a_district_admin_cannot_save_outside_their_district(district_client):
    url = reverse("admin:territory_street_add")
    response = district_client.post(url, {"code": "110105009", "name": "外区街道",
                                           "district": CHAOYANG, "kind": "street"}, secure=True)
    assert response.status_code == 200  # the form again, with the error
    assert not Street.objects.filter(code="110105009").exists()
    response = district_client.post(url, {"code": "110102009", "name": "新设街道",
                                          "district": XICHENG, "kind": "street"}, secure=True)
    assert response.status_code == 302
    assert Street.objects.filter(code="110102009", district_id=XICHENG).exists()


def test_admin_user_form_applies_the_scope_rules(district_client):
    url = reverse("admin:accounts_user_add")
    data = {"username": "new-admin", "usable_password": "true", "password1": "Grid-2024-long!",
            "password2": "Grid-2024-long!", "role": Role.CITY_ADMIN, "area_code": ""}
    response = district_client.post(url, data, secure=True)
    assert response.status_code == 200 and "市级管理员" in response.content.decode()
    data.update(role=Role.STREET_DISPATCHER, area_code="110102001001")  # a community, not a street
    response = district_client.post(url, data, secure=True)
    assert response.status_code == 200 and "街道派遣员的辖区应为" in response.content.decode()
    data.update(area_code=STREET_W)
    assert district_client.post(url, data, secure=True).status_code == 302
    assert User.objects.get(username="new-admin").area_code == STREET_W
    # The superuser switch is not on their pages at all.
    assert "is_superuser" not in page(district_client, "accounts_user_add").content.decode()


def test_saving_a_place_bumps_the_territory_revision(superuser_client):
    before = territory_revision()
    grid = Grid.objects.get(code=XC_GRID)
    response = superuser_client.post(
        reverse("admin:territory_grid_change", args=[XC_GRID]),
        {"name": "新名字网格", "community": grid.community_id}, secure=True)
    assert response.status_code == 302
    assert Grid.objects.get(code=XC_GRID).name == "新名字网格"
    assert territory_revision() == before + 1


def test_staff_without_an_admin_role_see_no_territory_admin(client, world):
    dispatcher = User.objects.get(username="xc-dispatcher")
    dispatcher.is_staff = True
    dispatcher.save()
    client.force_login(dispatcher)
    assert page(client, "territory_grid_changelist").status_code == 200  # may read its street
    assert page(client, "territory_grid_add").status_code == 403
    assert page(client, "accounts_user_changelist").status_code == 403
    resident = make_user(Role.RESIDENT, username="resident")
    client.force_login(resident)
    assert page(client, "territory_grid_changelist").status_code == 302  # to the login page
