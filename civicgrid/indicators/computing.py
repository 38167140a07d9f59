"""Computed indicators: the bridge to the calculations the ledgers app offers.

`civicgrid.registry.computed.COMPUTED` maps a key to an object with `.code`, `.name`, `.unit`
and `.compute(*, as_of, area_code="") -> Decimal | None` (None: the data cannot give it). An
indicator whose source is the ledgers or the cases names its key (`Indicator.compute_key`).
When the registry is not installed or lacks the key, the indicator is "not evaluable" with that
reason — evaluation never crashes on a missing calculation.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def computed_catalogue() -> tuple[dict | None, str]:
    """(COMPUTED, "") or (None, why it is not available)."""
    try:
        from civicgrid.registry.computed import COMPUTED  # the ledgers app is optional
    except ImportError:
        return None, _("台账模块（civicgrid.registry）尚未安装，无法计算")
    except (RuntimeError, ImproperlyConfigured) as exc:
        # e.g. the module exists but its app is not in INSTALLED_APPS.
        log.warning("civicgrid.registry.computed is not usable: %s", exc)
        return None, _("台账模块（civicgrid.registry）未启用，无法计算")
    return COMPUTED, ""


def unavailable_reason(compute_key: str, catalogue: dict | None = None,
                       why: str = "") -> str:
    """Why the calculation `compute_key` cannot be used ('' when it can)."""
    if catalogue is None:
        catalogue, why = computed_catalogue()
        if catalogue is None:
            return why
    if not compute_key:
        return _("未指定计算口径")
    if compute_key not in catalogue:
        return _("计算口径“%(key)s”不存在（台账模块未提供）") % {"key": compute_key}
    return ""


def compute(compute_key: str, *, as_of: dt.date, area_code: str = "") -> Decimal | None:
    catalogue, why = computed_catalogue()
    if catalogue is None or compute_key not in catalogue:
        return None
    value = catalogue[compute_key].compute(as_of=as_of, area_code=area_code)
    return None if value is None else Decimal(value)
