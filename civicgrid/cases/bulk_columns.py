"""The columns of a bulk batch: what an import file holds, typed as numpy arrays.

A batch is a plain dict of equal-length arrays (one entry per column below). Readers
(bulk_read.py) build it from CSV/JSON Lines/Excel rows, the generator (generate.py) builds it
directly; the pipeline (bulk.py) then adds the derived columns (codes, deadlines, numbers).
Missing values: NaN for floats, NaT for times, -1 for ids and the solved flag, "" for text.

The import file's columns are the keys of INPUT (field names, or the Chinese headers of HEADERS).
Times are ISO 8601 ("2025-03-01 08:15:00", "2025-03-01T08:15:00+08:00"); a time without an
offset is local time (settings.TIME_ZONE).
"""

from __future__ import annotations

import numpy as np

from .models import Channel, Rating
from .workflow import State

NAT = np.datetime64("NaT", "s")
TIME_FIELDS = ("reported_at", "registered_at", "dispatched_at", "accepted_at",
               "reported_back_at", "closed_at", "rated_at")
COUNT_FIELDS = ("return_count", "rework_count", "extension_count", "supervise_count",
                "reopen_count")
TEXT_FIELDS = ("client_key", "description", "title", "address", "reporter_name",
               "reporter_phone", "reporter_email")

# column -> numpy dtype of the typed batch (object = Python str)
INPUT: dict[str, object] = {
    "row": np.int64, "client_key": object, "channel": object, "description": object,
    "title": object, "reported_at": "datetime64[s]", "lon": np.float64, "lat": np.float64,
    "address": object, "category_id": np.int64, "priority": np.int64, "state": object,
    **{f: "datetime64[s]" for f in TIME_FIELDS[1:]},
    **{f: np.int64 for f in COUNT_FIELDS},
    "rating": object, "solved": np.int8, "review_date": "datetime64[D]",
    "reporter_name": object, "reporter_phone": object, "reporter_email": object,
}

# Chinese headers an office's spreadsheet may use instead of the field names.
HEADERS = {
    "client_key": "幂等键", "channel": "来源渠道", "description": "问题描述", "title": "标题",
    "reported_at": "上报时间", "lon": "经度", "lat": "纬度", "address": "地址",
    "category": "问题分类", "priority": "紧急程度", "state": "状态", "registered_at": "立案时间",
    "dispatched_at": "派遣时间", "accepted_at": "签收时间", "reported_back_at": "反馈时间",
    "closed_at": "结案时间", "rated_at": "评价时间", "return_count": "退单次数",
    "rework_count": "返工次数", "extension_count": "延期次数", "supervise_count": "督办次数",
    "reopen_count": "重办次数", "rating": "评价", "solved": "是否解决", "review_date": "挂账复核日期",
    "reporter_name": "报告人姓名", "reporter_phone": "报告人电话", "reporter_email": "报告人邮箱",
}
FILE_FIELDS = tuple(HEADERS)  # the generator writes these, in this order
FIELD_OF_HEADER = {**{f: f for f in HEADERS}, **{h: f for f, h in HEADERS.items()}}

# Choices accept the value or the Chinese label.
CHANNELS = {**{c.value: c.value for c in Channel}, **{str(c.label): c.value for c in Channel}}
STATES = {**{s.value: s.value for s in State}, **{str(s.label): s.value for s in State}}
RATINGS = {**{r.value: r.value for r in Rating}, **{str(r.label): r.value for r in Rating}}
TRUE = frozenset({"1", "true", "yes", "y", "是", "已解决", "解决"})
FALSE = frozenset({"0", "false", "no", "n", "否", "未解决"})

# How far each state is along the main line (used for "which timestamps must exist").
STAGE = {State.REPORTED: 0, State.REJECTED: 0, State.MERGED: 0, State.REGISTERED: 1,
         State.DISPATCHED: 2, State.RETURNED: 2, State.HANDLING: 3,
         State.EXTENSION_REQUESTED: 3, State.SUSPENDED: 3, State.REPORTED_BACK: 4,
         State.VERIFIED: 5, State.CLOSED: 6}
# The timestamp each stage needs.
STAGE_TIME = {1: "registered_at", 2: "dispatched_at", 3: "accepted_at", 4: "reported_back_at",
              6: "closed_at"}


def empty(n: int) -> dict[str, np.ndarray]:
    """A batch of n rows with every column missing (states "reported")."""
    b: dict[str, np.ndarray] = {}
    for name, dtype in INPUT.items():
        if dtype is object:
            b[name] = np.full(n, "", dtype=object)
        elif str(dtype).startswith("datetime64"):
            b[name] = np.full(n, np.datetime64("NaT"), dtype=dtype)
        elif dtype is np.float64:
            b[name] = np.full(n, np.nan)
        else:
            b[name] = np.zeros(n, dtype=dtype)
    b["row"] = np.arange(1, n + 1, dtype=np.int64)
    b["category_id"][:] = -1
    b["solved"][:] = -1
    b["state"][:] = State.REPORTED.value
    b["client_key"][:] = None
    return b


def size(batch: dict[str, np.ndarray]) -> int:
    return len(batch["row"])


def take(batch: dict[str, np.ndarray], index) -> dict[str, np.ndarray]:
    """The rows selected by a boolean mask or an index array, every column."""
    return {k: v[index] for k, v in batch.items()}


def stage_of(states: np.ndarray) -> np.ndarray:
    out = np.zeros(len(states), dtype=np.int64)
    for state, stage in STAGE.items():
        if stage:
            out[states == state.value] = stage
    return out
