"""The ledger models (one module per family; every model keeps its change history)."""

from .base import AreaPlaced, LedgerRow, join_list, split_list, valid_on
from .community import CommunityBody, PartyOrgKind
from .organisations import (
    BuildingStation,
    Enterprise,
    HubLevel,
    OrgStatus,
    OrgType,
    SocialOrganization,
    StationMode,
)
from .people import (
    AlleySteward,
    Certificate,
    LaneChief,
    TrainingRecord,
    Volunteer,
    Worker,
    WorkerKind,
)
from .places import Facility, FacilityKind

__all__ = [
    "AlleySteward", "AreaPlaced", "BuildingStation", "Certificate", "CommunityBody", "Enterprise",
    "Facility", "FacilityKind", "HubLevel", "LaneChief", "LedgerRow", "OrgStatus", "OrgType",
    "PartyOrgKind", "SocialOrganization", "StationMode", "TrainingRecord", "Volunteer", "Worker",
    "WorkerKind", "join_list", "split_list", "valid_on",
]
