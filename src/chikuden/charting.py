"""Chart style and the offline page plumbing shared by every HTML face: the model's report
(:mod:`chikuden.report`), the roadmap's annual review (:mod:`chikuden.roadmap.report`), the
uncertainty and optimiser pages and the web simulator.

- the look: :data:`PALETTE`, :data:`DASHES`, :data:`FONT`, and :func:`axis_scale`, which scales
  a unit's values so that axes read like the tables (yen in 億円/兆円 or billion/trillion JPY,
  shares in percent);
- the page: each figure's JSON goes in a ``<script type="application/json" class="fig-data"
  data-target="ID">`` block (:func:`to_script_json`) and the page ends with
  :func:`page_scripts`: the partial plotly.js bundle shipped in ``chikuden/report/assets``
  (built by ``scripts/build_plotly_bundle.sh``), packed (:func:`pack`), and :data:`RENDER_JS`,
  which draws the figures. No network: everything is in the page.

It lives outside ``chikuden.report`` so that no face (nor the analyses writing their own pages)
borrows another face's package; the figures of the model's report stay in
:mod:`chikuden.report.charts`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from chikuden.formatting import MYRIAD_LANGS, display_unit, unit_text
from chikuden.i18n import translator

PALETTE = (
    "#1f5fa8",
    "#e07b20",
    "#2a9d6f",
    "#c0392b",
    "#7b5ea7",
    "#8c6d46",
    "#d46aa6",
    "#5f6b73",
    "#b5a020",
    "#1aa2b8",
)
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
FONT = (
    '-apple-system, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Noto Sans JP", '
    '"Yu Gothic", Meiryo, Roboto, "Helvetica Neue", Arial, sans-serif'
)


@dataclass(frozen=True)
class AxisScale:
    """How chart values of one unit are shown: ``shown = value * factor`` [label]."""

    factor: float
    label: str
    hover: str  # d3 format of hover values


def axis_scale(unit: str, lang: str, peak: float) -> AxisScale:
    """The axis scale for ``unit`` given the largest absolute value ``peak`` on the chart.

    Yen read in 兆円 / 億円 / 万円 (ja) or trillion / billion / million JPY (en), shares in
    percent; other units as they are, with their Japanese words in Japanese.
    """
    head, _, _ = unit.partition(" ")
    per = display_unit(unit, lang)  # "/口", "per connector" or "" for plain amounts
    if head == "JPY":
        _ = translator(lang).gettext
        if lang in MYRIAD_LANGS:  # 兆円, 億円, 万円
            steps = (
                (1e12, _("trillion JPY")),
                (1e8, _("hundred million JPY")),
                (1e4, _("ten thousand JPY")),
                (1.0, _("JPY")),
            )
        else:
            steps = (
                (1e12, _("trillion JPY")),
                (1e9, _("billion JPY")),
                (1e6, _("million JPY")),
                (1.0, _("JPY")),
            )
        size, label = next(((f, lab) for f, lab in steps if peak >= f), steps[-1])
        hover = ",.2f" if peak / size < 10 else ",.1f" if peak / size < 100 else ",.0f"
        # Translators: an axis label: a money scale ("billion JPY") and the rest of the unit
        # ("per connector")
        scaled = _("{scale} {per}").format(scale=label, per=per) if per else label
        return AxisScale(1.0 / size, scaled, hover)
    if head == "share":
        pct = translator(lang).pgettext("unit", "%")
        label = translator(lang).gettext("{scale} {per}").format(scale=pct, per=per)
        return AxisScale(100.0, label if per else pct, ",.1f")
    if head in ("USD", "EUR"):  # other money as it is: "ドル/kWh", "USD per kWh"
        return AxisScale(1.0, unit_text(unit, lang), ",.4~r" if peak < 10 else ",.0f")
    return AxisScale(1.0, per or unit_text(unit, lang), ",.4~r" if peak < 10 else ",.0f")


def to_script_json(doc: Any) -> str:
    """JSON safe to put inside ``<script type="application/json">``: every ``<`` is written
    ``\\u003c`` (valid JSON, so no ``</script>`` or ``<!--`` can end the element early)."""
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


BUNDLE = "plotly-partial.min.js"  # in chikuden/report/assets, see scripts/build_plotly_bundle.sh
BUNDLE_TRACES = re.compile(r'moduleType:"trace",name:"(\w+)"')


@cache
def plotly_js() -> str:
    """The partial plotly.js bundle shipped with chikuden (offline): plotly.js's core with only
    the trace types chikuden's charts draw (:func:`bundle_traces`), built at packaging time by
    ``scripts/build_plotly_bundle.sh``."""
    text = resources.files("chikuden.report").joinpath("assets", BUNDLE).read_text("utf-8")
    if "</script" in text.lower():  # pragma: no cover - guards a future bundle
        raise RuntimeError(f"{BUNDLE} contains '</script' and cannot be inlined")
    return text


#: The ``type`` of a script block whose text is gzip-compressed and base64-encoded; the page
#: inflates it with the browser's DecompressionStream (:data:`RENDER_JS`).
PACKED = "application/x-gzip-base64"


def pack(text: str) -> str:
    """``text`` gzip-compressed (level 9, no timestamp, so a report is the same bytes each time)
    and base64-encoded, for a ``PACKED`` block or a ``data-packed`` attribute. Plotly's bundle
    shrinks from 1.1 MB to 0.5 MB this way, a figure's JSON about five-fold."""
    import base64
    import gzip

    return base64.b64encode(gzip.compress(text.encode("utf-8"), 9, mtime=0)).decode("ascii")


