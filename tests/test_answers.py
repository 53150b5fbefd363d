"""The answers (chikuden.answers, data/answers.yaml): statuses worked out by hand, one case per
band, the sentences' numbers, the same verdicts in every face, the status colours' contrast and
clear errors for a bad declaration."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import chikuden
from chikuden.analysis.findings import findings
from chikuden.answers import (
    AnswersDeclarationError,
    answers,
    check_status,
    outputs_needed,
    parse,
    questions,
)
from chikuden.cli import app
from chikuden.results import Results

TEMPLATE = Path(chikuden.__file__).parent / "report" / "templates" / "report.html.j2"
IDS = (
    "domestic-capacity",
    "global-capacity",
    "fund-vs-subsidy-demand",
    "fund-vs-capital-need",
    "fund-lasts",
    "equal-footing-us",
    "minerals-secured",
    "eu-footprint",
    "chargers",
    "storage-deployment",
    "people",
    "storage-price",
)


def _answers_of(name: str, *overrides: str) -> Results:
    scenario = chikuden.load_scenario(name, overrides=list(overrides))
    return chikuden.evaluate(scenario, outputs=outputs_needed())


def _statuses(r: Results, i: int = 0) -> dict[str, str]:
    return {a.id: a.status for a in answers(r, "en", i)}


def test_the_questions_are_declared_in_order() -> None:
    assert tuple(q.id for q in questions()) == IDS


# Margin answers.at_risk_margin_share = 0.1: "at least" targets are at risk from 90% of the
# target, "at most" ceilings up to 110% of the ceiling.
def test_proposal_2022_by_hand() -> None:
    r = _answers_of("proposal-2022")
    v = r.value
    # 20 GWh < 0.9 x 150 = 135 GWh: not met; 65.8 < 0.9 x 600 = 540: not met
    assert v("capacity.domestic_2030") == 20.0 and v("targets.domestic_capacity_2030") == 150.0
    assert v("capacity.japan_global_2030") == pytest.approx(65.8)
    # fund 3.0 trn >= subsidy demand 1.68 trn: met; 3.0 < 0.9 x 5.8 = 5.22 trn: not met
    assert v("finance.fund_size") == 3e12
    assert v("finance.subsidy_demand_total") == pytest.approx(1.6756e12, rel=1e-4)
    assert v("finance.capital_need_total") == 5.8e12
    # the fund never runs out on the horizon (NaN): met
    assert math.isnan(v("finance.fund_exhausted_year"))
    # IRR with support 11.8% >= 9.5% in the US: met
    assert v("finance.plant_irr_with_support") >= v("finance.plant_irr_us")
    # the least secured mineral, manganese 29.5% < 0.9 x 100%: not met
    assert v("minerals.secured_share_2030.manganese") == pytest.approx(0.2947, abs=1e-4)
    # 76.75 g <= 80 g (the assumed threshold): met
    assert v("carbon.eu_footprint_grid") == pytest.approx(76.75, abs=0.01)
    # 300,000 connectors < 0.9 x 515,234 = 463,710: not met (and 2,500 < 0.9 x 3,200)
    assert v("charging.connectors_needed_2030") == pytest.approx(515234, abs=1)
    # 15.3 GWh < 0.9 x 24 = 21.6 GWh: not met; 30,000 people >= 3,230 to train: met
    # household price 177,638 yen > 1.1 x 70,000 = 77,000 yen: not met
    assert _statuses(r) == {
        "domestic-capacity": "not_met",
        "global-capacity": "not_met",
        "fund-vs-subsidy-demand": "met",
        "fund-vs-capital-need": "not_met",
        "fund-lasts": "met",
        "equal-footing-us": "met",
        "minerals-secured": "not_met",
        "eu-footprint": "met",
        "chargers": "not_met",
        "storage-deployment": "not_met",
        "people": "met",
        "storage-price": "not_met",
    }


def test_meti_strategy_2022_by_hand() -> None:
    r = _answers_of("meti-strategy-2022")
    v = r.value
    # fund 2.3 trn >= demand 1.62 trn: met; 2.3 < 0.9 x 5.6 = 5.04 trn: not met
    assert v("finance.fund_size") == 2.3e12
    assert v("finance.subsidy_demand_total") == pytest.approx(1.6178e12, rel=1e-4)
    # IRR 5.5% < 0.9 x 9.5% = 8.56%: not met (the rules give a third, not a half)
    assert v("finance.plant_irr_with_support") == pytest.approx(0.0550, abs=1e-4)
    # 150,000 connectors < 0.9 x 642,970: not met
    assert v("charging.target_connectors_2030") == 150000.0
    got = _statuses(r)
    assert got["equal-footing-us"] == "not_met" and got["fund-vs-subsidy-demand"] == "met"
    assert [k for k, s in got.items() if s == "met"] == [
        "fund-vs-subsidy-demand",
        "fund-lasts",
        "eu-footprint",
        "people",
    ]


def test_actual_2025_by_hand() -> None:
    r = _answers_of("actual-2025")
    v = r.value
    # 116.5 GWh < 0.9 x 150 = 135: not met
    assert v("capacity.domestic_2030") == pytest.approx(116.5)
    # fund 1.1052 trn against demand 1.1705 trn: 0.9 x 1.1705 = 1.0535 <= 1.1052 < 1.1705:
    # at risk (a shortfall of 65.3 bn yen)
    assert v("finance.fund_size") == pytest.approx(1.1052e12)
    assert v("finance.subsidy_demand_total") == pytest.approx(1.17051e12, rel=1e-5)
    # the fund runs out in 2029 < 2030: not met
    assert v("finance.fund_exhausted_year") == 2029.0
    # 300,000 against 327,510 needed: 0.9 x 327,510 = 294,759 <= 300,000: at risk; on
    # expressways 2,500 >= 2,450: met; the worst of the two: at risk
    assert v("charging.connectors_needed_2030") == pytest.approx(327510.2, abs=0.1)
    assert v("charging.highway_network_needed_2030") == 2450.0
    # 30,000 >= 22,041 people to train: met
    got = _statuses(r)
    assert got == {
        "domestic-capacity": "not_met",
        "global-capacity": "not_met",
        "fund-vs-subsidy-demand": "at_risk",
        "fund-vs-capital-need": "not_met",
        "fund-lasts": "not_met",
        "equal-footing-us": "not_met",
        "minerals-secured": "not_met",
        "eu-footprint": "met",
        "chargers": "at_risk",
        "storage-deployment": "not_met",
        "people": "met",
        "storage-price": "not_met",
    }


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        # at least: the least secured mineral of proposal-2022 is manganese at 0.2947
        ("answers.minerals_secured_target_share=0.29", "met"),  # 0.2947 >= 0.29
        ("answers.minerals_secured_target_share=0.32", "at_risk"),  # 0.9 x 0.32 = 0.288
        ("answers.minerals_secured_target_share=0.5", "not_met"),  # 0.9 x 0.5 = 0.45
    ],
)
def test_each_band_of_an_at_least_rule(override: str, expected: str) -> None:
    assert _statuses(_answers_of("proposal-2022", override))["minerals-secured"] == expected


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        # at most: the grid-made cell counts 76.75 g CO2e/kWh delivered
        ("carbon.eu_threshold_gco2e_per_kwh_delivered=80", "met"),  # 76.75 <= 80
        ("carbon.eu_threshold_gco2e_per_kwh_delivered=72", "at_risk"),  # 1.1 x 72 = 79.2
        ("carbon.eu_threshold_gco2e_per_kwh_delivered=60", "not_met"),  # 1.1 x 60 = 66
    ],
)
def test_each_band_of_an_at_most_rule(override: str, expected: str) -> None:
    assert _statuses(_answers_of("proposal-2022", override))["eu-footprint"] == expected


def test_each_band_of_a_deadline_rule() -> None:
    # actual-2025's fund runs out in 2029: before a 2030 deadline not met, in a 2029 one at
    # risk; proposal-2022's never does: met
    assert _statuses(_answers_of("actual-2025"))["fund-lasts"] == "not_met"
    late = _answers_of("actual-2025", "answers.fund_deadline_year=2029")
    assert _statuses(late)["fund-lasts"] == "at_risk"
    assert _statuses(_answers_of("proposal-2022"))["fund-lasts"] == "met"


def test_a_margin_of_zero_leaves_no_band() -> None:
    r = _answers_of("actual-2025", "answers.at_risk_margin_share=0")
    assert _statuses(r)["fund-vs-subsidy-demand"] == "not_met"
    assert _statuses(r)["chargers"] == "not_met"


def test_check_status_rules() -> None:
    assert check_status(90.0, 100.0, "at_least", 0.1) == "at_risk"  # 90 >= 0.9 x 100
    assert check_status(89.9, 100.0, "at_least", 0.1) == "not_met"
    assert check_status(110.0, 100.0, "at_most", 0.1) == "at_risk"  # 110 <= 1.1 x 100
    assert check_status(math.nan, 100.0, "at_least", 0.1) == "undefined"
    assert check_status(math.nan, 2030.0, "not_before", 0.1) == "met"  # never runs out
    assert check_status(2030.0, 2030.0, "not_before", 0.1) == "at_risk"


def test_sentences_have_their_numbers_formatted() -> None:
    r = _answers_of("proposal-2022")
    en = {a.id: a.sentence for a in answers(r, "en")}
    ja = {a.id: a.sentence for a in answers(r, "ja")}
    assert "20 GWh" in en["domestic-capacity"] and "150 GWh" in en["domestic-capacity"]
    assert "¥3.0 trillion" in en["fund-vs-subsidy-demand"]
    assert "51.7%" in en["fund-vs-capital-need"]  # 3 / 5.8 = 0.5172
    assert "基金3兆円" in ja["fund-vs-subsidy-demand"] and "5.8兆円" in ja["fund-vs-capital-need"]
    assert "3万人" in ja["people"]
    assert "not by 2040" in en["fund-lasts"]  # the indicator's declared "undefined" text
    assert "{" not in "".join(en.values()) + "".join(ja.values())


def test_only_the_outputs_answers_need_give_the_same_answers() -> None:
    scenario = chikuden.load_scenario("actual-2025")
    full = answers(chikuden.evaluate(scenario), "en")
    assert answers(chikuden.evaluate(scenario, outputs=outputs_needed()), "en") == full


def test_a_batch_answers_each_scenario_as_alone() -> None:
    names = ["proposal-2022", "actual-2025"]
    batch = chikuden.evaluate([chikuden.load_scenario(n) for n in names], outputs=outputs_needed())
    for i, name in enumerate(names):
        assert answers(batch, "ja", i) == answers(_answers_of(name), "ja")


class _Statuses(HTMLParser):
    """data-answer / data-status pairs of the report's answers box."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[str]] = {}
        self._row = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("data-answer"):
            self._row = str(a["data-answer"])
            self.found[self._row] = []
        if a.get("data-status") and self._row:
            self.found[self._row].append(str(a["data-status"]))


