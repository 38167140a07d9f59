import random

import pytest

from civicgrid.accounts.models import Role
from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.demo.routing import ensure_demo_routing
from civicgrid.dispatch.models import Category, Department, RoutingRule, UnitKind
from civicgrid.dispatch.routing import Router, get_router, route
from civicgrid.dispatch.services import routing_rule_create, routing_rule_update
from tests.factories import STREET_E, STREET_W, XICHENG, make_department, make_user

COMMUNITY = STREET_W + "001"
GRID = COMMUNITY + "001"
OTHER_GRID = COMMUNITY + "002"
CASE = {"district_code": XICHENG, "street_code": STREET_W, "community_code": COMMUNITY,
        "grid_code": GRID}


@pytest.fixture
def tree(territory):
    """Root X > class X01 > leaves X0101 (component), X0102; departments A..F; a city admin."""
    def cat(code, parent=None, kind="component", unit=UnitKind.DEPARTMENT):
        return Category.objects.create(code=code, name=f"类{code}", parent=parent, kind=kind,
                                       stream="city_management", default_unit_kind=unit)
    root = cat("X")
    cls = cat("X01", root)
    depts = {c: make_department(f"D-{c}", f"{c}部门") for c in "ABCDEF"}
    return {"root": root, "class": cls, "leaf": cat("X0101", cls), "sibling": cat("X0102", cls),
            "event": cat("Y", kind="event", unit=UnitKind.STREET),
            "service": cat("Z", kind="service", unit=UnitKind.COMMUNITY),
            "dept": depts, "admin": make_user(Role.CITY_ADMIN)}


def rule(tree, category, area, dept=None, *, target="department", priority=0, note=""):
    return routing_rule_create(actor=tree["admin"], category=category, area_code=area,
                               target=target, department=tree["dept"].get(dept),
                               priority=priority, note=note)


def test_exact_category_beats_parent_beats_any_even_when_the_area_is_wider(tree):
    rule(tree, None, GRID, "A")
    rule(tree, tree["class"], COMMUNITY, "B")
    exact = rule(tree, tree["leaf"], XICHENG, "C")
    d = route(category=tree["leaf"], **CASE)
    assert (d.department_id, d.rule_id) == (tree["dept"]["C"].pk, exact.pk)
    assert route(category=tree["sibling"], **CASE).department_id == tree["dept"]["B"].pk
    assert route(category=tree["event"], **CASE).department_id == tree["dept"]["A"].pk
    assert route(category=None, **CASE).department_id == tree["dept"]["A"].pk


def test_longest_area_wins_grid_community_street_district_city(tree):
    for dept, area in zip("ABCDE", ["", XICHENG, STREET_W, COMMUNITY, GRID], strict=True):
        rule(tree, tree["leaf"], area, dept)
    leaf = tree["leaf"]
    assert route(category=leaf, **CASE).department_id == tree["dept"]["E"].pk
    assert route(category=leaf, **{**CASE, "grid_code": OTHER_GRID}).department_id == \
        tree["dept"]["D"].pk
    other_community = STREET_W + "002"
    assert route(category=leaf, district_code=XICHENG, street_code=STREET_W,
                 community_code=other_community).department_id == tree["dept"]["C"].pk
    assert route(category=leaf, district_code=XICHENG, street_code=STREET_E
                 ).department_id == tree["dept"]["B"].pk
    assert route(category=leaf, district_code="110105").department_id == tree["dept"]["A"].pk


def test_priority_then_lowest_id(tree):
    first = rule(tree, tree["leaf"], XICHENG, "A")
    rule(tree, tree["leaf"], XICHENG, "B")
    assert route(category=tree["leaf"], **CASE).rule_id == first.pk
    high = rule(tree, tree["leaf"], XICHENG, "C", priority=5)
    assert route(category=tree["leaf"], **CASE).rule_id == high.pk


def test_territory_target_uses_the_cases_own_codes_or_falls_through(tree):
    street_rule = rule(tree, tree["event"], XICHENG, target="street", note="事件先属地")
    backup = rule(tree, None, XICHENG, "F")
    d = route(category=tree["event"], **CASE)
    assert (d.department_id, d.area_code, d.rule_id) == (None, STREET_W, street_rule.pk)
    assert "先属地后属主" in d.reason_zh and f"#{street_rule.pk}" in d.reason_zh
    unlocated = route(category=tree["event"], district_code=XICHENG)
    assert (unlocated.department_id, unlocated.rule_id) == (tree["dept"]["F"].pk, backup.pk)
    assert f"规则#{street_rule.pk}" in unlocated.reason_zh and "已跳过" in unlocated.reason_zh
    community_rule = rule(tree, tree["service"], STREET_W, target="community")
    d = route(category=tree["service"], **CASE)
    assert (d.area_code, d.rule_id) == (COMMUNITY, community_rule.pk)


def test_fallback_by_default_unit_kind(tree):
    event = route(category=tree["event"], **CASE)
    assert (event.area_code, event.rule_id) == (STREET_W, None)
    assert "默认处置单位" in event.reason_zh and "先属地后属主" in event.reason_zh
    assert "西长安街街道" in event.reason_zh
    service = route(category=tree["service"], **CASE)
    assert service.area_code == COMMUNITY
    assert route(category=tree["service"], district_code=XICHENG,
                 street_code=STREET_W).area_code == STREET_W
    component = route(category=tree["leaf"], **CASE)
    assert not component.decided
    assert "先属主后属地" in component.reason_zh and "请派遣员手工选择" in component.reason_zh
    assert not route(category=tree["event"], district_code=XICHENG).decided


