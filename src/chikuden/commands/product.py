"""`chikuden product ...`: assess a product's cycle-life test data and declared values (P9).

``assess FILE`` fits a capacity-fade model to the cycle test, estimates the cycles to 80 %
state of health with a 95 % interval, classifies durability, carbon footprint (EU functional
unit, assumed class boundaries), recycled content and safety, and decides the subsidy top-up
the scenario's rules give. ``example`` prints the bundled example file.

Only typer (and the standard library) is imported at module level; numpy and the model load
inside the commands. Input errors print one line ``error: ...`` on stderr and exit with code
2; the command writes no files.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chikuden.commands.common import OneLineGroup, user_errors
from chikuden.commands.options import Number, parse_year

if TYPE_CHECKING:
    from chikuden.analysis.product import Assessment

app = typer.Typer(
    cls=OneLineGroup,
    no_args_is_help=True,
    help="Product performance and passport (P9): fit cycle-life data, classify durability, "
    "carbon footprint, recycled content and safety, and decide the subsidy top-up.",
    rich_markup_mode=None,
)


class Model(enum.StrEnum):
    """Capacity-fade model."""

    auto = "auto"
    sqrt = "sqrt"
    power = "power"
    linear = "linear"


class Lang(enum.StrEnum):
    """Language of the printed assessment."""

    en = "en"
    ja = "ja"


class Format(enum.StrEnum):
    """Format of the example product file."""

    json = "json"
    csv = "csv"


ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario", "-s", help="A bundled scenario name or a YAML file; its rules apply."
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a parameter, PATH=VALUE (repeatable), e.g. "
        "carbon.performance_min_cycles=2500.",
        metavar="PATH=VALUE",
    ),
]
ModelOpt = Annotated[
    Model,
    typer.Option(
        "--model",
        help="Fade model: sqrt (Q = q0 - c sqrt N), power (Q = 1 - a N^b), linear "
        "(Q = q0 - c N), or auto (the best fit of the three).",
    ),
]
TOLERANCE = Number("--tolerance", 0.0, 1.0, unit="share", example="0.02")
YearOpt = Annotated[
    str,
    typer.Option(
        "--year",
        help="Year of the modelled footprint of the same chemistry made in Japan, 2021..2040.",
        metavar="YEAR",
    ),
]
ToleranceOpt = Annotated[
    str,
    typer.Option(
        "--tolerance",
        help="How far above 100% of rated capacity a point after cycling may lie, "
        f"{TOLERANCE.allowed()}.",
        metavar="SHARE",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of the printed assessment.")]


@app.command()
def assess(
    file: Annotated[
        Path,
        typer.Argument(
            help="Product file (.json or .csv): declared values and the cycle test. "
            "`chikuden product example` prints one.",
            show_default=False,
        ),
    ],
    scenario: ScenarioOpt = "proposal-2022",
    set_: SetOpt = None,
    model: ModelOpt = Model.auto,
    year: YearOpt = "2030",
    tolerance: ToleranceOpt = "0.02",
    json_: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Fit the cycle data, classify the product and decide its subsidy top-up."""
    with user_errors():
        from chikuden.analysis.product import assess as run_assessment
        from chikuden.analysis.product import read_product
        from chikuden.parameters.scenario import load_scenario

        when = parse_year(year)
        product = read_product(file, tolerance=TOLERANCE.parse(tolerance))
        loaded = load_scenario(scenario, overrides=list(set_ or ()))
        result = run_assessment(product, loaded, model=model.value, year=when)
    if json_:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(render(result, lang.value))


@app.command()
def example(
    format_: Annotated[Format, typer.Option("--format", help="json or csv.")] = Format.json,
) -> None:
    """Print the bundled example product file (save it and edit it for your product)."""
    from importlib import resources

    name = f"product-example.{format_.value}"
    typer.echo(
        resources.files("chikuden.data").joinpath("examples", name).read_text("utf-8"), nl=False
    )


