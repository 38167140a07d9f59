"""`civicgrid bench [NAME ...] [--json] [--scale X]`: each benchmark beside its baseline."""

import json
import platform

from django.core.management.base import BaseCommand, CommandError

from civicgrid.bench.registry import BENCHMARKS, load_all


class Command(BaseCommand):
    help = "性能基准：每项与其物理基线同时运行，输出比值（越高越好）"

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="multiply the default workload size (e.g. 10)")
        parser.add_argument("--list", action="store_true", help="list the benchmarks")

    def handle(self, *args, names, json: bool, scale: float, list: bool, **options):
        load_all()
        if list:
            for name, (desc, _) in sorted(BENCHMARKS.items()):
                self.stdout.write(f"{name:12} {desc}")
            return
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            raise CommandError(f"unknown benchmark(s): {', '.join(unknown)}; "
                               f"known: {', '.join(sorted(BENCHMARKS))}")
        results = {}
        for name in names or sorted(BENCHMARKS):
            desc, fn = BENCHMARKS[name]
            if not json:
                self.stderr.write(f"running {name}: {desc} (scale {scale:g})")
            res = fn(scale)
            results[name] = res.as_json()
            if not json:
                self.stdout.write(
                    f"{name:12} {res.value:>14,.1f} {res.unit:10} baseline {res.baseline:>14,.1f}"
                    f"  ratio {res.ratio:6.2f}  "
                    + "  ".join(f"{k}={v}" for k, v in res.extra.items()))
        if json:
            self.stdout.write(_dumps(results))
        elif results:
            self.stdout.write(f"machine: {platform.machine()}, {platform.python_implementation()} "
                              f"{platform.python_version()}")


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=float)
