"""Demo ledgers for one district (Xicheng, 110102, in `make demo`): GENERATED, NOT REAL.

Every row is invented from a fixed random seed — the same territory gives the same ledgers on
every run — and says so in its note (备注). Sizes follow the seed documents loosely (about 260
communities with 2,000–9,000 residents each, 67 fifteen-minute service circles as Xicheng
reports, party-organisation coverage near the 84.66% / 70.97% it quotes); the figures the
platform computes from them are therefore demo figures, not Xicheng's. Personal data are
clearly fake: ID numbers start with the non-existent region 000000 and phones with 000, so no
generated value can be a real person's.

Written with bulk_create_with_history, so the rows have their history (the "created" entry)
like rows entered by hand. Idempotent: a district that already has community-body rows is left
as it is.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import shapely
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from civicgrid.demo.staffing import NameMaker
from civicgrid.territory.models import Community, District, Street

from .checks import ID_CHECK, ID_WEIGHTS
from .models import (
    AlleySteward,
    BuildingStation,
    Certificate,
    CommunityBody,
    Enterprise,
    Facility,
    FacilityKind,
    HubLevel,
    LaneChief,
    OrgStatus,
    OrgType,
    PartyOrgKind,
    SocialOrganization,
    StationMode,
    TrainingRecord,
    Volunteer,
    Worker,
    WorkerKind,
    join_list,
)

XICHENG = "110102"
SEED = 20180630
NOTE = "演示数据：按固定随机种子生成，并非真实台账"
REASON = "演示台账生成"
BATCH = 2000
SERVICE_CIRCLES = 67  # 002: Xicheng built 67 fifteen-minute service circles
COURSES = ("社区治理实务", "社会工作政策法规", "个案工作方法", "小组工作方法", "社区协商议事",
           "养老服务实务", "网格化服务管理", "应急处置与安全", "志愿服务组织管理")
SERVICE_FIELDS = ("养老", "助残", "青少年", "文体", "环保", "法律服务", "心理疏导", "邻里互助",
                  "社区治理", "扶贫济困")
INDUSTRIES = ("信息技术", "金融服务", "商务咨询", "文化传媒", "批发零售", "餐饮住宿", "科技研发")
PARTY_WORD = {PartyOrgKind.COMMITTEE: "党委", PartyOrgKind.BRANCH: "党支部"}
LANE_SUFFIXES = ("东巷", "西巷", "南巷", "北巷", "胡同", "头条", "二条", "三条", "横街", "夹道")


@dataclass
class DemoReport:
    district: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False

    def text(self) -> str:
        if self.skipped:
            return f"台账：{self.district} 已有台账，沿用"
        parts = "、".join(f"{k} {v}" for k, v in self.rows.items())
        return f"台账：为 {self.district} 生成演示台账（非真实数据）{parts}（{self.seconds:.1f} 秒）"


def fake_id_number(rng: np.random.Generator) -> str:
    """An ID number that passes the check-digit test but names region 000000, which does not
    exist: it can never be a real person's."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 50)))
    body = f"000000{born:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def _date(rng, start_year: int = 2008, end_year: int = 2019) -> dt.date:
    start = dt.date(start_year, 1, 1)
    return start + dt.timedelta(days=int(rng.integers(0, (end_year - start_year) * 365)))


def _ended(rng, since: dt.date, share: float = 0.05) -> dt.date | None:
    if rng.random() >= share:
        return None
    return since + dt.timedelta(days=int(rng.integers(200, 2500)))


