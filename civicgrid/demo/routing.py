"""The demo responsibility list (责任清单) of Xicheng: who handles which category where.

Written the way Beijing's district lists are: components go to the department or utility that
owns them (先属主后属地: a water-main manhole cover to the water group, a street lamp to the
district city-management commission, trees to the landscaping bureau), events and service
requests go to the territory (先属地后属主: the street's joint enforcement team, the community),
emergencies to the body that can act within the hour, and a few streets have their own lines
(长安街 and 什刹海 order is enforced by the district directly). The allocation is plausible, not
Xicheng's actual list; categories without a line here fall back to their default unit kind,
which the demo shows too (a C06 facility goes to the street, a telecom cover waits for the
dispatcher).
"""

from __future__ import annotations

from django.db import transaction

from civicgrid.dispatch.catalogue import catalogue_load_default
from civicgrid.dispatch.models import Category, Department, RoutingRule, RoutingTarget
from civicgrid.dispatch.services import dispatch_touch

from .city import XICHENG
from .departments import ensure_departments

D, S, C = RoutingTarget.DEPARTMENT, RoutingTarget.STREET, RoutingTarget.COMMUNITY
XICHANGANJIE, SHICHAHAI = "110102001", "110102012"
OWNER = "部件先属主后属地"
TERRITORY = "先属地后属主"

# (category code or "" for every category, area code, target, department code, priority, note)
RULES: tuple[tuple[str, str, str, str, int, str], ...] = (
    # Components: to their owners.
    ("C01", XICHENG, D, "XC-CGW", 0, f"{OWNER}：市政公用设施由区城管委负责"),
    ("C0101", XICHENG, D, "BJ-ZLS", 0, f"{OWNER}：供水井盖属自来水集团"),
    ("C0110", XICHENG, D, "BJ-ZLS", 0, f"{OWNER}：市政消火栓由自来水集团维护"),
    ("C0102", XICHENG, D, "XC-CGW", 0, f"{OWNER}：排水设施由区城管委（市政）负责"),
    ("C0103", XICHENG, D, "XC-CGW", 0, f"{OWNER}：排水设施由区城管委（市政）负责"),
    ("C0104", XICHENG, D, "XC-CGW", 0, f"{OWNER}：雨水口由区城管委（市政）负责"),
    ("C0105", XICHENG, D, "BJ-DL", 0, f"{OWNER}：电力井盖属电力公司"),
    ("C0111", XICHENG, D, "BJ-DL", 0, f"{OWNER}：配电设施属电力公司"),
    ("C0107", XICHENG, D, "BJ-RQ", 0, f"{OWNER}：燃气井盖属燃气集团"),
    ("C0109", XICHENG, D, "XC-CGW", 0, f"{OWNER}：道路照明由区城管委负责"),
    ("C02", XICHENG, D, "XC-CGW", 0, f"{OWNER}：城市道路及附属设施由区城管委负责"),
    ("C0201", XICHENG, D, "XC-JTZD", 0, f"{OWNER}：交通标志由交通支队负责"),
    ("C0202", XICHENG, D, "XC-JTZD", 0, f"{OWNER}：交通信号灯由交通支队负责"),
    ("C0203", XICHENG, D, "XC-JTZD", 0, f"{OWNER}：交通护栏由交通支队负责"),
    ("C03", XICHENG, D, "XC-CGW", 0, f"{OWNER}：环卫及市容设施由区城管委负责"),
    ("C04", XICHENG, D, "XC-YLJ", 0, f"{OWNER}：园林绿化由区园林绿化局负责"),
    ("C05", XICHENG, D, "XC-FGJ", 0, f"{OWNER}：直管公房及房屋安全由区房管局负责"),
    ("C0604", XICHENG, D, "XC-GAFJ", 0, f"{OWNER}：公共视频监控属公安分局"),
    # Events: to the street first.
    ("E", XICHENG, S, "", 0, f"事件{TERRITORY}：街道综合执法队处置"),
    ("E0302", XICHENG, D, "XC-CGZF", 0, "渣土运输车辆由区城管执法局统一执法"),
    # Emergencies: to whoever can act within the hour.
    ("E0401", XICHENG, D, "XC-CGW", 0, "路面塌陷由区城管委组织抢修"),
    ("E0402", XICHENG, D, "BJ-ZLS", 0, "供水管线抢修：自来水集团 96116"),
    ("E0403", XICHENG, D, "BJ-RQ", 0, "燃气抢险：燃气集团 96777"),
    ("E0404", XICHENG, D, "XC-YJJ", 0, "火情由区应急管理局协调处置"),
    ("E0406", XICHENG, D, "XC-YLJ", 0, "倒伏树木由区园林绿化局抢险"),
    ("E0407", XICHENG, D, "BJ-DL", 0, "电力抢修：电力公司 95598"),
    ("E0409", XICHENG, D, "XC-CGW", 0, "供热管线抢修由区城管委（供热办）组织"),
    # Street-specific lines.
    ("E05", XICHANGANJIE, D, "XC-CGZF", 0, "长安街沿线重点地区，街面秩序由区城管执法局直接负责"),
    ("E0501", SHICHAHAI, D, "XC-CGZF", 0, "什刹海风景区游商由区城管执法局联合执法"),
    ("E0502", SHICHAHAI, D, "XC-CGZF", 0, "什刹海风景区占道经营由区城管执法局联合执法"),
    ("E0506", SHICHAHAI, D, "XC-JTZD", 0, "什刹海风景区黑车揽客由交通支队查处"),
    # Social services and social management: to the community first.
    ("S", XICHENG, C, "", 0, f"社会服务诉求{TERRITORY}：社区先行接诉办理"),
    ("S0203", XICHENG, D, "XC-SJJ", 0, "电梯属特种设备，由区市场监管局督促维保单位处置"),
    ("S0205", XICHENG, D, "XC-CGW", 0, "供暖问题由区城管委（供热办）督办供热单位"),
    ("M", XICHENG, C, "", 0, f"社会管理事项{TERRITORY}：社区网格员先行处置"),
    ("M0104", XICHENG, S, "", 0, "劳资纠纷由街道劳动保障所调处"),
    ("M0105", XICHENG, D, "XC-SJJ", 0, "消费纠纷由区市场监管局处理"),
    ("M0303", XICHENG, D, "XC-GAFJ", 0, "治安问题由公安西城分局处置"),
    # Administrative service: the street's government-service centre.
    ("A", XICHENG, S, "", 0, f"行政服务诉求{TERRITORY}：街道政务服务中心办理"),
)


@transaction.atomic
def ensure_demo_routing() -> int:
    """Create the demo rules that do not exist yet (with the catalogue and departments they
    need); returns how many rules were created."""
    catalogue_load_default()
    ensure_departments()
    category_id = dict(Category.objects.values_list("code", "id"))
    department_id = dict(Department.objects.values_list("code", "id"))
    have = set(RoutingRule.objects.values_list("category_id", "area_code", "target",
                                               "department_id"))
    new = []
    for code, area, target, dept, priority, note in RULES:
        key = (category_id[code] if code else None, area, target,
               department_id[dept] if dept else None)
        if key in have:
            continue
        have.add(key)
        new.append(RoutingRule(category_id=key[0], area_code=area, target=target,
                               department_id=key[3], priority=priority, note=note))
    RoutingRule.objects.bulk_create(new)
    if new:
        dispatch_touch()
    return len(new)
