"""The seed plans as data: every citation is verbatim in its seed file and states the stored
number; loading is idempotent; and `civicgrid indicators evaluate` on the loaded seeds prints
the 2018 mid-term evaluation as far as the seeds allow (the numbers in docs/indicators.md)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from civicgrid.indicators.models import Indicator, Measurement, Plan, Target
from civicgrid.indicators.rules import percent
from civicgrid.indicators.seeds import (
    citation_problems,
    quoted_number,
    seed_data,
    seeds_dir,
    seeds_load,
)

FYP, AP = "bj-13fyp-social-governance", "bj-2018-action-plan"
KEYS = ["total", "evaluable", "completed", "midterm", "lagging", "not_evaluable", "indicators"]


def run(*args) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    seeds_load()


def test_every_citation_is_found_verbatim_in_its_seed_file():
    directory = seeds_dir()
    if not directory.is_dir():
        pytest.skip(f"seed texts not found at {directory} (set CIVICGRID_SEEDS_DIR)")
    data = seed_data()
    assert citation_problems(data, directory) == []
    # Every seed file that the data names is cited, and every figure has a sentence.
    cited = {item["seed"] for p in data["plans"] for i in p["indicators"]
             for item in i.get("targets", []) + i.get("measurements", [])}
    assert cited == set(data["seeds"])


def test_a_changed_sentence_or_number_is_caught(tmp_path):
    directory = seeds_dir()
    if not directory.is_dir():
        pytest.skip(f"seed texts not found at {directory}")
    data = seed_data()
    item = data["plans"][0]["indicators"][0]["measurements"][-1]  # 89% (2018)
    item["value"] = "90"
    assert any("is not the quoted" in p for p in citation_problems(data, directory))
    item["value"], item["text"] = "89", item["text"].replace("89%", "90%")
    assert any("not found verbatim" in p for p in citation_problems(data, directory))


@pytest.mark.parametrize("text, value", [
    ("83%", "83"), ("84.66%", "84.66"), ("1.49万", "14900"), ("400多万", "4000000"),
    ("6万多", "60000"), ("约2万", "20000"), ("2900余", "2900"), ("1000多", "1000"),
    ("4万", "40000"), ("0.183", "0.183"), ("26,841", "26841"),
])
def test_quoted_numbers(text, value):
    assert quoted_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["全覆盖", "2-5名", "全部", "500平方米以上", "至少配备1名"])
def test_words_are_not_numbers(text):
    assert quoted_number(text) is None


def test_loading_twice_writes_nothing_the_second_time(seeded):
    counts = (Plan.objects.count(), Indicator.objects.count(), Target.objects.count(),
              Measurement.objects.count())
    history = Measurement.history.count()
    report = seeds_load()
    assert (report.written, report.removed) == (0, 0)
    assert counts == (Plan.objects.count(), Indicator.objects.count(), Target.objects.count(),
                      Measurement.objects.count())
    assert Measurement.history.count() == history
    assert Indicator.objects.filter(plan__code=FYP).count() == 28
    assert Plan.objects.get(code=FYP).aspects.count() == 6


def test_seed_figures_cite_their_source(seeded):
    m = Measurement.objects.get(indicator__plan__code=FYP, indicator__code="certified-social-workers",
                                area_code="")
    assert (m.approved_value, m.status, m.origin) == (26841, "approved", "seed")
    assert m.citation_seed == "003_ed4e25bbbc37bca1.txt"
    assert "拥有持证社工26841人" in m.citation_text
    xicheng = Measurement.objects.get(indicator__code="nonpublic-party-coverage")
    assert (xicheng.area_code, xicheng.approved_value) == ("110102", Decimal("84.66"))


def test_the_reported_summary_is_the_seeds_and_its_percentages_follow_the_rules(seeded):
    reported = Plan.objects.get(code=FYP).reported_summary
    assert (reported["total"], reported["evaluable"], reported["completed"],
            reported["midterm"]) == (28, 26, 14, 10)
    assert str(percent(14, 26)) == reported["completed_pct"] == "53.8"
    assert str(percent(10, 26)) == reported["midterm_pct"] == "38.5"


def test_evaluate_json_on_the_13th_five_year_plan_as_of_mid_2018(seeded):
    data = json.loads(run("evaluate", "--plan", FYP, "--as-of", "2018-06-30", "--json"))
    assert list(data) == KEYS
    assert {k: data[k] for k in KEYS[:-1]} == {
        "total": 28, "evaluable": 1, "completed": 0, "midterm": 0, "lagging": 1,
        "not_evaluable": 27}
    rows = {i["code"]: i for i in data["indicators"]}
    coverage = rows["service-circle-coverage"]
    assert (coverage["status"], coverage["value"], coverage["target"]) == ("lagging", 89.0, 100.0)
    assert coverage["requirement"] == pytest.approx(89.3532, abs=1e-4)
    assert rows["work-safety-fatality-reduction"]["reason"] == "连续5年累计指标，中期不评估"
    assert rows["hub-joint-party-coverage"]["reason"] == "指标需调整，未统计"
    assert rows["community-homes"]["reason"] == "种子文件未给出基期值，无法计算中期要求"
    assert rows["service-circles"]["reason"] == "种子文件未给出目标值"
    assert rows["volunteer-ratio"]["reason"] == "种子文件未给出数据"
    # Nothing is evaluated on a figure the seeds do not give.
    for row in data["indicators"]:
        if row["status"] == "not_evaluable":
            assert row["reason"]


def test_evaluate_json_on_the_action_plan(seeded):
    data = json.loads(run("evaluate", "--plan", AP, "--as-of", "2018-06-30", "--json"))
    assert {k: data[k] for k in KEYS[:-1]} == {
        "total": 19, "evaluable": 1, "completed": 0, "midterm": 0, "lagging": 1,
        "not_evaluable": 18}
    # After the plan's end the requirement is the final target itself.
    later = json.loads(run("evaluate", "--plan", AP, "--as-of", "2021-01-01", "--json"))
    coverage = {i["code"]: i for i in later["indicators"]}["service-circle-coverage"]
    assert (coverage["status"], coverage["requirement"], coverage["basis"]) == (
        "lagging", 100.0, "final")


def test_evaluate_prints_the_summary_in_chinese(seeded):
    text = run("evaluate", "--plan", FYP, "--as-of", "2018-06-30")
    assert "指标总数 28，可评估 1，不具备评估条件 27" in text
    assert "已完成 0（0.0%），达到中期要求 0（0.0%），滞后 1（100.0%）" in text
    assert "原文报告" in text and "14项已完成（53.8%）" in text
    assert "社会服务：6项" in text
    assert "西城区（110102）" in text
    area = run("evaluate", "--plan", FYP, "--as-of", "2018-09-30", "--area", "110102", "--json")
    rows = {i["code"]: i for i in json.loads(area)["indicators"]}
    assert rows["nonpublic-party-coverage"]["value"] == 84.66


def test_evaluate_names_the_plans_when_the_code_is_wrong(seeded, capsys):
    from django.core.management.base import CommandError

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("indicators", "evaluate", "--plan", "nope", stdout=out)
    assert FYP in out.getvalue()
    with pytest.raises(CommandError):
        call_command("indicators", "evaluate", "--plan", FYP, "--area", "西城", stdout=out)
    assert "--area 应为6位区县编码或9位街道编码" in out.getvalue()
    with pytest.raises(SystemExit):  # argparse: usage and the message on stderr
        call_command("indicators", "evaluate", "--plan", FYP, "--as-of", "2018-6-31")
    assert "日期应为 YYYY-MM-DD（如 2018-06-30），收到 '2018-6-31'" in capsys.readouterr().err


def test_load_seeds_command_checks_the_citations_first(db):
    text = run("load-seeds")
    assert "4 个规划" in text
    if seeds_dir().is_dir():
        assert "全部引文均可在种子原文" in text
