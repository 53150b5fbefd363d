"""A Japanese page shows its errors in Japanese, in a real browser: an address with a value out
of range (the server's 400 page) and a malformed scenario file uploaded from the page (the
API's 400, which the page's script shows). No request leaves the machine; the one console
line is the browser's own report of the refused request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.browser.web import OpenPage

pytestmark = pytest.mark.browser

RATE = "finance.subsidy_base_rate_share"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")


def test_an_address_out_of_range_shows_a_japanese_error(open_page: OpenPage) -> None:
    view = open_page(f"/?lang=ja&{RATE}=1.5", name="error-ja-address")
    text = view.page.locator("#page-error").inner_text()
    # the field and the value as given, the rest in Japanese
    assert f"{RATE} = 1.5" in text and "0..1 [share]" in text, text
    assert JAPANESE.search(text) and not ENGLISH_SENTENCE.search(text), text
    assert view.page.locator("html").get_attribute("lang") == "ja"
    assert len(view.errors) == 1 and "status of 400" in view.errors[0], view.errors
    view.errors.clear()
    view.check_clean()


def test_a_malformed_upload_on_a_japanese_page_shows_a_japanese_error(
    open_page: OpenPage, tmp_path: Path
) -> None:
    view = open_page("/?lang=ja", name="error-ja-upload")
    page = view.page
    page.wait_for_selector("body[data-ready]")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#upload-form button[type=submit]").click()
    error = page.locator("#scenario-error")
    error.wait_for(state="visible")
    text = error.inner_text()
    # PyYAML's own reason stays as it wrote it, in brackets; chikuden's sentence is Japanese
    assert re.search(r"\d+行\d+列のYAMLの形式が正しくありません", text), text
    assert "ファイルを修正してください。" in text, text
    assert len(view.errors) == 1 and "status of 400" in view.errors[0], view.errors
    view.errors.clear()
    view.check_clean()
