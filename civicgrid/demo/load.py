"""Write the demo city to the database: territory, grid workers, departments, accounts.

Idempotent per district: a district already in the database is reused as it is (unless `force`,
which deletes that district's territory and staff and writes it anew); departments and demo
accounts are created only where missing. Geometry is generated before the transaction opens, so
the write lock is held only while rows are written (bulk_create in batches, one transaction,
the territory revision bumped inside it so cached locators reload).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict
from civicgrid.core.geo import area_m2
from civicgrid.indicators.recompute import indicators_recompute
from civicgrid.indicators.seeds import seeds_load
from civicgrid.registry.demo import ensure_demo_ledgers
from civicgrid.territory.models import (
    Community,
    District,
    Grid,
    GridAssignment,
    GridWorker,
    MicroGrid,
    Street,
)
from civicgrid.territory.services import territory_touch

from .city import DEFAULT_SEED, Area, DemoCity, build_city, load_divisions
from .departments import ensure_departments
from .routing import ensure_demo_routing
from .staffing import plan_staffing
from .users import ensure_users

BATCH = 2000
# Pinyin initials used as the case-number prefix (XC-20261122-000123).
DISTRICT_ABBR = {
    "110101": "DC", "110102": "XC", "110105": "CY", "110106": "FT", "110107": "SJS",
    "110108": "HD", "110109": "MTG", "110111": "FS", "110112": "TZ", "110113": "SY",
    "110114": "CP", "110115": "DX", "110116": "HR", "110117": "PG", "110118": "MY",
    "110119": "YQ",
}


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)  # district codes written now
    reused: list[str] = field(default_factory=list)  # district codes already there
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    users_created: int = 0
    departments_created: int = 0
    routing_rules_created: int = 0
    build_seconds: float = 0.0
    write_seconds: float = 0.0
    ledgers: object = None  # registry.demo.DemoReport


def all_district_codes() -> list[str]:
    return [d.code for d in load_divisions() if d.level == "district"]


def demo_load(district_codes: list[str] | None = None, *, force: bool = False,
              seed: int = DEFAULT_SEED) -> LoadReport:
    """Load these districts (all 16 when None) of the demo city, then the departments and the
    demo accounts. Raises ValueError for a code that is not a Beijing district."""
    wanted = sorted(set(district_codes or all_district_codes()))
    known = set(all_district_codes())
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValueError(_("不是北京市的区县编码：%(codes)s") % {"codes": "、".join(unknown)})
    report = LoadReport()
    existing = set(District.objects.filter(code__in=wanted).values_list("code", flat=True))
    if not force:
        report.reused = sorted(existing)
    todo = wanted if force else [c for c in wanted if c not in existing]
    t0 = time.perf_counter()
    city = build_city(todo, seed=seed) if todo else DemoCity()
    report.build_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction.atomic():
        if force and existing:
            _delete_districts(sorted(existing))
        if todo:
            report.rows = write_city(city, seed=seed)
            territory_touch()
        report.departments_created = ensure_departments()
        # The category catalogue and Xicheng's responsibility list (责任清单).
        report.routing_rules_created = ensure_demo_routing()
        report.users_created = ensure_users()
        ensure_demo_open311_key()  # an Open311 client and its api_key, printed with the logins
        # Xicheng's ledgers (台账), generated from a fixed seed and labelled as such; only when
        # Xicheng is loaded and has none yet.
        report.ledgers = ensure_demo_ledgers()
        # The seed plans of 目标+指标 (idempotent: rows that did not change are not rewritten),
        # then today's figures of the indicators computed from the ledgers above.
        seeds_load()
        indicators_recompute()
    report.write_seconds = time.perf_counter() - t0
    report.loaded = todo
    return report


def _delete_districts(codes: list[str]) -> None:
    try:
        GridAssignment.objects.filter(grid__district_id__in=codes).delete()
        GridWorker.objects.filter(district_id__in=codes).delete()
        MicroGrid.objects.filter(grid__district_id__in=codes).delete()
        for model in (Grid, Community, Street):
            model.objects.filter(district_id__in=codes).delete()
        District.objects.filter(code__in=codes).delete()
    except ProtectedError as exc:
        raise Conflict(_("区县 %(codes)s 的网格已被业务数据引用，不能重新生成；"
                         "请换一个空数据库再加载演示城市。") % {"codes": "、".join(codes)}) from exc


def _geo(items: list[Area]) -> tuple[np.ndarray, np.ndarray]:
    geoms = np.array([a.geometry for a in items], dtype=object)
    if not len(geoms):
        return np.zeros(0, dtype=object), np.zeros(0)
    return shapely.to_wkb(geoms), np.atleast_1d(area_m2(geoms))


def write_city(city: DemoCity, *, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Insert every node and the staffing plan of `city`; call inside a transaction."""
    rows: dict[str, int] = {}

    def insert(model, items: list[Area], **parents) -> None:
        wkbs, areas = _geo(items)
        objs = [model(code=a.code, name=a.name, geometry=w, area_m2=float(m),
                      **{k: fn(a) for k, fn in parents.items()})
                for a, w, m in zip(items, wkbs, areas, strict=True)]
        model.objects.bulk_create(objs, batch_size=BATCH)
        rows[model._meta.model_name] = len(objs)

    insert(District, city.districts, abbr=lambda a: DISTRICT_ABBR.get(a.code, ""))
    insert(Street, city.streets, district_id=lambda a: a.parent_code, kind=lambda a: a.kind)
    insert(Community, city.communities, street_id=lambda a: a.parent_code,
           district_id=lambda a: a.district_code, kind=lambda a: a.kind)
    insert(Grid, city.grids, community_id=lambda a: a.parent_code,
           street_id=lambda a: a.street_code, district_id=lambda a: a.district_code)
    rows.update(_write_staffing(city, seed))
    return rows


