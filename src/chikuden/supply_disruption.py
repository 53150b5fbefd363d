"""Supply-disruption stress test through the API (P3, P11).

>>> from chikuden.supply_disruption import stress_test
>>> res = stress_test("proposal-2022", mineral="graphite", country="CN", cut=0.5, months=6)
>>> round(res.lost_gwh[0], 1) > 0
True

The equations are in :mod:`chikuden.model.minerals.disruption`; this wrapper loads the
scenarios, evaluates the steps production depends on, applies one shock to every scenario and
returns plain arrays, one value per scenario.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chikuden.parameters.params import Params
from chikuden.parameters.scenario import Scenario, load_scenario


@dataclass(frozen=True)
class Shock:
    """The outcome of one shock for each scenario (arrays of shape ``(n,)``)."""

    scenarios: list[str]
    mineral: str
    country: str
    cut: float
    months: float
    year: int
    exposed_t: NDArray[np.float64]  # domestic demand exposed to the country [t/yr]
    shortfall_t: NDArray[np.float64]  # not covered by stockpiles or substitution [t]
    lost_gwh: NDArray[np.float64]  # domestic cell production lost [GWh]
    lost_jpy: NDArray[np.float64]  # value of the cells lost [JPY]
    exposure_share: NDArray[np.float64]  # the country's share the exposure used [share]
    at_import_share: NDArray[np.bool_]  # True: Japan's import share; False: world supply

    def exposure_basis(self, i: int) -> str:
        """Which share scenario ``i`` used: ``japan_imports`` or ``world_supply``."""
        return "japan_imports" if self.at_import_share[i] else "world_supply"

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of the API: the shock and one record per scenario."""
        return {
            "mineral": self.mineral,
            "country": self.country,
            "cut": self.cut,
            "months": self.months,
            "year": self.year,
            "scenarios": self.to_json(),
        }

    def to_json(self) -> list[dict[str, Any]]:
        """One record per scenario (``chikuden minerals stress --json``)."""
        return [
            {
                "scenario": name,
                "mineral": self.mineral,
                "country": self.country,
                "cut": self.cut,
                "months": self.months,
                "year": self.year,
                "exposed_t": float(self.exposed_t[i]),
                "shortfall_t": float(self.shortfall_t[i]),
                "lost_gwh": float(self.lost_gwh[i]),
                "lost_jpy": float(self.lost_jpy[i]),
                "exposure_share": float(self.exposure_share[i]),
                "exposure_basis": self.exposure_basis(i),
            }
            for i, name in enumerate(self.scenarios)
        ]


def _params(
    scenarios: Scenario | str | Sequence[Scenario | str],
    overrides: Mapping[str, Any] | Iterable[str] | None,
) -> Params:
    items = [scenarios] if isinstance(scenarios, Scenario | str) else list(scenarios)
    loaded = [
        s.with_overrides(overrides)
        if isinstance(s, Scenario) and overrides
        else (s if isinstance(s, Scenario) else load_scenario(s, overrides=overrides))
        for s in items
    ]
    return Params.from_scenarios(loaded)


def stress_test(
    scenarios: Scenario | str | Sequence[Scenario | str] = "proposal-2022",
    mineral: str = "graphite",
    country: str = "CN",
    cut: float = 0.5,
    months: float = 6.0,
    year: int | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Shock:
    """Cut ``country``'s exports of ``mineral`` by ``cut`` for ``months`` in ``year``.

    scenarios : bundled names, YAML paths or :class:`Scenario` objects
    mineral : lithium, nickel, cobalt, manganese or graphite
    country : ISO 3166-1 alpha-2 code (ZZ: other countries together)
    cut : share of the country's exports lost [0..1]
    months : length of the shock [months, 0 < months <= 36]
    year : year of the shock [2021..2040]; default the scenario's ``minerals.stress_year``
    overrides : parameter overrides, as ``--set`` (``{"a.b": 1}`` or ``["a.b=1"]``)

    Bad input raises :class:`chikuden.errors.ParameterError` (a ``ValueError``).
    """
    from chikuden.model import system
    from chikuden.model.minerals.disruption import check_shock
    from chikuden.model.minerals.disruption import stress_test as model_stress_test

    p = _params(scenarios, overrides)
    allowed = p.table("minerals.supply").allowed
    assert allowed is not None
    check_shock(mineral, country, cut, months, allowed["country"])
    reads = (
        "capacity.domestic_production_gwh",
        "capacity.japan_global_production_gwh",
        "minerals.material_cost_*",
    )
    out = system.run(p, reads)
    res = model_stress_test(p, out.series, mineral, country, cut, months, year, out.cache)
    n = p.n
    when = year if year is not None else int(np.broadcast_to(p["minerals.stress_year"], (n,))[0])
    name = "lithium" if mineral.strip().lower() == "lithium_lce" else mineral.strip().lower()
    return Shock(
        scenarios=list(p.names),
        mineral=name,
        country=country.strip().upper(),
        cut=float(cut),
        months=float(months),
        year=when,
        exposed_t=np.broadcast_to(res.exposed_t[:, 0], (n,)).copy(),
        shortfall_t=np.broadcast_to(res.shortfall_t[:, 0], (n,)).copy(),
        lost_gwh=np.broadcast_to(res.lost_gwh[:, 0], (n,)).copy(),
        lost_jpy=np.broadcast_to(res.lost_jpy[:, 0], (n,)).copy(),
        exposure_share=np.broadcast_to(res.exposure_share[:, 0], (n,)).copy(),
        at_import_share=np.broadcast_to(res.at_import_share[:, 0] > 0, (n,)).copy(),
    )