def test_cli_json_and_report_show_the_same_verdicts(tmp_path: Path) -> None:
    from chikuden.answers import status_word
    from chikuden.report.html import render_report

    runner = CliRunner()
    expected = _statuses(_answers_of("actual-2025"))
    got = runner.invoke(app, ["answers", "--scenario", "actual-2025", "--json"])
    assert got.exit_code == 0, got.output
    doc = json.loads(got.output)
    assert {a["id"]: a["status"] for a in doc["answers"]} == expected
    text = runner.invoke(app, ["answers", "-s", "actual-2025"]).output
    for a in answers(_answers_of("actual-2025"), "en"):
        line = next(x for x in text.splitlines() if x.startswith(a.question))
        assert re.search(rf"\s{re.escape(status_word(a.status, 'en'))}\s", line), line
    html = render_report(chikuden.evaluate(chikuden.load_scenario("actual-2025")), "ja")
    parser = _Statuses()
    parser.feed(html)
    assert {k: v[0] for k, v in parser.found.items()} == expected
    for qid in IDS:
        assert f'id="ans-{qid}"' in html and f'data-target="plot-ans-{qid}"' in html


def test_compare_sets_answers_side_by_side_with_a_delta() -> None:
    from chikuden.report.html import render_report

    runner = CliRunner()
    got = runner.invoke(app, ["answers", "-s", "proposal-2022", "-s", "actual-2025"])
    assert got.exit_code == 0, got.output
    line = next(x for x in got.output.splitlines() if x.startswith("Does domestic cell"))
    # 116.5 - 20 = 96.5 GWh more in actual-2025; same status: not marked
    assert "+96.5 GWh" in line and "≠" not in line
    line = next(x for x in got.output.splitlines() if x.startswith("Does a plant in Japan"))
    # 1.566% - 11.809% = -10.24 points; met against not met: marked
    assert "-10.2 pt" in line and line.rstrip().endswith("≠")
    names = ["proposal-2022", "actual-2025"]
    results = chikuden.evaluate([chikuden.load_scenario(n) for n in names])
    parser = _Statuses()
    parser.feed(render_report(results, "en"))
    assert parser.found["equal-footing-us"] == ["met", "not_met"]
    html = render_report(results, "en")
    assert re.search(r'<tr data-answer="equal-footing-us" class="differs">', html)
    assert '<tr data-answer="domestic-capacity">' in html


