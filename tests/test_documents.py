"""The shapes of a scenario file (chikuden.parameters.documents): one message per rule.

Each expected message is the rule's own wording: the field (dotted path), the value as ``repr``,
what is allowed and, where it helps, the shape's hint. They are the messages the pydantic models
gave before issue 12 replaced them with hand-written checks; on 73,000 random documents (nested
dicts, lists, tuples, numpy numbers, texts at and over every limit) both gave the same message
or the same value, except for the three deliberate changes tested at the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chikuden.errors import ParameterError
from chikuden.parameters.documents import (
    Bilingual,
    CitedValue,
    ScenarioDocument,
    TableOverride,
)
from chikuden.reading import MAX_ROWS

FILE = "a scenario file has the keys name, extends, title, description, parameters and uncertainty"
CITED = "a cited value is {value: ..., source: ..., note: ...}"
TABLE = (
    "a table is given as a bundled table name, {table: NAME}, {csv: PATH} or "
    "{rows: [{column: value, ...}, ...]}"
)
CELL = "is not one number or text; a table cell holds one value"
Shape = type[ScenarioDocument] | type[CitedValue] | type[TableOverride]


def message(shape: Shape, data: Any) -> str:
    with pytest.raises(ParameterError) as err:
        shape.read(data, "f.yaml")
    return str(err.value)


@pytest.mark.parametrize(
    ("shape", "data", "expected"),
    [
        # not a mapping at all
        (ScenarioDocument, None, f"the file holds None, not a mapping of keys; {FILE}"),
        (ScenarioDocument, [1], f"the file holds [1], not a mapping of keys; {FILE}"),
        (TableOverride, 5, f"the file holds 5, not a mapping of keys; {TABLE}"),
        # texts: type, length, pattern
        (ScenarioDocument, {"name": 5}, f"name = 5: input should be a valid string; {FILE}"),
        (ScenarioDocument, {"name": True}, f"name = True: input should be a valid string; {FILE}"),
        (ScenarioDocument, {"name": "a" * 65}, "name is longer than the limit of 64 characters"),
        (
            ScenarioDocument,
            {"name": "Faster"},
            "name = 'Faster' must be lower-case letters, digits, '.', '-' or '_' "
            "(starting with a letter or digit)",
        ),
        # a trailing line break is no part of a name ('$' alone would let it through)
        (ScenarioDocument, {"name": "x\n"}, "name = 'x\\n' must be lower-case letters"),
        (
            ScenarioDocument,
            {"extends": ""},
            f"extends = '': string should have at least 1 character; {FILE}",
        ),
        (
            ScenarioDocument,
            {"extends": "x" * 1001},
            "extends is longer than the limit of 1,000 characters",
        ),
        (TableOverride, {"table": "x" * 201}, "table is longer than the limit of 200 characters"),
        (TableOverride, {"csv": 5}, f"csv = 5: input should be a valid string; {TABLE}"),
        # nested title and description
        (ScenarioDocument, {"title": "x"}, f"title = 'x' is not a mapping; {FILE}"),
        (
            ScenarioDocument,
            {"description": {"en": "x", "ja": 5}},
            f"description.ja = 5: input should be a valid string; {FILE}",
        ),
        (
            ScenarioDocument,
            {"title": {"en": "x" * 5001}},
            "title.en is longer than the limit of 5,000 characters",
        ),
        # parameters
        (ScenarioDocument, {"parameters": [1]}, f"parameters = [1] is not a mapping; {FILE}"),
        (
            ScenarioDocument,
            {"parameters": {5: 1}},
            f"parameters.5 = 5: input should be a valid string; {FILE}",
        ),
        (
            ScenarioDocument,
            {"parameters": {f"p{i}": 1 for i in range(5001)}},
            "parameters has more than the limit of 5,000 entries",
        ),
        # cited values
        (CitedValue, {"source": "s"}, f"value is missing; {CITED}"),
        (CitedValue, {"value": 1, "source": 5}, "source = 5: input should be a valid string"),
        (CitedValue, {"value": 1, "source": [1]}, "source = [1]: input should be a valid string"),
        (CitedValue, {"value": 1, "note": 3}, f"note = 3: input should be a valid string; {CITED}"),
        # table rows
        (TableOverride, {"rows": "x"}, f"rows = 'x': input should be a valid list; {TABLE}"),
        (TableOverride, {"rows": ({"a": 1},)}, "rows = ({'a': 1},): input should be a valid list"),
        (
            TableOverride,
            {"rows": [{"a": 1}] * (MAX_ROWS + 1)},
            "rows has more than the limit of 2,000 entries",
        ),
        (
            TableOverride,
            {"rows": [{"a": 1}, 5]},
            f"row 2 = 5 is not a mapping of column: value; {TABLE}",
        ),
        (TableOverride, {"rows": [{"gwh": {"x": 1}}]}, f"row 1 column 'gwh' = {{'x': 1}} {CELL}"),
        (TableOverride, {"rows": [{"gwh": [1, 2]}]}, f"row 1 column 'gwh' = [1, 2] {CELL}"),
        (TableOverride, {"rows": [{"gwh": b"1"}]}, f"row 1 column 'gwh' = b'1' {CELL}"),
        (TableOverride, {"rows": [{5: 1}]}, f"row 1 column 5 = 5 {CELL}"),
        # an unknown key anywhere comes before any other problem, with a hint when close
        (
            CitedValue,
            {"valeu": 1, "note": 5},
            f"unknown key 'valeu' (did you mean 'value'?); {CITED}",
        ),
        (
            ScenarioDocument,
            {"name": 5, "title": {"en": 5, "eng": "x"}, "bad": 1},
            f"unknown key 'eng' (did you mean 'en'?); {FILE}",
        ),
        (ScenarioDocument, {"name": 5, "extends": 5}, "name = 5: input should be a valid string"),
    ],
)
def test_each_rule_has_its_message(shape: Shape, data: Any, expected: str) -> None:
    msg = message(shape, data)
    assert msg.startswith("f.yaml: ")
    assert expected in msg, msg


def test_a_valid_document_is_read_whole() -> None:
    doc = ScenarioDocument.read(
        {
            "name": "faster-build",
            "extends": "proposal-2022",
            "title": {"en": "Faster", "ja": None},
            "parameters": {"capacity.delay_years": 0},
        },
        "f.yaml",
    )
    assert doc == ScenarioDocument(
        name="faster-build",
        extends="proposal-2022",
        title=Bilingual(en="Faster", ja=None),
        description=None,
        parameters={"capacity.delay_years": 0},
    )
    cited = CitedValue.read({"value": [1, 2], "source": ["a", "b"]}, "f.yaml")
    assert cited == CitedValue(value=[1, 2], source=["a", "b"], note=None)


def test_table_cells_may_be_numbers_texts_or_lists_of_texts() -> None:
    # What the Python API passes: numpy numbers, booleans, None, the sources tuples of another
    # table's rows. Numbers are kept as given; the column schema converts them.
    row = {"a": np.float64(2.5), "b": np.int64(3), "c": True, "d": None, "e": ("x",), "f": ["y"]}
    spec = TableOverride.read({"rows": [row]}, "f.yaml")
    assert spec.rows == [row] and spec.table is None and spec.csv is None


# -- deliberate changes from the pydantic messages ---------------------------------------------
def test_a_key_of_another_shape_gets_no_hint_of_itself() -> None:
    # pydantic said "unknown key 'table' (did you mean 'table'?)": the hint searched the keys
    # of every shape. Now it names a key only where that key belongs.
    assert message(CitedValue, {"value": 1, "table": "x"}).endswith(f"unknown key 'table'; {CITED}")
    assert "did you mean 'name'" not in message(ScenarioDocument, {"title": {"nmae": "x"}})


def test_a_key_that_is_no_text_is_an_unknown_key() -> None:
    # pydantic said "5 = 5: keys should be strings".
    assert message(ScenarioDocument, {5: 1}) == f"f.yaml: unknown key 5; {FILE}"


def test_an_overlong_parameter_name_is_shown_cut() -> None:
    # pydantic printed the whole name (up to 5,000 characters) in the message.
    msg = message(ScenarioDocument, {"parameters": {"k" * 4000: 1}})
    assert msg.endswith("(4,002 chars) is longer than the limit of 200 characters")
    assert len(msg) < 200
