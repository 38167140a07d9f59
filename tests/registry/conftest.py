"""Ledger fixtures on the hand-built territory of tests/factories.py.

Communities (all of kind 社区 unless a test says otherwise) and their centroids:
    W1 110102001001 (116.31, 39.91)   W2 110102001002 (116.31, 39.93)   street W 110102001
    E1 110102003001 (116.33, 39.91)   E2 110102003002 (116.33, 39.93)   street E 110102003
    CY 110105001001 (116.35, 39.92)   street 110105001 of district 110105
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from civicgrid.accounts.models import Role
from civicgrid.registry.models import CommunityBody
from tests.factories import CHAOYANG, STREET_CY, STREET_E, STREET_W, XICHENG, make_user

BJ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.date(2018, 6, 30)
W1, W2 = f"{STREET_W}001", f"{STREET_W}002"
E1, E2 = f"{STREET_E}001", f"{STREET_E}002"
CY = f"{STREET_CY}001"
_codes = itertools.count(1)


def place(code: str) -> dict:
    """district/street/community codes for a row placed at `code` (6, 9 or 12 digits)."""
    return {"district_code": code[:6], "street_code": code[:9] if len(code) >= 9 else "",
            "community_code": code if len(code) == 12 else ""}


def next_code(prefix: str = "T") -> str:
    return f"{prefix}-{next(_codes):05d}"


def body(community: str, **fields) -> CommunityBody:
    return CommunityBody.objects.create(**place(community), **fields)


@pytest.fixture
def people(territory):
    """One account per role around street W (community W1), and others elsewhere."""
    return {
        "city": make_user(Role.CITY_ADMIN, ""),
        "district": make_user(Role.DISTRICT_ADMIN, XICHENG),
        "chaoyang": make_user(Role.DISTRICT_ADMIN, CHAOYANG),
        "commander": make_user(Role.STREET_COMMANDER, STREET_W),
        "dispatcher": make_user(Role.STREET_DISPATCHER, STREET_W),
        "commander_e": make_user(Role.STREET_COMMANDER, STREET_E),
        "community": make_user(Role.COMMUNITY_STAFF, W1),
        "gridworker": make_user(Role.GRID_WORKER, f"{W1}001"),
        "auditor": make_user(Role.AUDITOR, ""),
        "resident": make_user(Role.RESIDENT),
    }


__all__ = ["AS_OF", "BJ", "CY", "E1", "E2", "W1", "W2", "body", "next_code", "place"]
