"""The page of ``chikuden optimize``: the portfolio, the shadow prices and the step curve."""

from __future__ import annotations

from html import escape
from typing import Any


def unit_text(unit: str, lang: str = "en") -> str:
    """An objective's unit (:data:`portfolio.OBJECTIVE_UNITS`) in ``lang``."""
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    labels = {
        "GWh per year": _("GWh per year"),
        "GWh-equivalent": _("GWh-equivalent"),
        "t CO2e avoided per year": _("t CO2e avoided per year"),
    }
    return labels[unit]


def step_figure(doc: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """The step curve of :func:`portfolio.to_json`'s ``doc`` as a plotly figure: the optimum
    against the fund size [bn yen] (this page and the web's ``/optimize`` draw it)."""
    from chikuden.i18n import translator

    _ = translator(lang).gettext
    curve = doc["step_curve"]
    return {
        "data": [
            {
                "x": [p["fund_jpy"] / 1e9 for p in curve],
                "y": [p["value"] for p in curve],
                "mode": "lines+markers",
                "line": {"shape": "hv"},
                "name": _("optimum"),
            }
        ],
        "layout": {
            "title": {"text": _("Optimum against the fund size")},
            "xaxis": {"title": {"text": _("fund (bn yen)")}},
            "yaxis": {"title": {"text": unit_text(doc["objective_unit"], lang)}},
        },
    }


def report_html(doc: dict[str, Any], lang: str = "en") -> str:
    """A small page (plotly offline, as the Monte Carlo page) from :func:`portfolio.to_json`."""
    from chikuden.charting import page_scripts, to_script_json
    from chikuden.i18n import pick, translator

    _ = translator(lang).gettext

    def bn(x: float) -> str:
        return f"{x / 1e9:,.1f}"

    rows = "".join(
        f"<tr><td>{escape(c['id'])}<br><small>{escape(pick(lang, c['label'], c['label_ja']))}"
        f"</small></td><td>{escape(c['stage'])}</td><td>{c['units']}"
        f"{' *' if c['committed'] else ''}</td><td>{c['gwh_eq']:,.1f}</td>"
        f"<td>{c['co2_t']:,.0f}</td>"
        f"<td>{c['start_year']}</td><td>{bn(c['capex_jpy'])}</td><td>{bn(c['subsidy_jpy'])}</td>"
        "</tr>"
        for c in doc["portfolio"]
    )
    duals = "".join(
        f"<tr><td>{escape(k)}</td><td>{v * 1e9 if k.startswith('budget-') else v:,.4g}</td></tr>"
        for k, v in doc["relaxation"]["duals"].items()
    )
    fig = step_figure(doc, lang)
    title = _("Best use of the fund: {scenario}").format(scenario=doc["scenario"])
    intro = _(
        "Objective {objective} ({unit}) by {year}: {value}. Fund {fund} bn yen; subsidy used "
        "{used} bn yen. One more billion yen in the fund (relaxation): {dual} {unit}."
    ).format(
        objective=doc["objective"],
        unit=unit_text(doc["objective_unit"], lang),
        year=doc["target_year"],
        value=f"{doc['value']:,.1f}",
        fund=bn(doc["fund_jpy"]),
        used=bn(doc["totals"]["subsidy_jpy"]),
        dual=f"{doc['relaxation']['value_per_jpy_of_fund'] * 1e9:,.4g}",
    )
    w = {
        k: escape(v)
        for k, v in {
            "portfolio": _("Chosen portfolio"),
            "candidate": _("candidate"),
            "stage": _("stage"),
            "units": _("units (* committed)"),
            "gwh": _("GWh-equivalent"),
            "co2": _("CO2e avoided (t per year)"),
            "start": _("start year"),
            "capex": _("capex (bn yen)"),
            "subsidy": _("subsidy (bn yen)"),
            "duals": _("Shadow prices (LP relaxation)"),
            "row": _("constraint"),
            "dual": _("value of one more unit (budget rows: per bn yen)"),
            "curve": _("Step curve"),
        }.items()
    }
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(intro)}</p><h2>{w['portfolio']}</h2><table><tr><th>{w['candidate']}</th>"
        f"<th>{w['stage']}</th><th>{w['units']}</th><th>{w['gwh']}</th><th>{w['co2']}</th><th>{w['start']}</th>"
        f"<th>{w['capex']}</th><th>{w['subsidy']}</th></tr>{rows}</table>"
        f"<h2>{w['duals']}</h2><table><tr><th>{w['row']}</th><th>{w['dual']}</th></tr>"
        f"{duals}</table><h2>{w['curve']}</h2>"
        '<div id="step-curve" style="height:420px"></div><script type="application/json" '
        f'class="fig-data" data-target="step-curve">{to_script_json(fig)}</script>'
        f"{page_scripts()}</body></html>"
    )


__all__ = ["report_html", "step_figure", "unit_text"]