def test_unknown_scenario_is_one_line_and_exit_2() -> None:
    got = CliRunner().invoke(app, ["answers", "--scenario", "nope"])
    assert got.exit_code == 2
    assert len(got.output.strip().splitlines()) == 1 and "nope" in got.output


def test_a_shortfall_is_never_info() -> None:
    # proposal-2022: the fund covers 3 / 5.8 = 51.7% of the capital need; actual-2025: the
    # subsidy demand exceeds the fund by 65.3 bn yen. Both are shortfalls: warnings.
    for name in ("proposal-2022", "actual-2025"):
        r = chikuden.evaluate(chikuden.load_scenario(name))
        f = {x.id: x for x in findings(r)}
        assert f["fund-covers-need"].status == "warn"


# -- status colours: WCAG 2.x contrast ---------------------------------------------------------
def _relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""

    def linear(c8: int) -> float:
        c = c8 / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_luminance_formula_by_hand() -> None:
    # "met": text #17603a on #e3f4ea.
    # text: R 0x17 = 23 -> 0.0902 -> ((0.0902 + 0.055) / 1.055)^2.4 = 0.0086;
    #       G 0x60 = 96 -> 0.3765 -> 0.1170; B 0x3a = 58 -> 0.2275 -> 0.0423;
    #       L = 0.2126 x 0.0086 + 0.7152 x 0.1170 + 0.0722 x 0.0423 = 0.0885
    # background: e3 -> 0.7682, f4 -> 0.9047, ea -> 0.8228;
    #       L = 0.2126 x 0.7682 + 0.7152 x 0.9047 + 0.0722 x 0.8228 = 0.8697
    # contrast = (0.8697 + 0.05) / (0.0885 + 0.05) = 0.9197 / 0.1385 = 6.64 >= 4.5
    assert _relative_luminance("#17603a") == pytest.approx(0.0885, abs=5e-4)
    assert _relative_luminance("#e3f4ea") == pytest.approx(0.8697, abs=5e-4)
    assert _contrast("#17603a", "#e3f4ea") == pytest.approx(6.64, abs=0.01)
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)  # (1 + .05) / (0 + .05)