def test_explanation_names_rule_area_note_and_unit(tree):
    r = rule(tree, tree["class"], XICHENG, "A", note="《西城区责任清单》第3条")
    reason = route(category=tree["leaf"], **CASE).reason_zh
    assert reason.startswith(f"按责任清单规则#{r.pk}（类X01类")
    for part in ("本案“类X0101”属于该类", "西城区（110102）", "先属主后属地",
                 "《西城区责任清单》第3条", "派往 A部门"):
        assert part in reason


def test_inactive_rules_and_departments_are_skipped(tree):
    r = rule(tree, tree["leaf"], XICHENG, "A")
    rule(tree, tree["leaf"], "", "B")
    routing_rule_update(actor=tree["admin"], rule=r, active=False)
    assert route(category=tree["leaf"], **CASE).department_id == tree["dept"]["B"].pk
    Department.objects.filter(code="D-B").update(active=False)
    assert not get_router(refresh=True).route(tree["leaf"].pk, **CASE).decided


def test_rule_validation_and_scope(tree):
    with pytest.raises(InvalidInput, match="必须选择部门"):
        rule(tree, tree["leaf"], XICHENG)
    with pytest.raises(InvalidInput, match="区县、街道、社区、网格编码"):
        rule(tree, tree["leaf"], "1101", "A")
    district_admin = make_user(Role.DISTRICT_ADMIN, "110105")
    with pytest.raises(PermissionDenied):
        routing_rule_create(actor=district_admin, category=None, area_code=XICHENG,
                            target="street")
    assert routing_rule_create(actor=district_admin, category=None, area_code="110105",
                               target="street").pk


def test_route_many_equals_route_on_random_rules(tree):
    rng = random.Random(7)
    cats = [tree[k].pk for k in ("root", "class", "leaf", "sibling", "event", "service")]
    areas = ["", XICHENG, STREET_W, STREET_E, COMMUNITY, STREET_W + "002", GRID, OTHER_GRID]
    depts = [d.pk for d in tree["dept"].values()]
    categories = list(Category.objects.order_by("id").values_list(
        "id", "code", "name", "parent_id", "keywords", "active", "kind", "default_unit_kind"))
    departments = [(d, str(d), True) for d in depts]
    for _round in range(20):
        rules = []
        for rid in range(1, rng.randint(1, 14)):
            target = rng.choice(["department", "street", "community"])
            rules.append((rid, rng.choice([None, *cats]), rng.choice(areas), target,
                          rng.choice(depts) if target == "department" else None,
                          rng.randint(0, 2), ""))
        router = Router(categories, rules, departments)
        cases = []
        for _ in range(60):
            grid = rng.choice(["", GRID, OTHER_GRID])
            community = grid[:12] if grid else rng.choice(["", COMMUNITY])
            street = community[:9] if community else rng.choice(["", STREET_W, STREET_E])
            district = street[:6] if street else rng.choice(["", XICHENG])
            cases.append((rng.choice([-1, *cats]), district, street, community, grid))
        got = router.route_many(*map(list, zip(*cases, strict=True)), explain=True)
        for i, (cid, d, s, c, g) in enumerate(cases):
            want = router.route(cid if cid != -1 else None, d, s, c, g)
            assert (got[0][i], got[1][i], got[2][i], got[3][i]) == (
                want.department_id or -1, want.area_code, want.rule_id or -1, want.reason_zh), (
                rules, cases[i])


def test_demo_responsibility_list(territory):
    assert ensure_demo_routing() > 30
    assert ensure_demo_routing() == 0
    by = {c.code: c for c in Category.objects.all()}
    dept = {d.code: d.pk for d in Department.objects.all()}
    assert route(category=by["C0101"], **CASE).department_id == dept["BJ-ZLS"]
    assert route(category=by["C0106"], **CASE).department_id == dept["XC-CGW"]  # class line
    lamp = route(category=by["C0109"], **CASE)
    assert lamp.department_id == dept["XC-CGW"] and "先属主后属地" in lamp.reason_zh
    litter = route(category=by["E0101"], **CASE)
    assert litter.area_code == STREET_W and "先属地后属主" in litter.reason_zh
    # 西长安街 keeps street order with the district's enforcement bureau; 新街口 does it itself.
    assert route(category=by["E0502"], **CASE).department_id == dept["XC-CGZF"]
    east = {**CASE, "street_code": STREET_E, "community_code": STREET_E + "001", "grid_code": ""}
    assert route(category=by["E0502"], **east).area_code == STREET_E
    assert route(category=by["S0101"], **CASE).area_code == COMMUNITY
    assert route(category=by["E0403"], **CASE).department_id == dept["BJ-RQ"]
    fitness = route(category=by["C0601"], **CASE)  # no line: the default (community)
    assert fitness.rule_id is None and fitness.area_code == COMMUNITY
    assert RoutingRule.objects.filter(category__isnull=True).count() == 0
