"""Duplicates: found by category, distance and time; merged by a dispatcher keeping every
reporter."""

import datetime as dt

import pytest

from civicgrid.cases.duplicates import find_duplicates
from civicgrid.cases.models import Case, Channel, Reporter
from civicgrid.cases.selectors import case_for_resident
from civicgrid.cases.services.intake import case_intake
from civicgrid.cases.services.merge import case_merge
from civicgrid.cases.workflow import State
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.core.geo import metres_to_degrees
from civicgrid.dispatch.models import Category
from civicgrid.territory.locator import reset_locator

from .conftest import T0

LON, LAT = 116.305, 39.905  # the conftest's place


def east(metres):
    return LON + metres_to_degrees(metres, LAT)


def test_open_cases_of_the_category_near_in_space_and_time(make_case, category):
    base = make_case(State.REPORTED)
    near = make_case(State.HANDLING, lon=east(20), reported_at=T0 + dt.timedelta(hours=1))
    nearer = make_case(State.REGISTERED, lon=east(5))
    make_case(State.REGISTERED, lon=east(55))  # outside the 50 m radius
    make_case(State.CLOSED)  # finished
    make_case(State.REJECTED)
    make_case(State.REGISTERED, reported_at=T0 - dt.timedelta(hours=73))  # outside 72 h
    other = Category.objects.create(code="T-LAMP", name="路灯", stream="city_management",
                                    kind="component")
    make_case(State.REGISTERED, category=other)
    found = find_duplicates(base)
    assert found == [nearer, near]
    assert 4 < found[0].distance_m < 6 and 19 < found[1].distance_m < 21
    assert make_case(State.REGISTERED, lon=east(45)) in find_duplicates(base)


def test_no_candidates_without_category_or_coordinates(make_case):
    make_case(State.REGISTERED)
    assert find_duplicates(make_case(State.REPORTED, category=None)) == []
    assert find_duplicates(make_case(State.REPORTED, lon=None, lat=None)) == []


def test_intake_flags_duplicates_and_records_them(make_case, actors, category, settings,
                                                  tmp_path, territory):
    settings.MEDIA_ROOT = tmp_path
    reset_locator()
    first = make_case(State.REGISTERED, reported_at=dt.datetime.now(dt.UTC))
    r = case_intake(actor=actors.dispatcher, channel=Channel.HOTLINE, description="路面塌陷",
                    lon=east(10), lat=LAT, category=category)
    reset_locator()
    assert r.duplicates == [first]
    assert r.case.events.get().data["duplicates"][0]["number"] == first.number


def test_merge_keeps_every_reporter_and_tracks_by_old_number(make_case, actors):
    target = make_case(State.REGISTERED)
    duplicate = make_case(State.REPORTED, reporter_phone="13911112222")
    merged = case_merge(duplicate=duplicate, into=target, actor=actors.dispatcher, note="同一处")
    assert (merged.state, merged.merged_into_id) == (State.MERGED, target.pk)
    reporters = list(target.reporters.order_by("id"))
    assert [(r.phone, r.is_primary, r.original_case_number) for r in reporters] == [
        ("13800138000", True, ""), ("13911112222", False, duplicate.number)]
    assert merged.events.get().action == "merge"
    note = target.events.get()
    assert note.data["merged_from"] == duplicate.number and duplicate.number in note.note
    # The second reporter still tracks the problem with the number they were given.
    public = case_for_resident(duplicate.number, "13911112222")
    assert public.number == target.number and public.merged_from == duplicate.number


def test_reporters_merged_twice_keep_their_first_number(make_case, actors):
    a, b, c = (make_case(State.REPORTED, reporter_phone=p)
               for p in ("13900000001", "13900000002", "13900000003"))
    case_merge(duplicate=a, into=b, actor=actors.dispatcher)
    case_merge(duplicate=Case.objects.get(pk=b.pk), into=c, actor=actors.dispatcher)
    assert sorted(c.reporters.values_list("phone", "original_case_number")) == [
        ("13900000001", a.number), ("13900000002", b.number), ("13900000003", "")]


def test_merge_refusals(make_case, actors, category):
    target = make_case(State.REGISTERED)
    other = Category.objects.create(code="T-LAMP", name="路灯", stream="city_management",
                                    kind="component")
    odd = make_case(State.REPORTED, category=other)
    with pytest.raises(InvalidInput):
        case_merge(duplicate=odd, into=target, actor=actors.dispatcher)
    with pytest.raises(InvalidInput):
        case_merge(duplicate=odd, into=target, actor=actors.dispatcher, force=True)
    merged = case_merge(duplicate=odd, into=target, actor=actors.dispatcher, force=True,
                        reason="分类录错，实为同一处塌陷")
    assert merged.events.get().data["forced"] is True
    with pytest.raises(InvalidInput):  # already merged: not possible in this state
        case_merge(duplicate=merged, into=target, actor=actors.dispatcher)
    dup = make_case(State.REPORTED)
    with pytest.raises(Conflict):
        case_merge(duplicate=dup, into=make_case(State.CLOSED), actor=actors.dispatcher)
    with pytest.raises(InvalidInput):
        case_merge(duplicate=dup, into=dup, actor=actors.dispatcher)
    for actor in (actors.handler, actors.grid_worker, actors.other_dispatcher):
        with pytest.raises(PermissionDenied):
            case_merge(duplicate=dup, into=target, actor=actor)
    assert Case.objects.get(pk=dup.pk).state == State.REPORTED
    assert Reporter.objects.get(case=dup).is_primary
