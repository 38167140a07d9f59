"""The benchmark registry. Each benchmark runs our code beside its physical baseline in the same
process and returns one result; `ratio` is always "higher is better": ours ÷ baseline for rates,
baseline ÷ ours for times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    value: float  # our figure
    unit: str  # e.g. "points/s", "ms"
    baseline: float  # the baseline's figure in the same unit
    ratio: float  # higher is better
    higher_is_better: bool = True  # for `value` itself
    extra: dict = field(default_factory=dict)  # anything else worth printing (sizes, RSS...)

    def as_json(self) -> dict:
        d = asdict(self)
        extra = d.pop("extra")
        d.update(extra)
        return d


def rate_result(*, value: float, baseline: float, unit: str, **extra) -> Result:
    return Result(value=value, unit=unit, baseline=baseline,
                  ratio=value / baseline if baseline else float("nan"), extra=extra)


def time_result(*, value: float, baseline: float, unit: str = "ms", **extra) -> Result:
    return Result(value=value, unit=unit, baseline=baseline, higher_is_better=False,
                  ratio=baseline / value if value else float("nan"), extra=extra)


BenchFn = Callable[[float], Result]
BENCHMARKS: dict[str, tuple[str, BenchFn]] = {}


def benchmark(name: str, description: str):
    """Register `fn(scale) -> Result` under `name`."""

    def wrap(fn: BenchFn) -> BenchFn:
        BENCHMARKS[name] = (description, fn)
        return fn

    return wrap


def load_all() -> None:
    """Import every module that registers benchmarks."""
    import importlib
    import pkgutil

    import civicgrid.bench as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith("bench_"):
            importlib.import_module(f"civicgrid.bench.{mod.name}")
