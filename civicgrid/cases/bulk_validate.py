"""Row checks of the bulk import, vectorised over a typed batch: each rejected row gets every
reason that applies (Chinese, saying what to fix); rows with a reason are not imported.

The limits are the online intake's (services/intake.py): description length, the China box for
coordinates, phone and e-mail formats, field lengths, no report time in the future."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils.translation import gettext as _

from .bulk_columns import STAGE_TIME, TIME_FIELDS, stage_of
from .bulk_history import MAX_REPEATS
from .models import Channel, Priority
from .services.intake import (
    CHINA_BOX,
    EMAIL,
    FUTURE_TOLERANCE,
    LANDLINE,
    LOCAL,
    MAX_CLIENT_KEY,
    MAX_DESCRIPTION,
    MOBILE,
    normalize_phone,
)
from .workflow import State

TIME_LABELS = {"reported_at": "上报时间", "registered_at": "立案时间",
               "dispatched_at": "派遣时间", "accepted_at": "签收时间",
               "reported_back_at": "反馈时间", "closed_at": "结案时间", "rated_at": "评价时间"}


def _lengths(values: np.ndarray) -> np.ndarray:
    items = values.tolist()
    if None in items:
        items = [v or "" for v in items]
    return np.fromiter(map(len, items), np.int64, len(items))


def validate(b: dict, *, now: dt.datetime) -> np.ndarray:
    """An object array of reasons per row ("" = the row is fine). Normalises phone numbers
    and sets the return count of returned cases to at least one, in place."""
    n = len(b["row"])
    reasons = np.full(n, "", dtype=object)

    def fail(mask, message: str) -> None:
        if mask.any():
            reasons[mask] = reasons[mask] + message + "；"

    desc_len = _lengths(b["description"])
    fail(desc_len == 0, _("问题描述为空，请填写"))
    fail(desc_len > MAX_DESCRIPTION, _("问题描述超过%(n)d个字，请精简") % {"n": MAX_DESCRIPTION})
    channels = b["channel"]
    fail(~np.isin(channels, Channel.values), _("来源渠道无效，可填：巡查、热线、居民上报、街巷长、视频"))
    fail(~np.isin(b["priority"], Priority.values), _("紧急程度只能是 0（一般）、1（紧急）、2（特急）"))
    lon, lat = b["lon"], b["lat"]
    one = np.isnan(lon) != np.isnan(lat)
    fail(one, _("经度和纬度须同时填写"))
    both = ~np.isnan(lon) & ~np.isnan(lat)
    x0, y0, x1, y1 = CHINA_BOX
    out = both & ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    fail(out, _("坐标不在中国境内，请检查经纬度是否填反或定位是否正确"))
    times = {f: b[f] for f in TIME_FIELDS}
    fail(np.isnat(times["reported_at"]), _("缺少上报时间"))
    limit = np.datetime64(int((now + FUTURE_TOLERANCE).timestamp()), "s")
    for f, t in times.items():
        fail(~np.isnat(t) & (t > limit), _("%(f)s晚于当前时间") % {"f": _(TIME_LABELS[f])})
    state = b["state"]
    known = np.isin(state, [s.value for s in State if s != State.MERGED])
    fail(~known, _("状态无效（已合并的案件不能导入）"))
    stage = stage_of(state)
    for need, f in STAGE_TIME.items():
        fail(known & (stage >= need) & np.isnat(times[f]),
             _("该状态须填写%(f)s") % {"f": _(TIME_LABELS[f])})
    fail((state == State.SUSPENDED) & np.isnat(times["accepted_at"]),
         _("该状态须填写%(f)s") % {"f": _(TIME_LABELS["accepted_at"])})
    previous = times["reported_at"]
    for f in TIME_FIELDS[1:]:
        t = times[f]
        fail(~np.isnat(t) & ~np.isnat(previous) & (t < previous),
             _("%(f)s早于前一步的时间，请检查时间先后") % {"f": _(TIME_LABELS[f])})
        previous = np.where(np.isnat(t), previous, t)
    rated = b["rating"] != ""
    fail(rated & (state != State.CLOSED), _("只有已结案的案件才能有评价"))
    fail(rated & np.isnat(times["rated_at"]), _("有评价时须填写评价时间"))
    for f in ("return_count", "rework_count", "extension_count", "supervise_count",
              "reopen_count"):
        fail((b[f] < 0) | (b[f] > MAX_REPEATS), _("次数须在 0 到 %(n)d 之间") % {"n": MAX_REPEATS})
    keys = b["client_key"]
    key_len = _lengths(keys)
    fail(key_len > MAX_CLIENT_KEY, _("幂等键最长%(n)d个字符") % {"n": MAX_CLIENT_KEY})
    fail(_lengths(b["address"]) > 255, _("地址过长，请精简到255个字以内"))
    fail(_lengths(b["reporter_name"]) > 50, _("姓名过长，请填写50个字以内"))
    _check_contacts(b, fail)
    b["return_count"] = np.where(state == State.RETURNED, np.maximum(b["return_count"], 1),
                                 b["return_count"])
    return np.array([r[:-1] for r in reasons.tolist()], dtype=object) if n else reasons


def _check_contacts(b: dict, fail) -> None:
    phones = b["reporter_phone"]
    has = np.flatnonzero(phones != "")
    if has.size:
        # Already-clean mobile numbers (most of them) pass without a regex.
        text = phones[has].astype("U20")
        clean = (np.strings.str_len(text) == 11) & np.strings.isdigit(text) & \
            np.strings.startswith(text, "1") & ~np.isin(np.strings.slice(text, 1, 2),
                                                        ["0", "1", "2"])
        has = has[~clean]
        bad = np.zeros(len(phones), bool)
        for i in has.tolist():
            digits = normalize_phone(phones[i])
            phones[i] = digits
            bad[i] = not (MOBILE.match(digits) or LANDLINE.match(digits) or LOCAL.match(digits))
        fail(bad, _("电话号码格式不正确，请填写11位手机号或带区号的固定电话"))
    emails = b["reporter_email"]
    has = np.flatnonzero(emails != "")
    if has.size:
        bad = np.zeros(len(emails), bool)
        bad[has] = [not EMAIL.match(e) or len(e) > 120 for e in emails[has].tolist()]
        fail(bad, _("电子邮箱格式不正确"))
