"""Accounts: the scope must fit the role, and managers only hand out what is theirs."""

import pytest

from civicgrid.accounts.models import User
from civicgrid.accounts.services import user_create, user_update_scope
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import CHAOYANG, STREET_E, STREET_W, XICHENG, Role, make_department, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes ~0.2 s per account: far too slow for tests that create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PASSWORD = "Grid-Worker-2024!"
COMMUNITY, GRID = "110102001001", "110102001001001"


@pytest.fixture
def city_admin(territory):
    return make_user(Role.CITY_ADMIN, "")


def create(actor, role, area_code="", **kw):
    kw.setdefault("password", PASSWORD)
    return user_create(actor=actor, username=f"u{User.objects.count()}", role=role,
                       area_code=area_code, **kw)


@pytest.mark.parametrize("role, good, bad", [
    (Role.GRID_WORKER, [COMMUNITY, GRID], ["", XICHENG, STREET_W]),
    (Role.COMMUNITY_STAFF, [COMMUNITY], ["", STREET_W, GRID]),
    (Role.STREET_DISPATCHER, [STREET_W], ["", XICHENG, COMMUNITY]),
    (Role.STREET_COMMANDER, [STREET_E], [XICHENG, COMMUNITY]),
    (Role.DISTRICT_ADMIN, [XICHENG], ["", STREET_W]),
    (Role.CITY_ADMIN, [""], [XICHENG]),
    (Role.AUDITOR, ["", XICHENG, STREET_W], [COMMUNITY, GRID]),
    (Role.RESIDENT, [""], [XICHENG, COMMUNITY]),
    (Role.DEPARTMENT_HANDLER, [], ["", XICHENG]),  # needs a department, never an area
])
def test_each_role_takes_only_its_scope_levels(city_admin, role, good, bad):
    for area in good:
        user = create(city_admin, role, area)
        assert (user.role, user.area_code) == (role, area)
        assert user.check_password(PASSWORD)
    for area in bad:
        with pytest.raises(InvalidInput):
            create(city_admin, role, area)


def test_department_handler_needs_a_department_and_others_none(city_admin):
    dept = make_department()
    handler = create(city_admin, Role.DEPARTMENT_HANDLER, department=dept)
    assert handler.department == dept and handler.area_code == ""
    with pytest.raises(InvalidInput, match="部门"):
        create(city_admin, Role.STREET_DISPATCHER, STREET_W, department=dept)
    with pytest.raises(InvalidInput, match="部门"):
        create(city_admin, Role.RESIDENT, department=dept)


def test_the_area_must_exist_in_the_territory(city_admin):
    with pytest.raises(InvalidInput, match="不存在"):
        create(city_admin, Role.STREET_DISPATCHER, "110102099")
    with pytest.raises(InvalidInput, match="不存在"):
        create(city_admin, Role.GRID_WORKER, "110102001001099")


def test_district_admin_creates_inside_their_district_only(city_admin):
    admin = make_user(Role.DISTRICT_ADMIN, XICHENG)
    assert create(admin, Role.STREET_DISPATCHER, STREET_W).area_code == STREET_W
    assert create(admin, Role.DEPARTMENT_HANDLER,
                  department=make_department(area_code=XICHENG)).role == Role.DEPARTMENT_HANDLER
    with pytest.raises(PermissionDenied):
        create(admin, Role.STREET_DISPATCHER, "110105001")  # 朝阳区's street
    with pytest.raises(PermissionDenied):
        create(admin, Role.DISTRICT_ADMIN, CHAOYANG)
    with pytest.raises(PermissionDenied):
        create(admin, Role.CITY_ADMIN, "")  # never a city admin
    with pytest.raises(PermissionDenied):
        create(admin, Role.AUDITOR, "")  # nor anything city-wide
    city_dept = make_department(code="SJ-GAJ", name="市公安局", area_code="")
    with pytest.raises(PermissionDenied):
        create(admin, Role.DEPARTMENT_HANDLER, department=city_dept)


def test_only_managers_create_accounts(city_admin):
    for role, area in [(Role.STREET_COMMANDER, STREET_W), (Role.AUDITOR, "")]:
        with pytest.raises(PermissionDenied):
            create(make_user(role, area), Role.GRID_WORKER, COMMUNITY)


def test_bad_input_is_refused_with_a_chinese_message(city_admin):
    with pytest.raises(InvalidInput):
        create(city_admin, Role.GRID_WORKER, COMMUNITY, password="123")  # too weak
    with pytest.raises(InvalidInput):
        create(city_admin, "mayor", "")
    with pytest.raises(InvalidInput):
        create(city_admin, Role.GRID_WORKER, COMMUNITY, is_superuser=True)
    user_create(actor=city_admin, username="wang", password=PASSWORD, role=Role.RESIDENT,
                first_name="王", phone="13800000000")
    with pytest.raises(Conflict, match="已被使用"):
        user_create(actor=city_admin, username="wang", password=PASSWORD, role=Role.RESIDENT)


def test_update_scope_checks_the_account_before_and_after(city_admin):
    admin = make_user(Role.DISTRICT_ADMIN, XICHENG)
    worker = create(admin, Role.GRID_WORKER, COMMUNITY)
    user_update_scope(actor=admin, user=worker, role=Role.STREET_DISPATCHER, area_code=STREET_E)
    worker.refresh_from_db()
    assert (worker.role, worker.area_code) == (Role.STREET_DISPATCHER, STREET_E)
    with pytest.raises(InvalidInput):  # a dispatcher stands on a street, not a community
        user_update_scope(actor=admin, user=worker, area_code=COMMUNITY)
    with pytest.raises(PermissionDenied):  # moving them out of the district
        user_update_scope(actor=admin, user=worker, area_code="110105001")
    neighbour = create(city_admin, Role.STREET_DISPATCHER, "110105001")
    with pytest.raises(PermissionDenied):  # not theirs to touch in the first place
        user_update_scope(actor=admin, user=neighbour, area_code=STREET_W)
    with pytest.raises(PermissionDenied):  # nor themselves
        user_update_scope(actor=admin, user=admin, area_code=XICHENG)
    worker.refresh_from_db()
    assert worker.area_code == STREET_E
