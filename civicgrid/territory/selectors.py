"""Reads of the territory, already scoped to what the actor may see."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.core import permissions

from .models import Community, District, Grid, Street, TerritoryRevision

MODEL_OF_LEVEL = {"district": District, "street": Street, "community": Community, "grid": Grid}


def territory_revision() -> int:
    row = TerritoryRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return row or 0


def area_nodes(*, actor, level: str) -> QuerySet:
    model = MODEL_OF_LEVEL[level]
    return permissions.visible(actor, model.objects.all(), action="territory.view")
