"""Demo accounts, one per role, all with the demo-only password DEMO_PASSWORD.

Scopes prefer Xicheng's 月坛街道 (110102007) and its 三里河一区 community; when Xicheng was not
loaded they fall back to the first street/community/grid that exists, so every account always
points at a real node of the loaded territory.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from civicgrid.accounts.models import Role, User
from civicgrid.dispatch.models import Department
from civicgrid.territory.models import Community, District, Force, Grid, GridWorker, Street

from .city import XICHENG
from .departments import HANDLER_DEPARTMENT

DEMO_PASSWORD = "civicgrid-demo"  # demo only: printed on screen, never use on a real server
DEMO_STREET = "110102007"  # 月坛街道
DEMO_COMMUNITY = "110102007006"  # 三里河一区社区

# (username, role, fake person's name, which scope)
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("resident", Role.RESIDENT, "李明", "none"),
    ("gridworker", Role.GRID_WORKER, "王芳", "grid"),
    ("community", Role.COMMUNITY_STAFF, "赵敏", "community"),
    ("dispatcher", Role.STREET_DISPATCHER, "刘洋", "street"),
    ("commander", Role.STREET_COMMANDER, "陈刚", "street"),
    ("handler", Role.DEPARTMENT_HANDLER, "杨帆", "department"),
    ("districtadmin", Role.DISTRICT_ADMIN, "周静", "district"),
    ("admin", Role.CITY_ADMIN, "吴强", "city"),
    ("auditor", Role.AUDITOR, "郑丽", "city"),
)
STAFF_ROLES = {Role.DISTRICT_ADMIN, Role.CITY_ADMIN}  # the ones the Django admin is for


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str  # human-readable: "月坛街道（110102007）"
    password: str = DEMO_PASSWORD


def _pick(model, preferred: str, narrow: Q | None = None):
    return (model.objects.filter(code=preferred).first()
            or (model.objects.filter(narrow).order_by("code").first() if narrow else None)
            or model.objects.order_by("code").first())


def demo_scopes() -> dict[str, object]:
    """The nodes the demo accounts stand on (None where the territory is empty)."""
    district = _pick(District, XICHENG)
    street = _pick(Street, DEMO_STREET, Q(district=district) if district else None)
    community = _pick(Community, DEMO_COMMUNITY, Q(street=street) if street else None)
    grid = (Grid.objects.filter(community=community).order_by("code").first()
            if community else None)
    return {"district": district, "street": street, "community": community, "grid": grid,
            "department": Department.objects.filter(code=HANDLER_DEPARTMENT).first()}


def ensure_users() -> int:
    """Create the demo accounts that do not exist yet, and link the grid worker's account to
    the basic worker of its grid. Returns how many accounts were created."""
    scopes = demo_scopes()
    have = set(User.objects.filter(username__in=[u[0] for u in DEMO_USERS])
               .values_list("username", flat=True))
    created = 0
    for username, role, person, scope in DEMO_USERS:
        if username in have:
            continue
        node = scopes.get(scope)
        User.objects.create_user(
            username=username, password=DEMO_PASSWORD, role=role, first_name=person,
            area_code=node.code if scope in {"grid", "community", "street", "district"} and node
            else "",
            department=node if scope == "department" else None,
            is_staff=role in STAFF_ROLES, is_superuser=role == Role.CITY_ADMIN)
        created += 1
    _link_grid_worker()
    return created


def _link_grid_worker() -> None:
    user = User.objects.filter(username="gridworker").first()
    if user is None or GridWorker.objects.filter(user=user).exists():
        return
    worker = (GridWorker.objects.filter(force=Force.BASIC, grids__code=user.area_code,
                                        user__isnull=True).order_by("id").first())
    if worker is not None:
        worker.user = user
        worker.save(update_fields=["user"])


def demo_logins() -> list[DemoLogin]:
    """The demo accounts as they are in the database (for printing)."""
    users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])
             .select_related("department")}
    names = _area_names([u.area_code for u in users.values() if u.area_code])
    out = []
    for username, role, _person, _scope in DEMO_USERS:
        user = users.get(username)
        if user is None:
            continue
        if user.department_id:
            scope = user.department.name
        elif user.area_code:
            scope = f"{names.get(user.area_code, '')}（{user.area_code}）"
        else:
            scope = "全市" if role != Role.RESIDENT else "—"
        out.append(DemoLogin(username, str(Role(user.role).label), scope))
    return out


def _area_names(codes: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for model in (District, Street, Community, Grid):
        out.update(model.objects.filter(code__in=codes).values_list("code", "name"))
    return out
