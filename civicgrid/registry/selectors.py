"""Reading the ledgers, already scoped to what the actor may see.

- `ledger_rows(actor, ledger, area=...)`: the rows of one ledger inside the actor's scope (the
  permission policy's `visible`), optionally only inside `area`. A social organisation is also
  seen by the streets and communities it serves, not only where it is registered.
- `ledger_counts(actor, area=...)`: how many rows each ledger has in scope (the index page).
- `masked_for(actor, ledger)`: whether personal data must be masked for this actor.
- `area_path` / `area_children`: where a page stands and where it can go down to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.codes import ancestor_codes, level_of
from civicgrid.core.errors import InvalidInput
from civicgrid.territory.models import Community, District, Street

from .ledgers import LEDGERS, Ledger
from .models import SocialOrganization

MODELS_BY_LENGTH = {6: District, 9: Street, 12: Community}


def check_area(area: str) -> str:
    """'' (the city) or a district, street or community code; InvalidInput otherwise."""
    area = (area or "").strip()
    if area and level_of(area) not in ("district", "street", "community"):
        raise InvalidInput(_("区域编码“%(code)s”应为6位区县、9位街道或12位社区编码")
                           % {"code": area}, code="area")
    return area


def _in_area(model, area: str) -> Q:
    if not area:
        return Q()
    return Q(**{model.scope_fields[len(area)]: area})


def ledger_rows(actor, ledger: Ledger, *, area: str = "") -> QuerySet:
    """Rows of `ledger` the actor may see (none for roles without registry.view)."""
    area = check_area(area)
    model = ledger.model
    qs = permissions.visible(actor, model.objects.all(), action="registry.view")
    if model is SocialOrganization:
        qs = _organisations(actor, qs)
        if area:
            qs = qs.filter(_in_area(model, area)
                           | Q(communities_served__code__startswith=area)).distinct()
        return qs
    return qs.filter(_in_area(model, area))


def _organisations(actor, qs: QuerySet) -> QuerySet:
    """Add the organisations that serve a community inside the actor's area."""
    scope = permissions.scope_of(actor).area
    if not scope or not permissions.role_may(actor, "registry.view"):
        return qs
    serving = SocialOrganization.objects.filter(
        communities_served__code__startswith=scope).values("pk")
    return SocialOrganization.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=serving))


def ledger_counts(actor, *, area: str = "") -> list[tuple[Ledger, int]]:
    return [(lg, ledger_rows(actor, lg, area=area).count()) for lg in LEDGERS.values()]


def masked_for(actor, ledger: Ledger) -> bool:
    """Personal fields are masked unless the actor's role may see personal data."""
    return bool(ledger.personal) and not permissions.may(actor, "registry.view_personal")


@dataclass(frozen=True)
class Place:
    code: str
    name: str


def _names(codes: list[str]) -> dict[str, str]:
    out = {}
    for n, model in MODELS_BY_LENGTH.items():
        wanted = [c for c in codes if len(c) == n]
        if wanted:
            out.update(model.objects.filter(code__in=wanted).values_list("code", "name"))
    return out


def area_path(area: str) -> list[Place]:
    """The city, then each ancestor of `area`, then `area` itself."""
    codes = [*ancestor_codes(area), area] if area else []
    names = _names(codes)
    return [Place("", _("全市"))] + [Place(c, names.get(c, c)) for c in codes]


def area_children(actor, area: str) -> list[Place]:
    """The districts (of the city), streets (of a district) or communities (of a street) the
    actor may see, for drilling down; nothing below a community."""
    n = len(area)
    child = {0: District, 6: Street, 9: Community}.get(n)
    if child is None:
        return []
    qs = permissions.visible(actor, child.objects.all(), action="registry.view")
    if n:
        qs = qs.filter(code__startswith=area)
    scope = permissions.scope_of(actor).area or ""
    # Only places inside the actor's own scope (visible() also returns its ancestors).
    qs = qs.filter(code__startswith=scope)
    return [Place(c, name) for c, name in qs.order_by("code").values_list("code", "name")]


def default_area(actor) -> str:
    """Where a page opens: the actor's own scope ('' for the city); a grid worker's community
    (ledgers go no deeper than communities)."""
    return (permissions.scope_of(actor).area or "")[:12]
