"""Response shapes shared by the API's routers (they document the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso(pattern: re.Pattern, example: str):
    """Only ISO 8601 text (or the value itself): pydantic would otherwise also read a number
    as seconds since 1970, which no client means."""

    def check(value):
        if isinstance(value, dt.date) or (isinstance(value, str) and pattern.match(value)):
            return value
        raise ValueError(f"should be an ISO 8601 string such as {example}")

    return BeforeValidator(check)


IsoDate = Annotated[dt.date, _iso(_DAY, "2026-01-31")]
IsoDateTime = Annotated[dt.datetime, _iso(_MOMENT, "2026-01-31T09:30:00+08:00")]


class Error(Schema):
    """Every error the API returns: a stable machine code and a Chinese message for people."""

    code: str
    message: str
    details: Any = None


class NodeRef(Schema):
    code: str
    name: str
    level: Literal["district", "street", "community", "grid"]


class StaffCounts(Schema):
    basic: int
    specialist: int
    response: int


class NodeProperties(Schema):
    code: str
    name: str
    level: Literal["district", "street", "community", "grid"]
    area_m2: int | None = None
    child_count: int | None = None
    grid_count: int | None = None
    # Grids only: staff counts per force and the staffing rules the grid breaks right now.
    staff: StaffCounts | None = None
    staff_alerts: list[str] | None = None


class NodeFeature(Schema):
    type: Literal["Feature"]
    properties: NodeProperties
    geometry: dict | None


class ParentFeature(Schema):
    type: Literal["Feature"]
    properties: NodeRef
    geometry: dict | None


class NodeCollection(Schema):
    """GeoJSON FeatureCollection of area nodes; `parent` and `path` are foreign members."""

    type: Literal["FeatureCollection"]
    parent: ParentFeature | None = None
    path: list[NodeRef] = []
    features: list[NodeFeature]


class ValidationIssue(Schema):
    rule: str
    community_code: str
    codes: list[str]
    area_m2: float | None = None
    message: str


class ValidationResult(Schema):
    area: NodeRef | None
    ok: bool
    issues: list[ValidationIssue]
