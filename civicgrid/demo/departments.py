"""Demo departments: Xicheng's functional departments and the city's utilities.

Names are the real bodies' names; codes are this project's own (area prefix + initials). The
utilities' numbers are their public service hotlines.
"""

from __future__ import annotations

from civicgrid.dispatch.models import Department, UnitKind

from .city import XICHENG

# (code, name, short name, kind, area code, phone)
DEPARTMENTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("XC-CGW", "西城区城市管理委员会", "区城管委", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-CGZF", "西城区城管执法局", "区城管执法局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-ZJW", "西城区住房和城市建设委员会", "区住建委", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-SJJ", "西城区市场监督管理局", "区市场监管局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-STHJ", "西城区生态环境局", "区生态环境局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-WJW", "西城区卫生健康委员会", "区卫健委", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-MZJ", "西城区民政局", "区民政局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-GAFJ", "北京市公安局西城分局", "西城公安分局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-YLJ", "西城区园林绿化局", "区园林绿化局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-JTZD", "北京市公安局公安交通管理局西城交通支队", "西城交通支队", UnitKind.DEPARTMENT,
     XICHENG, ""),
    ("XC-YJJ", "西城区应急管理局", "区应急管理局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("XC-FGJ", "西城区房屋管理局", "区房管局", UnitKind.DEPARTMENT, XICHENG, ""),
    ("BJ-CGW", "北京市城市管理委员会", "市城管委", UnitKind.DEPARTMENT, "", ""),
    ("BJ-ZLS", "北京市自来水集团有限责任公司", "北京市自来水集团", UnitKind.ENTERPRISE, "",
     "96116"),
    ("BJ-DL", "国网北京市电力公司", "北京电力", UnitKind.ENTERPRISE, "", "95598"),
    ("BJ-RQ", "北京市燃气集团有限责任公司", "北京燃气集团", UnitKind.ENTERPRISE, "", "96777"),
)
HANDLER_DEPARTMENT = "XC-CGZF"


def ensure_departments() -> int:
    """Create the demo departments that do not exist yet (by code); returns how many."""
    have = set(Department.objects.filter(code__in=[d[0] for d in DEPARTMENTS])
               .values_list("code", flat=True))
    new = [Department(code=code, name=name, short_name=short, kind=kind, area_code=area,
                      phone=phone)
           for code, name, short, kind, area, phone in DEPARTMENTS if code not in have]
    Department.objects.bulk_create(new)
    return len(new)
