"""What the cold paths import: heavy libraries load only where they are needed.

Start-up time is measured by ``benchmarks/bench_cli.py``; these tests check the behaviour
behind it, in fresh interpreters (a module imported by an earlier test would hide an import):
``import chikuden`` loads no numpy, loading a scenario loads no model and none of the
libraries of the faces (HTML report, tables, roadmap ledger) and no pydantic (a scenario's
shapes are checked by hand, :mod:`chikuden.parameters.documents`), and ``chikuden run --json``
loads none of those either.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Libraries only the faces need: pandas for series.csv and frames, plotly and jinja2 for the
# HTML report, babel for number formats, sqlalchemy and alembic for the roadmap ledger,
# openpyxl for spreadsheets. scipy is listed because it takes longer to import than the whole
# rest of a cold `run --json` (about 0.1-0.2 s): a model step that needs it imports it inside.
FACES = ("pandas", "plotly", "jinja2", "babel", "sqlalchemy", "alembic", "openpyxl", "scipy")


def imported_after(code: str) -> set[str]:
    """Names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    names: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return set(names)


def top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_import_chikuden_loads_neither_numpy_nor_yaml() -> None:
    loaded = top_level(imported_after("import chikuden"))
    assert "chikuden" in loaded
    assert not loaded & {"numpy", "yaml", "pydantic", "typer", *FACES}


def test_loading_a_scenario_loads_no_model_and_no_face() -> None:
    modules = imported_after("import chikuden\nchikuden.load_scenario('proposal-2022')")
    assert "chikuden.parameters.scenario" in modules  # the probe did load the scenario
    assert not {m for m in modules if m.startswith(("chikuden.model", "chikuden.results"))}
    assert not top_level(modules) & {"typer", "pydantic", *FACES}


def test_loading_a_bundled_scenario_reads_only_what_it_uses() -> None:
    # The bundled data is checked by tests (test_parameters, test_sources), not at every start:
    # loading a bundled scenario reads neither the bibliography, nor a table schema, nor the
    # rules between parameters, nor any default (issue 12, first API use); the declarations
    # themselves it does read (the probe then counts the defaults they hold).
    code = (
        "import chikuden\n"
        "chikuden.load_scenario('proposal-2022')\n"
        "import sys\n"
        "d, s = (sys.modules[f'chikuden.parameters.{m}'] for m in ('declarations', 'sources'))\n"
        "caches = (s._entries, d.table_schemas, d.parameter_rules, d._default, d.declarations)\n"
        "print(*(c.cache_info().currsize for c in caches))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.split() == ["0", "0", "0", "0", "1"]


def test_run_json_loads_no_face_library() -> None:
    code = (
        "from chikuden.cli import app\n"
        "try:\n"
        "    app(['run', '--scenario', 'proposal-2022', '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
    )
    modules = imported_after(code)
    assert "chikuden.model.system" in modules  # the probe did evaluate the scenario
    assert not top_level(modules) & set(FACES)
