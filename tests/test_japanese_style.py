"""Japanese as a ministry writes it, in every Japanese text chikuden holds: the catalog's
messages (``locale/ja/LC_MESSAGES/chikuden.po``) and the data's ``*_ja`` texts (indicators,
parameters, tables, scenarios, the roadmap). One punctuation style:

- 「、」 between Japanese words, never an ASCII ``,`` (nor the full-width ``，`` / ``．``);
- full-width parentheses （） beside Japanese text, never ``(`` / ``)``;
- a full-width colon after Japanese (``出典：``), never ``:`` or ``;``;
- 「。」 after a Japanese sentence, never ``.``;
- 当たり (the spelling of the 公用文 rules), never あたり or 当り.

Each rule is shown with a hand-made example that it catches and one that it lets pass.
"""

from __future__ import annotations

import re

import pytest

from chikuden.translations import data_pairs, message_pairs

JP = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff々ー]"
AFTER_JP = rf"(?<={JP}|[）」])"
RULES = {
    "ASCII comma between Japanese words (use 、)": re.compile(rf"{AFTER_JP},\s?(?={JP}|[（「])"),
    "full-width comma or period (use 、 and 。)": re.compile(r"[，．]"),
    "あたり or 当り (write 当たり)": re.compile(r"あたり|当り"),
    "half-width parenthesis beside Japanese (use （）)": re.compile(
        rf"{JP}[()]|[()]{JP}|\((?=[^()]*{JP}[^()]*\))"
    ),
    "ASCII colon or semicolon after Japanese (use ： and 。)": re.compile(rf"{AFTER_JP}[:;]"),
    "ASCII period after Japanese (use 。)": re.compile(rf"{AFTER_JP}\.(?=\s|$)"),
}


def problems(text: str) -> list[str]:
    """The rules ``text`` breaks, each with the place: ``rule: …context…``."""
    found = []
    for rule, pattern in RULES.items():
        for m in pattern.finditer(text):
            found.append(f"{rule}: …{text[max(0, m.start() - 12) : m.end() + 12]}…")
    return found


@pytest.mark.parametrize(
    ("bad", "good"),
    [
        ("国内,海外", "国内、海外"),
        ("国内，海外．", "国内、海外。"),
        ("1kWhあたり", "1kWh当たり"),
        ("1kWh当り", "1kWh当たり"),
        ("需要(2030年)", "需要（2030年）"),
        ("(P1)を示す", "（P1）を示す"),
        ("出典: 経済産業省", "出典：経済産業省"),
        ("上限; 下限", "上限。下限"),
        ("目標に達する.", "目標に達する。"),
    ],
)
def test_each_rule_catches_its_fault_and_passes_the_ministry_style(bad: str, good: str) -> None:
    assert problems(bad)
    assert problems(good) == []


def test_english_and_formulas_beside_japanese_are_left_alone() -> None:
    # an English name in parentheses after Latin text, a formula of Latin symbols, a URL
    assert problems("IEA (2024) の推計") == []
    assert problems("比率 = 上限 / (1 + exp(-r (t - t₀)))（t：年）") == []
    assert problems("出典：https://www.meti.go.jp/") == []
    assert problems("GWh当たり{n}億円、{share}（{market}）") == []


def test_the_catalog_writes_japanese_in_one_style() -> None:
    found = [f"{en!r}: {p}" for _, _, en, ja in message_pairs("ja") for p in problems(ja) if ja]
    assert found == []


def test_the_data_writes_japanese_in_one_style() -> None:
    found = [f"{name} {where}: {p}" for name, where, _, ja in data_pairs() for p in problems(ja)]
    assert found == []


def test_the_reviewer_file_holds_every_pair() -> None:
    from chikuden.translations import review_document

    text = review_document()
    # a message of the catalog and a label of the data, with their Japanese
    assert "| Sources ({n}) | 出典（{n}） |" in text
    assert "| 2030年の国内セル生産に必要なリチウム |" in text
    pairs = sum(1 for _ in message_pairs("ja")) + sum(1 for _ in data_pairs())
    assert text.count("\n| ") - text.count("\n| context |") - text.count("\n| where |") == pairs