def _stem(name: str) -> str:
    for suffix in ("社区居委会", "社区", "居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _place(c) -> dict:
    return {"district_code": c.district_id, "street_code": c.street_id,
            "community_code": c.code}


def ensure_demo_ledgers(district: str = XICHENG, *, seed: int = SEED) -> DemoReport:
    """Generate the demo ledgers of `district` unless it has community-body rows already."""
    report = DemoReport(district=district)
    if CommunityBody.objects.filter(district_code=district).exists():
        report.skipped = True
        return report
    communities = list(Community.objects.filter(district_id=district).order_by("code"))
    if not communities:
        report.skipped = True
        return report
    t0 = time.perf_counter()
    with transaction.atomic():
        _Builder(district, communities, seed, report).build()
    report.seconds = time.perf_counter() - t0
    return report


class _Builder:
    def __init__(self, district, communities, seed, report):
        self.district = district
        self.communities = communities
        self.streets = list(Street.objects.filter(district_id=district).order_by("code"))
        self.district_name = District.objects.get(code=district).name
        self.rng = np.random.default_rng([seed, int(district)])
        self.names = NameMaker(seed, district)
        self.report = report
        geoms = [shapely.from_wkb(bytes(c.geometry)) if c.geometry else None
                 for c in communities]
        self.points = [shapely.point_on_surface(g) if g is not None else None for g in geoms]

    def save(self, model, objs, label):
        objs = bulk_create_with_history(objs, model, batch_size=BATCH,
                                        default_change_reason=REASON)
        self.report.rows[label] = len(objs)
        return objs

    def build(self):
        self.bodies()
        self.facilities()
        self.organisations()
        self.workers()
        self.volunteers()
        self.enterprises()
        self.lanes()

    def bodies(self):
        rng, rows = self.rng, []
        for c in self.communities:
            population = int(rng.integers(2000, 9000))
            stem = _stem(c.name)
            kind = PartyOrgKind.COMMITTEE if population > 6000 else PartyOrgKind.BRANCH
            rows.append(CommunityBody(
                **_place(c), party_org_name=f"{stem}社区{PARTY_WORD[kind]}", party_org_kind=kind,
                party_members=int(population * rng.uniform(0.04, 0.09)),
                committee_name=f"{stem}社区居委会", committee_members=int(rng.integers(5, 10)),
                station_name=f"{stem}社区服务站", station_staff=int(rng.integers(6, 16)),
                population=population, households=int(population / rng.uniform(2.4, 2.9)),
                facility_area_m2=Decimal(int(rng.normal(560, 140))).max(Decimal(150)),
                note=NOTE))
        self.save(CommunityBody, rows, "社区三位一体")

    def _point(self, i):
        p = self.points[i]
        if p is None:
            return None, None
        return round(p.x + self.rng.normal(0, 0.0008), 6), round(p.y + self.rng.normal(0, 0.0008), 6)

    def facilities(self):
        rng, rows, n = self.rng, [], len(self.communities)
        plan = [(FacilityKind.SERVICE_CIRCLE, "一刻钟社区服务圈", SERVICE_CIRCLES, 600),
                (FacilityKind.COMMUNITY_HOME, "社区之家", max(n // 12, 1), 300),
                (FacilityKind.ELDERLY_STATION, "养老服务驿站", max(n // 6, 1), 250)]
        for kind, label, count, size in plan:
            for k, i in enumerate(sorted(rng.choice(n, size=min(count, n), replace=False))):
                c = self.communities[i]
                lon, lat = self._point(i)
                since = _date(rng, 2012, 2019)
                rows.append(Facility(
                    code=f"DEMO-{kind[:2].upper()}-{self.district}-{k + 1:03d}",
                    name=f"{_stem(c.name)}{label}", kind=kind, lon=lon, lat=lat,
                    address=f"{c.name}辖区（演示地址）", opening_hours="周一至周日 8:00-20:00",
                    area_m2=Decimal(int(rng.normal(size, size / 4))).max(Decimal(60)),
                    operator=f"{_stem(c.name)}社区服务站", valid_from=since, note=NOTE, **_place(c)))
        for k, s in enumerate(self.streets):
            rows.append(Facility(
                code=f"DEMO-SC-{self.district}-{k + 1:03d}", name=f"{s.name}社区服务中心",
                kind=FacilityKind.SERVICE_CENTRE, opening_hours="工作日 9:00-17:00",
                area_m2=Decimal(int(rng.integers(800, 2000))), valid_from=_date(rng, 2008, 2014),
                district_code=self.district, street_code=s.code, note=NOTE))
        self.save(Facility, rows, "服务设施")

    def organisations(self):
        rng, rows, links = self.rng, [], []
        through = SocialOrganization.communities_served.through
        k = 0

        def org(name, org_type, status, place, hub=HubLevel.NONE, agency=False, serves=()):
            nonlocal k
            k += 1
            since = _date(rng)
            fields = rng.choice(len(SERVICE_FIELDS), size=int(rng.integers(1, 4)), replace=False)
            rows.append(SocialOrganization(
                code=f"DEMO-SO-{self.district}-{k:05d}", name=name, org_type=org_type,
                status=status, hub_level=hub, is_social_work_agency=agency,
                has_party_org=bool(rng.random() < 0.71),
                service_fields=join_list(SERVICE_FIELDS[i] for i in sorted(fields)),
                valid_from=since, valid_to=_ended(rng, since), note=NOTE, **place))
            links.append(list(serves))

        org(f"{self.district_name}社会组织联合会（演示）", OrgType.SOCIAL_GROUP, OrgStatus.REGISTERED,
            {"district_code": self.district}, hub=HubLevel.DISTRICT)
        for s in self.streets:
            org(f"{s.name}社会组织联合会（演示）", OrgType.SOCIAL_GROUP, OrgStatus.REGISTERED,
                {"district_code": self.district, "street_code": s.code}, hub=HubLevel.STREET)
        for i, c in enumerate(self.communities):
            for j in range(int(rng.integers(1, 11))):
                org(f"{_stem(c.name)}{SERVICE_FIELDS[(i + j) % len(SERVICE_FIELDS)]}服务队"
                    f"{j + 1}（演示）", OrgType.COMMUNITY, OrgStatus.FILED, _place(c),
                    serves=[c.code])
        codes = [c.code for c in self.communities]
        for j in range(max(len(codes) // 5, 1)):
            serves = rng.choice(len(codes), size=min(int(rng.integers(2, 9)), len(codes)),
                                replace=False)
            home = self.communities[int(serves[0])]
            org(f"{self.district_name[:2]}{SERVICE_FIELDS[j % len(SERVICE_FIELDS)]}"
                f"社会工作服务中心{j + 1}（演示）",
                OrgType.SOCIAL_SERVICE, OrgStatus.REGISTERED,
                {"district_code": self.district, "street_code": home.street_id},
                agency=bool(j % 3 == 0), serves=[codes[int(i)] for i in serves])
        saved = self.save(SocialOrganization, rows, "社会组织")
        through.objects.bulk_create(
            [through(socialorganization_id=o.pk, community_id=c)
             for o, serves in zip(saved, links, strict=True) for c in serves], batch_size=BATCH)

    def workers(self):
        rng, rows, trainings = self.rng, [], []
        k = 0
        for c in self.communities:
            staff = [(WorkerKind.COMMUNITY_WORKER, f"{_stem(c.name)}社区居委会")] * int(
                rng.integers(4, 8))
            staff += [(WorkerKind.SOCIAL_WORKER, f"{self.district_name}社会工作服务中心（演示）")] * int(
                rng.integers(0, 4))
            for kind, employer in staff:
                k += 1
                roll = rng.random()
                cert = (Certificate.CERTIFIED if roll < 0.1 else Certificate.ASSISTANT
                        if roll < 0.3 else Certificate.NONE)
                if kind == WorkerKind.SOCIAL_WORKER and cert == Certificate.NONE:
                    cert = Certificate.ASSISTANT
                since = _date(rng, 2008, 2019)
                rows.append(Worker(code=f"DEMO-W-{self.district}-{k:05d}", name=self.names(),
                                   kind=kind, certificate=cert, employer=employer,
                                   position="社区专职工作者" if kind == WorkerKind.COMMUNITY_WORKER
                                   else "项目社工", valid_from=since,
                                   valid_to=_ended(rng, since), note=NOTE, **_place(c)))
                # Training from 2016 to mid-2026: the seed years and recent ones both have some.
                trainings.append([(dt.date(2016, 1, 1) + dt.timedelta(
                    days=int(rng.integers(0, 3800))), COURSES[int(rng.integers(0, len(COURSES)))],
                    Decimal(int(rng.choice([4, 8, 16, 24])))) for _ in range(int(rng.integers(0, 3)))])
        saved = self.save(Worker, rows, "社会工作者和社区工作者")
        records = [TrainingRecord(worker_id=w.pk, date=d, course=course, hours=h)
                   for w, items in zip(saved, trainings, strict=True)
                   for d, course, h in sorted(items)]
        self.save(TrainingRecord, records, "培训记录")

    def volunteers(self):
        rng, rows = self.rng, []
        k = 0
        for c in self.communities:
            for _ in range(int(rng.integers(4, 12))):
                k += 1
                since = _date(rng, 2012, 2019)
                rows.append(Volunteer(
                    code=f"DEMO-V-{self.district}-{k:06d}", name=self.names(),
                    id_number=fake_id_number(rng), phone=f"000{int(rng.integers(0, 10**8)):08d}",
                    organisation=f"{_stem(c.name)}社区志愿服务队",
                    service_hours=Decimal(int(rng.integers(0, 400))), valid_from=since,
                    valid_to=_ended(rng, since, 0.03), note=NOTE, **_place(c)))
        self.save(Volunteer, rows, "实名注册志愿者")

    def enterprises(self):
        rng, stations, firms = self.rng, [], []
        modes = (StationMode.SINGLE, StationMode.ONE_FOR_MANY, StationMode.MANY_IN_ONE)
        for k, s in enumerate(self.streets[: max(len(self.streets), 1)] * 2):
            buildings = [f"{s.name[:2]}{n}号楼（演示）" for n in range(1, int(rng.integers(2, 5)))]
            stations.append(BuildingStation(
                code=f"DEMO-BS-{self.district}-{k + 1:03d}", name=f"{s.name}商务楼宇工作站{k + 1}",
                mode=modes[k % 3], buildings=join_list(buildings),
                has_party_org=bool(rng.random() < 0.8), valid_from=_date(rng, 2010, 2017),
                district_code=self.district, street_code=s.code, note=NOTE))
        stations = self.save(BuildingStation, stations, "商务楼宇工作站")
        for k in range(len(self.streets) * 25):
            station = stations[int(rng.integers(0, len(stations)))] if rng.random() < 0.6 else None
            street = station.street_code if station else self.streets[k % len(self.streets)].code
            since = _date(rng)
            firms.append(Enterprise(
                code=f"DEMO-E-{self.district}-{k + 1:05d}", name=f"演示{self.names()}科技有限公司",
                industry=INDUSTRIES[int(rng.integers(0, len(INDUSTRIES)))],
                employees=int(rng.integers(3, 500)),
                building=station.building_list[0] if station else "", station=station,
                has_party_org=bool(rng.random() < 0.6), valid_from=since,
                valid_to=_ended(rng, since), district_code=self.district, street_code=street,
                note=NOTE))
        self.save(Enterprise, firms, "非公有制企业")

    def lanes(self):
        rng, chiefs, stewards = self.rng, [], []
        plans = []
        for i, c in enumerate(self.communities):
            lanes = [f"{_stem(c.name)}{LANE_SUFFIXES[j]}" for j in
                     sorted(rng.choice(len(LANE_SUFFIXES), size=int(rng.integers(2, 5)),
                                       replace=False))]
            plans.append((c, lanes))
            chiefs.append(LaneChief(
                code=f"DEMO-LC-{self.district}-{i + 1:04d}", name=self.names(),
                position=("街道办事处科长", "街道办事处副主任", "街道工委委员")[i % 3],
                lanes=join_list(lanes), valid_from=_date(rng, 2017, 2019), note=NOTE,
                **_place(c)))
        chiefs = self.save(LaneChief, chiefs, "街巷长")
        k = 0
        for chief, (c, lanes) in zip(chiefs, plans, strict=True):
            for lane in lanes[: int(rng.integers(1, 3))]:
                k += 1
                stewards.append(AlleySteward(
                    code=f"DEMO-AS-{self.district}-{k:05d}", name=self.names(), lanes=lane,
                    chief=chief, valid_from=_date(rng, 2017, 2019), note=NOTE, **_place(c)))
        self.save(AlleySteward, stewards, "小巷管家")