def _write_staffing(city: DemoCity, seed: int) -> dict[str, int]:
    names = {a.code: a.name for a in city.streets + city.communities}
    plan = plan_staffing([g.code for g in city.grids], names, seed=seed)
    workers = GridWorker.objects.bulk_create(
        [GridWorker(name=p.name, force=p.force, organisation=p.organisation,
                    street_id=p.street_code, district_id=p.district_code) for p in plan],
        batch_size=BATCH)
    links = [GridAssignment(worker_id=w.pk, grid_id=g)
             for w, p in zip(workers, plan, strict=True) for g in p.grid_codes]
    GridAssignment.objects.bulk_create(links, batch_size=BATCH)
    return {"gridworker": len(workers), "gridassignment": len(links)}


# The demo Open311 client's api_key: fixed like DEMO_PASSWORD, so `demo info` and the docs can
# show it. Demo only: never load the demo on a real server.
DEMO_OPEN311_KEY = "cg_demo-open311-key-for-the-demo-only"
DEMO_OPEN311_USER = "open311-demo"


def ensure_demo_open311_key() -> None:
    """The demo Open311 client: a resident-role account that cannot sign in, holding an
    Open311 token whose key is DEMO_OPEN311_KEY (created once; a revoked one stays revoked)."""
    # Imported here: the demo writes the api app's rows, nothing in the app imports the demo.
    from civicgrid.accounts.models import Role, User
    from civicgrid.api.models import ApiToken, TokenKind
    from civicgrid.api.tokens import hash_key

    user = User.objects.filter(username=DEMO_OPEN311_USER).first()
    if user is None:
        user = User(username=DEMO_OPEN311_USER, role=Role.RESIDENT,
                    first_name=_("演示Open311客户端"))
        user.set_unusable_password()
        user.save()
    ApiToken.objects.get_or_create(
        key_hash=hash_key(DEMO_OPEN311_KEY),
        defaults={"user": user, "name": _("演示Open311客户端"), "kind": TokenKind.OPEN311,
                  "key_prefix": DEMO_OPEN311_KEY[:8]})


def demo_open311_key() -> str | None:
    """DEMO_OPEN311_KEY when its token exists and is not revoked (for printing)."""
    from civicgrid.api.models import ApiToken
    from civicgrid.api.tokens import hash_key

    active = ApiToken.objects.filter(key_hash=hash_key(DEMO_OPEN311_KEY),
                                     revoked_at__isnull=True).exists()
    return DEMO_OPEN311_KEY if active else None
