"""Demo whistles in 月坛街道 (110102007), made through the services like real ones:

- a closed whistle of three days ago (群租房): three departments summoned, 区房管局 reported in
  late, the street confirmed and scored every department;
- an open whistle raised two and a half hours before loading (背街小巷环境整治, two hours to
  report in): 区城管委 on site, 区园林绿化局 overdue, and 区城管执法局 — summoned later, with its
  own deadline — acknowledged and on its way, so the demo handler account can report in. The
  statuses are derived from the clock, so they move on as time passes, as real ones would;
- a few dispatch-accuracy ratings by 区城管执法局 on demo cases dispatched to it, one misrouted.

Departments other than the demo handler's act through duty accounts (值班员) that cannot sign
in. Idempotent: nothing is made twice (whistles are found by their title in the street).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from civicgrid.accounts.models import Role, User
from civicgrid.dispatch.models import Department
from civicgrid.territory.models import Grid
from civicgrid.whistles import services
from civicgrid.whistles.catalogue import catalogue_load_default
from civicgrid.whistles.models import DispatchRating, Whistle, WhistleProblem

from .departments import HANDLER_DEPARTMENT, ensure_departments
from .users import DEMO_COMMUNITY, DEMO_STREET, ensure_users

CLOSED_TITLE = "月坛北小街某小区群租房联合整治"
OPEN_TITLE = "三里河一区背街小巷环境整治"


def _duty(code: str) -> User:
    """The duty officer account of a department (no password: it cannot sign in)."""
    dept = Department.objects.get(code=code)
    user, created = User.objects.get_or_create(
        username=f"duty-{code.lower()}",
        defaults={"role": Role.DEPARTMENT_HANDLER, "department": dept,
                  "first_name": f"{dept.short_name or dept.name}值班员"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _handler(code: str) -> User:
    if code == HANDLER_DEPARTMENT:
        user = User.objects.filter(username="handler", department__code=code).first()
        if user is not None:
            return user
    return _duty(code)


def _site(offset: int) -> tuple[float, float]:
    grids = list(Grid.objects.filter(code__startswith=DEMO_COMMUNITY).order_by("code")[:4]) \
        or list(Grid.objects.filter(code__startswith=DEMO_STREET).order_by("code")[:4])
    point = grids[offset % len(grids)].shape.representative_point()
    return point.x, point.y


def _depts(*codes: str) -> list[Department]:
    return list(Department.objects.filter(code__in=codes))


def _closed_whistle(dispatcher, commander, now) -> None:
    raised = timezone.localtime(now - dt.timedelta(days=3)).replace(hour=9, minute=40, second=0,
                                                                 microsecond=0)
    at = lambda m: raised + dt.timedelta(minutes=m)  # noqa: E731
    lon, lat = _site(0)
    w = services.whistle_raise(
        actor=dispatcher, problem=WhistleProblem.objects.get(code="ZF0301"), title=CLOSED_TITLE,
        description="居民反映3号楼一套两居室被隔成11间出租，楼道堆放电动车，存在消防隐患；"
                    "社区多次劝导无效，需执法、房管、公安联合处置。",
        departments=_depts("XC-CGZF", "XC-FGJ", "XC-GAFJ"), lon=lon, lat=lat,
        address="月坛北小街某小区3号楼", at=raised)
    timeline = {"XC-CGZF": (4, 22), "XC-GAFJ": (6, 18), "XC-FGJ": (12, 47)}  # 房管局 late
    for ri in w.report_ins.select_related("department", "whistle__problem"):
        ack, arrive = timeline[ri.department.code]
        actor = _handler(ri.department.code)
        services.report_in_acknowledge(actor=actor, report_in=ri, at=at(ack))
        ri.refresh_from_db()
        services.report_in_arrive(actor=actor, report_in=ri, lon=lon + 0.0004, lat=lat,
                                  at=at(arrive))
    w = services.whistle_resolve(actor=_handler("XC-CGZF"), whistle=w, at=at(190),
                                 result="拆除违规隔断9处，清退租户14人，电动车移至集中充电棚；"
                                        "房管局责令房主限期整改。")
    w = services.whistle_close(actor=commander, whistle=w, at=at(215))
    scores = {"XC-CGZF": (100, 95, 92, "响应迅速，现场组织有力"),
              "XC-GAFJ": (100, 90, 90, ""),
              "XC-FGJ": (60, 85, 88, "迟到17分钟，到场后配合良好")}
    for code, (t, a, r, comment) in scores.items():
        services.score_department(
            actor=commander, department=Department.objects.get(code=code), whistle=w,
            items={"whistle_timeliness": t, "whistle_attitude": a, "whistle_result": r},
            comment=comment, at=at(240))


def _open_whistle(dispatcher, commander, now) -> None:
    raised = now - dt.timedelta(minutes=150)
    at = lambda m: raised + dt.timedelta(minutes=m)  # noqa: E731
    lon, lat = _site(1)
    w = services.whistle_raise(
        actor=commander, problem=WhistleProblem.objects.get(code="ZD0101"), title=OPEN_TITLE,
        description="三里河一区背街小巷整治提升：私搭棚架、架空线缆杂乱、绿地缺株，"
                    "需城管、园林部门现场会商并分工。",
        departments=_depts("XC-CGW", "XC-YLJ"), lon=lon, lat=lat,
        address="三里河一区内部道路", at=raised)
    cgw = w.report_ins.select_related("department", "whistle__problem").get(
        department__code="XC-CGW")
    services.report_in_acknowledge(actor=_handler("XC-CGW"), report_in=cgw, at=at(6))
    cgw.refresh_from_db()
    services.report_in_arrive(actor=_handler("XC-CGW"), report_in=cgw, lon=lon, lat=lat + 0.0003,
                              at=at(35), note="已到场，正在核对架空线权属")
    w.refresh_from_db()
    [late_call] = services.whistle_summon(actor=dispatcher, whistle=w,
                                          departments=_depts("XC-CGZF"), at=now - dt.timedelta(
                                              minutes=20))
    late_call = type(late_call).objects.select_related("department", "whistle").get(
        whistle=w, department__code="XC-CGZF")
    services.report_in_acknowledge(actor=_handler("XC-CGZF"), report_in=late_call,
                                   at=now - dt.timedelta(minutes=12))


def _dispatch_ratings(now) -> int:
    from civicgrid.cases.models import CaseEvent

    handler = _handler(HANDLER_DEPARTMENT)
    if DispatchRating.objects.filter(department=handler.department,
                                     case__street_code=DEMO_STREET).exists():
        return 0
    case_ids = list(CaseEvent.objects.filter(
        action="dispatch", unit_department=handler.department,
        case__street_code=DEMO_STREET).order_by("-at").values_list("case_id", flat=True)[:4])
    from civicgrid.cases.models import Case

    made = 0
    for i, case in enumerate(Case.objects.filter(pk__in=case_ids).order_by("pk")):
        misrouted = i == 0
        services.dispatch_rate(
            actor=handler, case=case, accurate=not misrouted,
            note="系小区内部绿化，应由物业或区园林绿化局处理" if misrouted else "",
            at=now - dt.timedelta(days=1, hours=i))
        made += 1
    return made


@transaction.atomic
def ensure_demo_whistles() -> int:
    """Make the demo whistles, scores and dispatch ratings that are missing; returns how many
    whistles and ratings were made (0 when they exist, or when 月坛街道 is not loaded)."""
    if not Grid.objects.filter(code__startswith=DEMO_STREET).exists():
        return 0
    ensure_departments()
    catalogue_load_default()
    ensure_users()
    dispatcher = User.objects.get(username="dispatcher")
    commander = User.objects.get(username="commander")
    if dispatcher.area_code != DEMO_STREET or commander.area_code != DEMO_STREET:
        return 0  # the demo accounts stand elsewhere: do not whistle in someone else's street
    now = timezone.now()
    made = 0
    have = set(Whistle.objects.filter(street_code=DEMO_STREET, title__in=[
        CLOSED_TITLE, OPEN_TITLE]).values_list("title", flat=True))
    if CLOSED_TITLE not in have:
        _closed_whistle(dispatcher, commander, now)
        made += 1
    if OPEN_TITLE not in have:
        _open_whistle(dispatcher, commander, now)
        made += 1
    return made + _dispatch_ratings(now)
