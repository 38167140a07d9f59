"""The permission policy: a street's staff cannot see or touch another street's objects."""

import pytest

from civicgrid.core import permissions
from civicgrid.core.errors import PermissionDenied
from civicgrid.territory.models import Community, District, Grid, Street
from tests.factories import CHAOYANG, STREET_E, STREET_W, XICHENG, Role, make_department, make_user

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_street_staff_see_only_their_street_and_its_ancestors(territory):
    dispatcher = make_user(Role.STREET_DISPATCHER, STREET_W)
    assert codes(permissions.visible(dispatcher, Grid.objects.all())) == [
        "110102001001001", "110102001001002", "110102001002001", "110102001002002"]
    assert codes(permissions.visible(dispatcher, Community.objects.all())) == [
        "110102001001", "110102001002"]
    # Their own street and the district above it, nothing of the neighbour street.
    assert codes(permissions.visible(dispatcher, Street.objects.all())) == [STREET_W]
    assert codes(permissions.visible(dispatcher, District.objects.all())) == [XICHENG]


def test_street_staff_cannot_touch_another_streets_grid(territory):
    commander = make_user(Role.STREET_COMMANDER, STREET_W)
    own, other = territory["110102001001001"], territory["110102003001001"]
    assert permissions.may(commander, "staffing.edit", own)
    assert not permissions.may(commander, "staffing.edit", other)
    with pytest.raises(PermissionDenied):
        permissions.require(commander, "staffing.edit", other)
    # Reading the ancestors is fine, changing them is not.
    assert permissions.may(commander, "territory.view", territory[XICHENG])
    assert not permissions.may(commander, "staffing.edit", territory[XICHENG])


def test_district_admin_sees_the_district_not_the_neighbour(territory):
    admin = make_user(Role.DISTRICT_ADMIN, XICHENG)
    assert len(codes(permissions.visible(admin, Grid.objects.all()))) == 8
    assert permissions.may(admin, "territory.edit", territory[STREET_E])
    assert not permissions.may(admin, "territory.edit", territory[CHAOYANG])
    assert codes(permissions.visible(admin, District.objects.all())) == [XICHENG]


def test_city_admin_sees_everything(territory):
    admin = make_user(Role.CITY_ADMIN, "")
    assert Grid.objects.count() == permissions.visible(admin, Grid.objects.all()).count() == 9


def test_resident_and_anonymous_see_no_territory_rows(territory):
    from django.contrib.auth.models import AnonymousUser

    resident = make_user(Role.RESIDENT)
    for actor in (resident, AnonymousUser(), None):
        assert not permissions.visible(actor, Grid.objects.all(), action="territory.view").exists()
        assert not permissions.may(actor, "territory.view", territory[XICHENG])


def test_auditor_reads_but_never_writes(territory):
    auditor = make_user(Role.AUDITOR, "")
    assert permissions.may(auditor, "territory.view", territory[STREET_W])
    assert not permissions.may(auditor, "territory.edit", territory[STREET_W])


def test_department_handler_sees_the_departments_jurisdiction(territory):
    dept = make_department(area_code=XICHENG)
    handler = make_user(Role.DEPARTMENT_HANDLER, department=dept)
    assert codes(permissions.visible(handler, District.objects.all())) == [XICHENG]
    assert not permissions.may(handler, "staffing.view")


def test_unknown_action_is_a_programming_error(territory):
    with pytest.raises(KeyError):
        permissions.may(make_user(Role.CITY_ADMIN), "no.such.action")


def test_department_sees_only_cases_handed_to_it(territory):
    from django.utils import timezone

    from civicgrid.cases.models import Case

    dept, other = make_department(), make_department(code="XC-ZJW", name="西城区住建委")
    handler = make_user(Role.DEPARTMENT_HANDLER, department=dept)
    common = dict(channel="hotline", description="井盖丢失", reported_at=timezone.now(),
                  district_code=XICHENG, street_code=STREET_W)
    mine = Case.objects.create(number="XC-1", unit_department=dept, **common)
    theirs = Case.objects.create(number="XC-2", unit_department=other, **common)
    undispatched = Case.objects.create(number="XC-3", **common)
    assert list(permissions.visible(handler, Case.objects.all())) == [mine]
    assert permissions.may(handler, "case.act", mine)
    assert not permissions.may(handler, "case.act", theirs)
    assert not permissions.may(handler, "case.view", undispatched)
    # A street dispatcher of that street sees all three; of the other street, none.
    assert permissions.visible(make_user(Role.STREET_DISPATCHER, STREET_W),
                               Case.objects.all()).count() == 3
    assert not permissions.visible(make_user(Role.STREET_DISPATCHER, STREET_E),
                                   Case.objects.all()).exists()