def test_status_colours_pass_wcag_aa() -> None:
    css = TEMPLATE.read_text("utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    for status in ("met", "at-risk", "not-met", "undef"):
        text, background = colours[status], colours[f"{status}-bg"]
        assert _contrast(text, background) >= 4.5, (status, text, background)
        # the pill draws its text in that colour on that background
        assert re.search(
            rf"\.pill\.{status} {{ color: var\(--{status}\); background: var\(--{status}-bg\); }}",
            css,
        )


# -- declarations ------------------------------------------------------------------------------
GOOD = {
    "id": "q",
    "clause": "P1",
    "question": {"en": "Q?", "ja": "問？"},
    "checks": [
        {
            "value": "capacity.domestic_2030",
            "target": "targets.domestic_capacity_2030",
            "want": "at_least",
        }
    ],
    "headline": "capacity.domestic_2030",
    "values": {"gap": "capacity.domestic_gap_2030"},
    "sentence": {"en": "{value} of {target}, {gap}", "ja": "{value}／{target}、{gap}"},
    "chart": {"kind": "bars", "bars": ["capacity.domestic_2030"]},
}


def _bad(**change: object) -> str:
    spec = {**GOOD, **change}
    with pytest.raises(AnswersDeclarationError) as info:
        parse({"answers": [spec]}, "answers.yaml")
    return str(info.value)


def test_a_good_declaration_parses() -> None:
    (q,) = parse({"answers": [GOOD]})
    assert q.indicators == (
        "capacity.domestic_2030",
        "targets.domestic_capacity_2030",
        "capacity.domestic_gap_2030",
    )


def test_bad_declarations_name_the_file_and_field() -> None:
    check = dict(GOOD["checks"][0])  # type: ignore[index]
    message = _bad(checks=[{**check, "want": "atleast"}])
    assert message.startswith("answers.yaml: answers[0] (q).checks[0].want: 'atleast'")
    message = _bad(checks=[{**check, "value": "capacity.domestic_2031"}])
    assert "checks[0].value: 'capacity.domestic_2031' is not an indicator" in message
    assert "capacity.domestic_2030" in message  # did you mean
    message = _bad(sentence={"en": "{value} {nope}", "ja": "{value}"})
    assert "sentence.en: placeholder {nope} is not in 'values'" in message
    spec = {k: v for k, v in GOOD.items() if k != "headline"}
    with pytest.raises(AnswersDeclarationError, match=r"answers\[0\] \(q\): missing field"):
        parse({"answers": [spec]}, "answers.yaml")
    assert "unknown field 'colour'" in _bad(colour="red")
    assert "needs 'en' and 'ja'" in _bad(question={"en": "Q?"})
    assert "chart.kind: 'pie'" in _bad(chart={"kind": "pie", "bars": ["capacity.domestic_2030"]})
    with pytest.raises(AnswersDeclarationError, match="declared twice"):
        parse({"answers": [GOOD, GOOD]})
    with pytest.raises(AnswersDeclarationError, match="needs a list 'answers'"):
        parse({"questions": []})


def test_answer_charts_show_targets_gaps_and_the_fund_as_bars() -> None:
    from chikuden.report.answers import figure

    r = chikuden.evaluate(chikuden.load_scenario("proposal-2022"))
    by_id = {q.id: q for q in questions()}
    fund = figure(by_id["fund-vs-subsidy-demand"], r, "en", "Source: chikuden model")
    (bars,) = fund["data"]
    # fund 3.0, subsidy demand 1.68, capital need 5.8 trillion yen, on an axis in trillions
    assert bars["type"] == "bar" and len(bars["x"]) == 3
    assert bars["y"] == pytest.approx([3.0, 1.67556, 5.8], rel=1e-5)
    assert fund["layout"]["yaxis"]["title"]["text"] == "trillion JPY"
    cap = figure(by_id["domestic-capacity"], r, "en", "Source: chikuden model")
    target, gap = cap["layout"]["shapes"][:2]
    assert target["y0"] == target["y1"] == 150.0  # the target as a horizontal line
    assert (gap["x0"], gap["y0"], gap["y1"]) == (2030, 20.0, 150.0)  # the gap at 2030
    notes = [n["text"] for n in cap["layout"]["annotations"]]
    assert any("150 GWh" in t for t in notes)  # the line is labelled
    assert any("gap 130 GWh" in t for t in notes)  # 150 - 20 = 130


@pytest.mark.parametrize("name", ["answers.at_risk_margin_share", "answers.fund_deadline_year"])
def test_every_threshold_moves_a_verdict_at_an_end_of_its_range(name: str) -> None:
    from chikuden.answers import parameters
    from chikuden.parameters.declarations import declarations

    assert parameters() == [
        "answers.at_risk_margin_share",
        "answers.fund_deadline_year",
        "answers.minerals_secured_target_share",
    ]
    base = _statuses(_answers_of("actual-2025"))
    decl = declarations()[name]
    ends = [_statuses(_answers_of("actual-2025", f"{name}={v:g}")) for v in (decl.min, decl.max)]
    assert any(e != base for e in ends)


def test_the_minerals_target_moves_its_verdict() -> None:
    # at 0 every secured share (>= 0) meets it; at 1 (the default) proposal-2022 does not
    r = _answers_of("proposal-2022", "answers.minerals_secured_target_share=0")
    assert _statuses(r)["minerals-secured"] == "met"
