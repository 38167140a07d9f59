"""Indicators computed from the ledgers, the cases and the map (issue 7, point 6).

`COMPUTED[code].compute(as_of=date, area_code="")` returns a Decimal, or None when the data do
not allow the figure (no community in the area has a ledger row, nobody to divide by).
`area_code` is '' for the whole city, or a district, street or community code. Each
indicator's `description` says exactly how it is counted; docs/registry.md repeats them. The
plans and targets these figures feed are civicgrid.indicators'; `civicgrid registry compute`
prints them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext_noop as N_

from . import measures as m
from .models import (
    AlleySteward,
    Certificate,
    Enterprise,
    Facility,
    FacilityKind,
    HubLevel,
    LaneChief,
    SocialOrganization,
    TrainingRecord,
    Volunteer,
    Worker,
    WorkerKind,
    valid_on,
)
from .selectors import check_area


@dataclass(frozen=True)
class ComputedIndicator:
    code: str
    name: str  # Chinese
    unit: str  # "%", "个/社区", "件/千人", "个" ...
    description: str  # how it is counted (Chinese)
    func: Callable[[dt.date, str], Decimal | None] = field(repr=False, compare=False)

    def compute(self, *, as_of: dt.date, area_code: str = "") -> Decimal | None:
        return self.func(as_of, check_area(area_code))


# --- communities -------------------------------------------------------------------------------

def service_circle_coverage(as_of: dt.date, area: str) -> Decimal | None:
    bodies = m.community_bodies(area, urban=True)
    codes, lon, lat = m.centroids(sorted(bodies))
    clon, clat = m.service_circle_centres(as_of)
    covered = m.within_walk(lon, lat, clon, clat, m.walk_m())
    return m.percent(int(np.count_nonzero(covered)), len(codes))


def _orgs(as_of: dt.date, area: str) -> tuple[int, list[int]]:
    codes = set(m.community_bodies(area, urban=True))
    per = m.organisations_per_community(codes, as_of)
    return len(codes), [per.get(c, 0) for c in codes]


def orgs_per_community(as_of, area):
    n, counts = _orgs(as_of, area)
    return m.ratio(sum(counts), n)


def communities_with_10_orgs(as_of, area):
    n, counts = _orgs(as_of, area)
    return m.percent(sum(1 for c in counts if c >= 10), n)


def _professionals(as_of: dt.date, area: str) -> tuple[int, list[int]]:
    codes = set(m.community_bodies(area, urban=True))
    per = m.professionals_per_community(codes, as_of)
    return len(codes), [per.get(c, 0) for c in codes]


def social_workers_per_community(as_of, area):
    n, counts = _professionals(as_of, area)
    return m.ratio(sum(counts), n)


def communities_with_2_to_5_social_workers(as_of, area):
    n, counts = _professionals(as_of, area)
    return m.percent(sum(1 for c in counts if 2 <= c <= 5), n)


def facility_area_500(as_of, area):
    known = [r["facility_area_m2"] for r in m.community_bodies(area, urban=True).values()
             if r["facility_area_m2"] is not None]
    return m.percent(sum(1 for a in known if a >= 500), len(known))


# --- per resident ------------------------------------------------------------------------------

def volunteer_ratio(as_of, area):
    population = m.populated(area)
    volunteers = Volunteer.objects.filter(valid_on(as_of),
                                          community_code__in=list(population)).count()
    return m.ratio(volunteers, sum(population.values()), places=4)


def cases_per_1000(as_of, area):
    population = m.populated(area)
    return m.ratio(m.cases_in(set(population), as_of), sum(population.values()), scale=1000)


# --- party-organisation coverage (两个覆盖) ------------------------------------------------------

def party_coverage_enterprises(as_of, area):
    qs = Enterprise.objects.filter(valid_on(as_of), m.in_area(area))
    station_ok = Q(station__has_party_org=True) & (
        Q(station__valid_from__isnull=True) | Q(station__valid_from__lte=as_of)) & (
        Q(station__valid_to__isnull=True) | Q(station__valid_to__gt=as_of))
    return m.percent(qs.filter(Q(has_party_org=True) | station_ok).count(), qs.count())


def party_coverage_orgs(as_of, area):
    qs = SocialOrganization.objects.filter(valid_on(as_of), m.in_area(area))
    return m.percent(qs.filter(has_party_org=True).count(), qs.count())


# --- counts ------------------------------------------------------------------------------------

def _count(model, **filters) -> Callable[[dt.date, str], Decimal]:
    def count(as_of, area):
        return Decimal(model.objects.filter(valid_on(as_of), m.in_area(area), **filters).count())

    return count


def community_workers_trained(as_of, area):
    """Different community workers with a training record in the 365 days up to `as_of`."""
    start = as_of - dt.timedelta(days=364)
    qs = TrainingRecord.objects.filter(date__gte=start, date__lte=as_of,
                                       worker__kind=WorkerKind.COMMUNITY_WORKER)
    return Decimal(qs.filter(m.in_area(area, "worker__")).values("worker_id").distinct().count())


COMPUTED: dict[str, ComputedIndicator] = {ci.code: ci for ci in (
    ComputedIndicator(
        "service_circle_coverage", N_("一刻钟社区服务圈城市社区覆盖率"), "%",
        N_("城市社区（三位一体台账中、区域类型为“社区”且有边界的）中，社区中心点到最近的一刻钟"
           "社区服务圈中心的直线距离不超过步行距离（设置 SERVICE_CIRCLE_WALK_M，默认1000米）的"
           "比例。直线距离短于实际步行路程，结果偏高。"), service_circle_coverage),
    ComputedIndicator(
        "volunteer_ratio", N_("实名注册志愿者与常住人口比值"), N_("比值"),
        N_("登记了常住人口的社区中，当日有效的实名注册志愿者人数 ÷ 这些社区的常住人口。"
           "未登记社区的志愿者不计入。"), volunteer_ratio),
    ComputedIndicator(
        "social_orgs_per_community", N_("城市社区平均社会组织数"), N_("个/社区"),
        N_("每个城市社区内登记或为其服务的社会组织（不重复计数）之和 ÷ 城市社区数。"),
        orgs_per_community),
    ComputedIndicator(
        "communities_with_10_orgs", N_("社会组织达到10个以上的城市社区比例"), "%",
        N_("登记在本社区或为本社区服务的社会组织不少于10个的城市社区 ÷ 城市社区数。"),
        communities_with_10_orgs),
    ComputedIndicator(
        "social_workers_per_community", N_("城市社区平均社会工作专业人才数"), N_("人/社区"),
        N_("社会工作专业人才（社会工作者，以及持助理社会工作师或社会工作师证书的社区工作者）"
           "按所在社区计 ÷ 城市社区数。"), social_workers_per_community),
    ComputedIndicator(
        "communities_with_2_5_social_workers", N_("配备2-5名社会工作专业人才的城市社区比例"), "%",
        N_("社会工作专业人才为2至5名（含）的城市社区 ÷ 城市社区数。"),
        communities_with_2_to_5_social_workers),
    ComputedIndicator(
        "facility_area_500_share", N_("服务设施面积达到500平方米的城市社区比例"), "%",
        N_("三位一体台账填写了服务设施面积的城市社区中，面积不小于500平方米的比例。"),
        facility_area_500),
    ComputedIndicator(
        "party_coverage_enterprises", N_("非公有制企业党组织覆盖率"), "%",
        N_("当日有效的非公有制企业中，单独建立党组织或所属商务楼宇工作站已建联合党组织的比例。"),
        party_coverage_enterprises),
    ComputedIndicator(
        "party_coverage_social_orgs", N_("社会组织党组织覆盖率"), "%",
        N_("当日有效的社会组织（按登记所在区域）中已建党组织的比例。"), party_coverage_orgs),
    ComputedIndicator(
        "cases_per_1000_residents", N_("每千名常住人口案件数"), N_("件/千人"),
        N_("截至当日（含）365天内上报、位于登记了常住人口的社区的案件数（合并到其他案件的重复"
           "上报不计）× 1000 ÷ 这些社区的常住人口。"), cases_per_1000),
    ComputedIndicator(
        "service_circles", N_("一刻钟社区服务圈数量"), N_("个"),
        N_("当日有效的一刻钟社区服务圈中心数。"),
        _count(Facility, kind=FacilityKind.SERVICE_CIRCLE)),
    ComputedIndicator(
        "community_homes", N_("社区之家数量"), N_("个"), N_("当日有效的社区之家数。"),
        _count(Facility, kind=FacilityKind.COMMUNITY_HOME)),
    ComputedIndicator(
        "elderly_stations", N_("养老服务驿站数量"), N_("个"), N_("当日有效的养老服务驿站数。"),
        _count(Facility, kind=FacilityKind.ELDERLY_STATION)),
    ComputedIndicator(
        "hub_orgs_city", N_("市级枢纽型社会组织数量"), N_("个"),
        N_("当日有效、枢纽型层级为市级的社会组织数。"),
        _count(SocialOrganization, hub_level=HubLevel.CITY)),
    ComputedIndicator(
        "hub_orgs_district", N_("区级枢纽型社会组织数量"), N_("个"),
        N_("当日有效、枢纽型层级为区级的社会组织数。"),
        _count(SocialOrganization, hub_level=HubLevel.DISTRICT)),
    ComputedIndicator(
        "hub_orgs_street", N_("街道枢纽型社会组织数量"), N_("个"),
        N_("当日有效、枢纽型层级为街道的社会组织数。"),
        _count(SocialOrganization, hub_level=HubLevel.STREET)),
    ComputedIndicator(
        "social_work_agencies", N_("社会工作服务机构数量"), N_("个"),
        N_("当日有效、标记为社会工作服务机构的社会组织数。"),
        _count(SocialOrganization, is_social_work_agency=True)),
    ComputedIndicator(
        "certified_social_workers", N_("持证社会工作者数量"), N_("人"),
        N_("当日有效、持助理社会工作师或社会工作师证书的人员数。"),
        _count(Worker, certificate__in=[Certificate.ASSISTANT, Certificate.CERTIFIED])),
    ComputedIndicator(
        "community_workers_trained", N_("年度培训社区工作者人数"), N_("人"),
        N_("截至当日（含）365天内有培训记录的社区工作者人数（不重复）。"),
        community_workers_trained),
    ComputedIndicator(
        "registered_volunteers", N_("实名注册志愿者人数"), N_("人"),
        N_("当日有效的实名注册志愿者人数。"), _count(Volunteer)),
    ComputedIndicator(
        "lane_chiefs", N_("街巷长人数"), N_("人"), N_("当日在任的街巷长人数。"), _count(LaneChief)),
    ComputedIndicator(
        "alley_stewards", N_("小巷管家人数"), N_("人"), N_("当日在任的小巷管家人数。"),
        _count(AlleySteward)),
)}


def compute_all(*, as_of: dt.date, area_code: str = "") -> list[tuple[ComputedIndicator,
                                                                      Decimal | None]]:
    """Every computed indicator for the area on `as_of`, in the order above."""
    area = check_area(area_code)
    return [(ci, ci.func(as_of, area)) for ci in COMPUTED.values()]


__all__ = ["COMPUTED", "ComputedIndicator", "compute_all"]