@cache
def packed_plotly_js() -> str:
    """:func:`plotly_js`, packed (:func:`pack`) once per process."""
    return pack(plotly_js())


def bundle_traces() -> frozenset[str]:
    """The trace types registered in the shipped bundle (each trace module of plotly.js
    declares ``moduleType:"trace",name:"..."``)."""
    return frozenset(BUNDLE_TRACES.findall(plotly_js()))


def bundle_version() -> str:
    """The plotly.js version of the shipped bundle, from its header (``* plotly.js vX.Y.Z``)."""
    found = re.search(r"\* plotly\.js v(\d+\.\d+\.\d+)", plotly_js()[:400])
    if found is None:  # pragma: no cover - guards a hand-made bundle
        raise RuntimeError(f"{BUNDLE} has no '* plotly.js vX.Y.Z' header")
    return found.group(1)


# Draws the figures of the page: each ``script.fig-data`` block into the element it names, when
# that element comes within a screen of the viewport (IntersectionObserver), so the first paint
# does not wait for 50 charts. A figure inside a closed <details> is drawn when it is opened.
# Before printing, every figure not yet drawn is drawn. A drawn element gets data-drawn="1".
RENDER_JS = r"""(function () {
  var config = {
    responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"]
  };
  // a packed text (gzip, base64) as a Promise of the text
  function inflate(text) {
    var bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }
  function content(block) {
    return block.type === "application/x-gzip-base64"
      ? inflate(block.textContent) : Promise.resolve(block.textContent);
  }
  // plotly.js, packed in the page, runs once inflated
  var ready = content(document.getElementById("plotly-js")).then(function (code) {
    var s = document.createElement("script");
    s.textContent = code;
    document.head.appendChild(s);
  });
  // a folded part written packed (data-packed) is inflated into place when first opened
  document.addEventListener("toggle", function (event) {
    var d = event.target;
    if (!d.open || !d.hasAttribute("data-packed")) { return; }
    var text = d.getAttribute("data-packed");
    d.removeAttribute("data-packed");
    inflate(text).then(function (html) { d.insertAdjacentHTML("beforeend", html); });
  }, true);
  var figures = [];
  var blocks = document.querySelectorAll("script.fig-data");
  for (var i = 0; i < blocks.length; i++) {
    var target = document.getElementById(blocks[i].getAttribute("data-target"));
    if (target) figures.push({ block: blocks[i], target: target, drawn: false });
  }
  function draw(f) {
    if (f.drawn) return;
    f.drawn = true;
    Promise.all([ready, content(f.block)]).then(function (got) {
      var fig = JSON.parse(got[1]);
      return Plotly.newPlot(f.target, fig.data, fig.layout, config);
    }).then(function () {
      f.target.setAttribute("data-drawn", "1");
    });
  }
  function drawAll() { for (var i = 0; i < figures.length; i++) draw(figures[i]); }
  // A citation mark [n] in a figure's source note opens bibliography entry n. Plotly keeps
  // the mark's link only on http(s) pages; opened from a file, this does the same.
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest(".plot a") : null;
    var m = a ? /^\[(\d+)/.exec(a.textContent) : null;
    if (!m) return;
    var items = document.querySelectorAll("ol.bib > li");
    for (var j = 0; j < items.length; j++) {
      var n = items[j].querySelector(".n");
      if (n && n.textContent === "[" + m[1] + "]") {
        e.preventDefault();
        location.hash = items[j].id;
        return;
      }
    }
  });
  // a figure drawn inside a closed <details> takes its width when the details open
  document.addEventListener("toggle", function (event) {
    if (!event.target.open || !window.Plotly) { return; }
    var plots = event.target.querySelectorAll(".js-plotly-plot");
    for (var j = 0; j < plots.length; j++) { Plotly.Plots.resize(plots[j]); }
  }, true);
  window.addEventListener("beforeprint", drawAll);
  if (!("IntersectionObserver" in window)) { drawAll(); return; }
  var byTarget = new Map();
  var observer = new IntersectionObserver(function (entries) {
    for (var i = 0; i < entries.length; i++) {
      if (!entries[i].isIntersecting) continue;
      observer.unobserve(entries[i].target);
      draw(byTarget.get(entries[i].target));
    }
  }, { rootMargin: "100% 0px" });
  for (var j = 0; j < figures.length; j++) {
    byTarget.set(figures[j].target, figures[j]);
    observer.observe(figures[j].target);
  }
})();"""


def page_scripts() -> str:
    """The end of a page with figures: the plotly.js bundle inlined once (offline), packed
    (:func:`pack`), and :data:`RENDER_JS`, which inflates it with the browser's
    DecompressionStream (Chromium 80, Firefox 113, Safari 16.4 and later) and draws the
    figures."""
    return (
        f'<script type="{PACKED}" id="plotly-js">{packed_plotly_js()}</script>\n'
        f"<script>\n{RENDER_JS}\n</script>"
    )
