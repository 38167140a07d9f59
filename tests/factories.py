"""A small hand-built territory whose answers are known, and users for every role.

Layout (WGS84 degrees; each grid is 0.01° × 0.02°, about 850 m × 2.2 km):

    district 110102 西城区  box(116.30, 39.90, 116.34, 39.94)
      street 110102001 (west half, x 116.30–116.32)   street 110102003 (east half)
        community ...001 (south half) / ...002 (north half) in each street
          grid ...001 (west half of the community) / ...002 (east half)
    district 110105 朝阳区  box(116.34, 39.90, 116.38, 39.94): one street, community and grid
"""

from __future__ import annotations

import shapely

from civicgrid.accounts.models import Role, User
from civicgrid.core.geo import area_m2
from civicgrid.dispatch.models import Department
from civicgrid.territory.models import Community, District, Grid, Street

XICHENG, CHAOYANG = "110102", "110105"
STREET_W, STREET_E = "110102001", "110102003"
STREET_CY = "110105001"


def _node(model, code, name, geom, **kw):
    return model.objects.create(code=code, name=name, geometry=shapely.to_wkb(geom),
                                area_m2=area_m2(geom), **kw)


def build_territory() -> dict[str, object]:
    """Create the layout above; returns every node by code."""
    nodes: dict[str, object] = {}
    d1 = _node(District, XICHENG, "西城区", shapely.box(116.30, 39.90, 116.34, 39.94))
    d2 = _node(District, CHAOYANG, "朝阳区", shapely.box(116.34, 39.90, 116.38, 39.94))
    nodes.update({d1.code: d1, d2.code: d2})
    streets = [(d1, STREET_W, "西长安街街道", 116.30), (d1, STREET_E, "新街口街道", 116.32),
               (d2, STREET_CY, "建外街道", 116.34)]
    for district, scode, sname, x0 in streets:
        s = _node(Street, scode, sname, shapely.box(x0, 39.90, x0 + 0.02, 39.94), district=district)
        nodes[scode] = s
        n_comm = 1 if district is d2 else 2
        for ci in range(n_comm):
            y0 = 39.90 + 0.02 * ci
            ccode = f"{scode}{ci + 1:03d}"
            c = _node(Community, ccode, f"{sname[:2]}{ci + 1}号社区",
                      shapely.box(x0, y0, x0 + 0.02, y0 + 0.02 * (2 if district is d2 else 1)),
                      street=s, district=district)
            nodes[ccode] = c
            n_grid = 1 if district is d2 else 2
            for gi in range(n_grid):
                gx = x0 + 0.01 * gi
                gcode = f"{ccode}{gi + 1:03d}"
                width = 0.02 if district is d2 else 0.01
                g = _node(Grid, gcode, f"{c.name}第{gi + 1}网格",
                          shapely.box(gx, y0, gx + width, y0 + (0.04 if district is d2 else 0.02)),
                          community=c, street=s, district=district)
                nodes[gcode] = g
    return nodes


def make_user(role: str, area_code: str = "", *, username: str | None = None,
              department: Department | None = None) -> User:
    return User.objects.create_user(
        username=username or f"{role}-{area_code or 'city'}-{User.objects.count()}",
        password="pw-for-tests-only", role=role, area_code=area_code, department=department)


def make_department(code: str = "XC-CGZF", name: str = "西城区城管执法局",
                    area_code: str = XICHENG) -> Department:
    return Department.objects.create(code=code, name=name, area_code=area_code)


__all__ = ["Role", "build_territory", "make_user", "make_department"]
