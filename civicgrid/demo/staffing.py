"""Demo grid workers by the rule 基础力量一员一格、专业力量一员多格、响应力量多员一格.

- basic force: one full-time grid worker per grid, on that grid only;
- specialist force: per street, one specialist (enforcement, police, market supervision...) per
  about five grids, each covering a run of neighbouring grids (never fewer than two);
- response force: per community two or three responders (volunteers, property staff, units in
  the community), each covering every grid of the community, so every grid has at least two.

Pure: returns a plan; civicgrid.demo.load writes it. Names are fake and seeded — the same city
gets the same people on every run. No phone numbers: a made-up number may be someone's real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

import numpy as np

GRIDS_PER_SPECIALIST = 5
SPECIALIST_UNITS = ("城管执法队", "派出所", "市场监管所", "环境卫生服务中心", "安全生产执法队")
RESPONSE_UNITS = ("社区志愿服务队", "物业服务企业", "驻区单位", "在职党员报到队")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宇浩凯鹏晨欣怡婷雪梅琳"
    "丹阳海峰鑫波健宁颖俊帅飞佳慧倩晶晓燕颖嘉瑞博昊然子涵梓轩思雨雅琪欣悦诗涵宏志国庆立新春生"
)


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    name: str
    force: str  # basic / specialist / response (territory.models.Force)
    organisation: str
    street_code: str
    district_code: str
    grid_codes: tuple[str, ...]


class NameMaker:
    """Seeded fake Chinese names: a common surname and one or two given-name characters."""

    def __init__(self, seed: int, district_code: str):
        self._rng = np.random.default_rng([seed, int(district_code), 7])

    def __call__(self) -> str:
        rng = self._rng
        given = "".join(GIVEN[i] for i in rng.integers(0, len(GIVEN), 1 + int(rng.random() < 0.7)))
        return SURNAMES[int(rng.integers(0, len(SURNAMES)))] + given


def plan_staffing(grid_codes: list[str], names: dict[str, str], *,
                  seed: int) -> list[WorkerPlan]:
    """Workers for these grids (15-digit codes). `names` maps street and community codes to
    their names (for the workers' organisations). Deterministic for the same input."""
    codes = sorted(grid_codes)
    plan: list[WorkerPlan] = []
    for district, in_district in groupby(codes, key=lambda c: c[:6]):
        name = NameMaker(seed, district)
        rng = np.random.default_rng([seed, int(district), 11])
        for street, in_street in groupby(in_district, key=lambda c: c[:9]):
            street_grids = list(in_street)
            street_name = names.get(street, street)
            for community, in_comm in groupby(street_grids, key=lambda c: c[:12]):
                comm_grids = tuple(in_comm)
                comm_name = names.get(community, community)
                plan += [WorkerPlan(name(), "basic", comm_name, street, district, (g,))
                         for g in comm_grids]
                for k in range(2 + int(rng.random() < 0.5)):
                    unit = f"{_short(comm_name)}{RESPONSE_UNITS[k % len(RESPONSE_UNITS)]}"
                    plan.append(WorkerPlan(name(), "response", unit, street, district, comm_grids))
            plan += _specialists(street_grids, street, street_name, district, name)
    return plan


def _specialists(grids: list[str], street: str, street_name: str, district: str,
                 name: NameMaker) -> list[WorkerPlan]:
    if len(grids) < 2:  # one grid cannot be "many grids": no specialist beats a wrong one
        return []
    count = max(1, len(grids) // GRIDS_PER_SPECIALIST)
    chunks = np.array_split(np.array(grids), count)
    stem = street_name.removesuffix("街道").removesuffix("地区")
    return [WorkerPlan(name(), "specialist", f"{stem}{SPECIALIST_UNITS[i % len(SPECIALIST_UNITS)]}",
                       street, district, tuple(str(g) for g in chunk))
            for i, chunk in enumerate(chunks)]


def _short(community_name: str) -> str:
    for suffix in ("居民委员会", "居委会", "村民委员会", "村委会"):
        if community_name.endswith(suffix):
            return community_name[: -len(suffix)]
    return community_name
