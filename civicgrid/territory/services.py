"""Changes to the territory. Every change bumps TerritoryRevision in the same transaction so that
cached locators in every process notice it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import TerritoryRevision


def territory_touch() -> int:
    """Bump the territory revision; call inside the transaction that changed the territory."""
    updated = TerritoryRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        TerritoryRevision.objects.get_or_create(pk=1, defaults={"revision": 1})
    return TerritoryRevision.objects.values_list("revision", flat=True).get(pk=1)


@transaction.atomic
def territory_mark_changed() -> int:
    return territory_touch()