# -- text -----------------------------------------------------------------------------------
_RECYCLED = {
    "en": {
        1: "meets the EU 2036 minimums",
        2: "meets the EU 2031 minimums",
        3: "below the EU 2031 minimums",
    },
    "ja": {1: "EUの2036年下限を満たす", 2: "EUの2031年下限を満たす", 3: "EUの2031年下限に未達"},
}
_SAFETY = {
    "en": {"pass": "all {n} tests passed", "fail": "failed", "incomplete": "incomplete"},
    "ja": {"pass": "全{n}試験に合格", "fail": "不合格あり", "incomplete": "未報告の試験あり"},
}
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "fit": "Capacity-fade fit",
        "points": "points",
        "others": "other models (RMSE)",
        "cycles": "Cycles to {soh} state of health",
        "interval": "95% interval",
        "within": "within the tested {n} cycles",
        "beyond": "extrapolated beyond the tested {n} cycles",
        "durability": "Durability class",
        "bounds": "A >= {a}, B >= {b}, C >= {c} cycles; assumed boundaries",
        "carbon": "Carbon footprint",
        "declared": "declared",
        "delivered": "per kWh delivered",
        "eu": "EU class (assumed boundaries)",
        "threshold": "assumed EU threshold {t} g",
        "passes": "passes",
        "fails": "exceeds it",
        "modelled": "modelled, {chem} made in Japan in {year}: grid {g}, clean battery park {p}",
        "recycled": "Recycled content",
        "safety": "Safety (IEC 62660-3 tests)",
        "topup": "Performance top-up",
        "eligible": "eligible: +{t} of capex",
        "rate": "subsidy rate {r}",
        "not_eligible": "not eligible",
        "undeclared": "top-up share not declared (finance.subsidy_performance_topup_share)",
    },
    "ja": {
        "fit": "容量劣化の近似",
        "points": "点",
        "others": "他のモデル（RMSE）",
        "cycles": "健全度{soh}までのサイクル数",
        "interval": "95%区間",
        "within": "試験済み{n}サイクルの範囲内",
        "beyond": "試験済み{n}サイクルを超える外挿",
        "durability": "耐久性クラス",
        "bounds": "A ≥ {a}、B ≥ {b}、C ≥ {c}サイクル（仮定の境界）",
        "carbon": "カーボンフットプリント",
        "declared": "申告値",
        "delivered": "供給電力量1kWhあたり",
        "eu": "EUクラス（仮定の境界）",
        "threshold": "仮定のEU上限 {t} g",
        "passes": "満たす",
        "fails": "超過",
        "modelled": "推計：{year}年に国内で製造する{chem}　系統電力 {g}、"
        "クリーン・バッテリー・パーク {p}",
        "recycled": "再生材比率",
        "safety": "安全性（IEC 62660-3の試験）",
        "topup": "性能加算",
        "eligible": "対象：設備投資の+{t}",
        "rate": "補助率 {r}",
        "not_eligible": "対象外",
        "undeclared": "加算率が未定義（finance.subsidy_performance_topup_share）",
    },
}


def render(a: Assessment, lang: str = "en") -> str:
    """The assessment as text for a reader of ``lang``."""
    from chikuden.analysis.product import SAFETY_TESTS, class_letter
    from chikuden.report.format import format_number, format_share

    key = "ja" if lang == "ja" else "en"
    t = _TEXT[key]
    f = a.fit

    def num(x: float) -> str:
        # Beyond 1e15 grouped digits say nothing (and babel's decimal formatting fails from
        # 1e28): an interval bound of 7e32 cycles prints as 7.1e+32.
        return format_number(x, lang) if abs(x) < 1e15 else f"{x:.2g}"

    def sig(x: float) -> str:
        return f"{x:.4g}"

    unit = "kg CO2e/kWh"
    lines = [f"{a.product.name} — {a.product.chemistry} ({a.scenario})", ""]
    lines.append(
        f"{t['fit']}: {f.model}, {f.equation} ({f.points} {t['points']}, "
        f"RMSE {f.rmse:.4f}, R² {f.r2:.4f})"
    )
    for name, value in f.params.items():
        lines.append(f"  {name} = {sig(value)} ± {sig(f.std_errors[name])}")
    others = [f"{m} {r:.4f}" for m, r in a.candidates.items() if m != f.model]
    if others:
        lines.append(f"  {t['others']}: {', '.join(others)}")
    last = num(float(a.product.cycles[-1]))
    where = (t["beyond"] if f.extrapolated else t["within"]).format(n=last)
    lines.append(
        f"{t['cycles'].format(soh=format_share(f.eol_soh, lang))}: {num(f.cycles)} "
        f"({t['interval']} {num(f.cycles_low)}–{num(f.cycles_high)}), {where}"
    )
    lines.append("")
    r = a.rules
    bounds = t["bounds"].format(
        a=num(r["carbon.durability_class_a_cycles"]),
        b=num(r["carbon.durability_class_b_cycles"]),
        c=num(r["carbon.durability_class_c_cycles"]),
    )
    lines.append(f"{t['durability']}: {class_letter(a.durability_class)} ({bounds})")
    verdict = t["passes"] if a.passes_threshold else t["fails"]
    lines.append(
        f"{t['carbon']}: {num(a.product.footprint)} {unit} {t['declared']} -> "
        f"{a.delivered:.1f} g CO2e {t['delivered']}"
    )
    lines.append(
        f"  {t['eu']}: {class_letter(a.carbon_class)}; "
        f"{t['threshold'].format(t=num(a.threshold))}: {verdict}"
    )
    lines.append(
        "  "
        + t["modelled"].format(
            chem=a.product.chemistry, year=a.year, g=num(a.modelled_grid), p=num(a.modelled_park)
        )
        + f" {unit}"
    )
    shares = ", ".join(
        f"{m} {format_share(a.product.recycled[m], lang)}" for m in a.recycled_metals
    )
    lines.append(f"{t['recycled']}: {_RECYCLED[key][a.recycled_class]} ({shares})")
    status = _SAFETY[key][a.safety_status].format(n=len(SAFETY_TESTS))
    detail = ", ".join((*a.safety_failed, *a.safety_missing))
    lines.append(f"{t['safety']}: {status}" + (f" ({detail})" if detail else ""))
    lines.append("")
    if a.eligible and a.topup_share is not None:
        head = t["eligible"].format(t=format_share(a.topup_share, lang))
    elif a.eligible:
        head = t["undeclared"]
    else:
        head = t["not_eligible"]
    if a.subsidy_rate is not None:
        head += f" ({t['rate'].format(r=format_share(a.subsidy_rate, lang))})"
    lines.append(f"{t['topup']}: {head}")
    for u in a.unmet:
        lines.append(f"  - {u.ja if lang == 'ja' else u.en}")
    return "\n".join(lines)
