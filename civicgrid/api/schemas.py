"""Response shapes shared by the API's routers (they document the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema


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
