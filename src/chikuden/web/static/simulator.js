/* The simulator page: levers -> POST /api/evaluate (only the outputs on screen, at most one
   request every 120 ms while a slider moves) -> answers, cards and charts redrawn; the state
   lives in the query string (replaceState), so the address bar is always a link to this view. */
"use strict";

(() => {
  const C = Chikuden;
  const data = JSON.parse(document.getElementById("sim-data").textContent);
  const words = data.words;
  const CSS = { met: "met", at_risk: "at-risk", not_met: "not-met", undefined: "undef" };
  const PALETTE = ["#1f5fa8", "#e07b20", "#2a9d6f", "#c0392b", "#7b5ea7", "#8c6d46"];
  const FONT = '-apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", "Noto Sans CJK JP", Meiryo, Roboto, Arial, sans-serif';
  const status = document.getElementById("status");
  const figures = {}; // chart id -> the figure drawn (for its CSV)
  let scenario = data.scenario;
  let timer = null;
  let inflight = null;
  let seq = 0;

  // -- levers --------------------------------------------------------------------------------
  const levers = Array.from(document.querySelectorAll(".lever"));

  // The moved levers' numbers: the parameters' (derived = false) or the derived levers' (true),
  // which the server expands into parameter values (`levers` of the API's requests).
  function moved(derived = false) {
    const out = {};
    levers.forEach((el) => {
      if (!el.classList.contains("moved") || ("derived" in el.dataset) !== derived) return;
      out[el.dataset.key] = Number(el.querySelector("input[type=number]").value);
    });
    return out;
  }

  function setLever(el, value, isMoved) {
    el.querySelector("input[type=range]").value = value;
    el.querySelector("input[type=number]").value = value;
    el.classList.toggle("moved", isMoved);
  }

  function writeUrl() {
    const params = new URLSearchParams();
    params.set("scenario", scenario);
    if (C.lang !== "en") params.set("lang", C.lang);
    Object.entries({ ...moved(), ...moved(true) }).forEach(([k, v]) => params.set(k, String(v)));
    history.replaceState(null, "", "/?" + params.toString());
    C.carryState(params);
    const dl = document.getElementById("download-yaml");
    if (dl) dl.href = "/scenario.yaml?" + params.toString();
  }

  // While a slider moves: one request at most every GAP ms, and one after the last move.
  const GAP = 120;
  let lastSent = 0;
  function changed() {
    writeUrl();
    clearTimeout(timer);
    timer = setTimeout(evaluate, Math.max(0, lastSent + GAP - performance.now()));
  }

  levers.forEach((el) => {
    const range = el.querySelector("input[type=range]");
    const num = el.querySelector("input[type=number]");
    const def = Number(el.dataset.default);
    range.addEventListener("input", () => {
      num.value = range.value;
      el.classList.toggle("moved", Number(range.value) !== def);
      changed();
    });
    num.addEventListener("input", () => {
      if (num.value === "" || !Number.isFinite(Number(num.value))) return;
      range.value = num.value;
      el.classList.toggle("moved", Number(num.value) !== def);
      changed();
    });
    el.querySelector("button.reset").addEventListener("click", () => {
      setLever(el, def, false);
      changed();
    });
  });

  document.getElementById("reset-all").addEventListener("click", () => {
    levers.forEach((el) => setLever(el, Number(el.dataset.default), false));
    changed();
  });

  const select = document.getElementById("scenario-select");
  select.addEventListener("change", () => {
    const params = new URLSearchParams();
    params.set("scenario", select.value);
    if (C.lang !== "en") params.set("lang", C.lang);
    window.location.assign("/?" + params.toString()); // another scenario: other defaults
  });

  // -- evaluate ------------------------------------------------------------------------------
  async function evaluate() {
    const mine = ++seq;
    lastSent = performance.now();
    if (inflight) inflight.abort();
    inflight = new AbortController();
    status.textContent = words.updating;
    status.classList.remove("error");
    let res;
    try {
      const r = await fetch("/api/evaluate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          scenario, parameters: moved(), levers: moved(true), outputs: data.outputs, lang: C.lang,
        }),
        signal: inflight.signal,
      });
      res = await r.json();
      if (!r.ok) throw new Error(C.errorText(res, r.status));
    } catch (err) {
      if (err.name === "AbortError") return;
      status.textContent = err.message;
      status.classList.add("error");
      return;
    }
    if (mine !== seq) return;
    showAnswers(res.answers || []);
    showCards(res.formatted || {});
    data.charts.forEach((c) => draw(c, res.outputs || {}));
    status.textContent = words.updated.replace("{ms}", String(Math.round(res.elapsed_ms ?? 0)));
    document.body.dataset.evaluated = String(mine);
  }

  function showAnswers(list) {
    list.forEach((a) => {
      const li = document.querySelector(`#answers li[data-answer="${a.id}"]`);
      if (!li) return;
      li.dataset.status = a.status;
      const pill = li.querySelector(".pill");
      pill.className = "pill " + CSS[a.status];
      pill.textContent = words[a.status];
      li.querySelector(".s").textContent = a.sentence;
    });
  }

  function showCards(formatted) {
    document.querySelectorAll(".card[data-card]").forEach((card) => {
      const text = formatted[card.dataset.card];
      if (text !== undefined) card.querySelector(".v").textContent = text;
    });
  }

  // -- charts --------------------------------------------------------------------------------
  function scaled(v, f) {
    return v === null || v === undefined ? null : Number((v * f).toPrecision(6));
  }

  function figureOf(c, outputs) {
    const f = c.factor;
    const traces = [];
    const shapes = [];
    const notes = [];
    if (c.kind === "line") {
      c.series.forEach((s, j) => {
        const o = outputs[s.key] || { years: s.years, values: [] };
        traces.push({
          type: "scatter", mode: "lines", name: s.label, x: o.years,
          y: o.values.map((v) => scaled(v, f)),
          line: { color: PALETTE[j % PALETTE.length], width: 2.4 },
          hovertemplate: `%{x}: %{y:${c.hover}} ${c.axis}<extra>${s.label}</extra>`,
        });
      });
    } else {
      traces.push({
        type: "bar", name: c.title, x: c.bars.map((b) => b.label),
        y: c.bars.map((b) => scaled(outputs[b.key], f)),
        marker: { color: c.bars.map((_, j) => PALETTE[j % PALETTE.length]) },
        hovertemplate: `%{x}: %{y:${c.hover}} ${c.axis}<extra></extra>`,
      });
    }
    c.lines.forEach((l) => {
      const given = l.parameter ? (moved()[l.key] ?? l.value) : outputs[l.key];
      const v = scaled(given, f);
      if (v === null) return;
      shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: v, y1: v, line: { color: "#b3261e", dash: "dash", width: 1.6 } });
      notes.push({ xref: "paper", x: 0.01, y: v, yanchor: "bottom", xanchor: "left", showarrow: false, text: l.label, font: { size: 11, color: "#8c1d18" }, bgcolor: "rgba(255,255,255,.85)" });
    });
    return {
      data: traces,
      xTitle: c.kind === "line" ? words.year : "",
      layout: {
        margin: { l: 64, r: 16, t: 12, b: c.kind === "line" ? 36 : 80 },
        font: { family: FONT, size: 12 },
        yaxis: { title: { text: c.axis }, rangemode: "tozero", gridcolor: "#eee", separatethousands: true },
        xaxis: c.kind === "line" ? { dtick: 2, gridcolor: "#eee" } : { automargin: true },
        shapes, annotations: notes,
        showlegend: c.kind === "line",
        legend: { orientation: "h", y: -0.18 },
        paper_bgcolor: "#fff", plot_bgcolor: "#fff",
      },
    };
  }

  function draw(c, outputs) {
    const fig = figureOf(c, outputs);
    figures[c.id] = fig;
    const el = document.getElementById("plot-" + c.id);
    Plotly.react(el, fig.data, fig.layout, { displaylogo: false, responsive: true });
    el.dataset.revision = String(Number(el.dataset.revision || 0) + 1);
  }

  document.querySelectorAll("button.csv[data-chart]").forEach((btn) => {
    btn.addEventListener("click", () => {
      const fig = figures[btn.dataset.chart];
      if (fig) C.download(btn.dataset.chart + ".csv", C.figureCsv(fig));
    });
  });

  // -- scenarios: save, compare, upload ------------------------------------------------------
  const errorBox = document.getElementById("scenario-error");
  function showError(msg) {
    errorBox.hidden = !msg;
    errorBox.textContent = msg || "";
  }

  async function loadSaved() {
    let list;
    try {
      list = await C.api("GET", "/api/scenarios");
    } catch (err) { showError(err.message); return; }
    const items = list;
    const box = document.getElementById("saved-list");
    box.textContent = "";
    items.forEach((item) => {
      const name = item.name;
      const label = document.createElement("label");
      label.dataset.kind = item.kind;
      label.title = item.title || name;
      const cb = document.createElement("input");
      cb.type = "checkbox"; cb.name = "compare"; cb.value = name;
      label.append(cb, " " + name);
      box.appendChild(label);
    });
  }

  document.getElementById("save-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = document.getElementById("save-name").value.trim();
    showError("");
    try {
      await C.api("POST", "/api/scenarios", { name, base: scenario, parameters: moved(), levers: moved(true) });
      status.textContent = words.saved.replace("{name}", name);
      await loadSaved();
    } catch (err) { showError(err.message); }
  });

  document.getElementById("upload-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    if (!file) return;
    showError("");
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const res = await C.api("POST", "/api/scenarios/upload", form, true);
      const name = res.name;
      const params = new URLSearchParams();
      params.set("scenario", name);
      if (C.lang !== "en") params.set("lang", C.lang);
      window.location.assign("/?" + params.toString());
    } catch (err) { showError(err.message); }
  });

  document.getElementById("compare-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const names = Array.from(document.querySelectorAll("#saved-list input:checked")).map((cb) => cb.value);
    showError("");
    if (names.length < 2) return;
    try {
      const res = await C.api("POST", "/api/compare", {
        scenarios: names.map((n) => ({ scenario: n, parameters: {} })),
        outputs: data.outputs, lang: C.lang,
      });
      showCompare(names, res);
    } catch (err) { showError(err.message); }
  });

  function showCompare(names, res) {
    const runs = res.scenarios;
    const table = document.createElement("table");
    table.className = "compare";
    const head = table.createTHead().insertRow();
    ["", ...names].forEach((n) => { const th = document.createElement("th"); th.textContent = n; head.appendChild(th); });
    const body = table.createTBody();
    document.querySelectorAll("#answers li").forEach((li) => {
      const tr = body.insertRow();
      tr.dataset.answer = li.dataset.answer;
      const th = document.createElement("th");
      th.textContent = li.querySelector(".q").firstChild.textContent.trim();
      tr.appendChild(th);
      runs.forEach((run) => {
        const a = (run.answers || []).find((x) => x.id === li.dataset.answer);
        const td = tr.insertCell();
        if (!a) return;
        const pill = document.createElement("span");
        pill.className = "pill " + CSS[a.status];
        pill.textContent = words[a.status];
        td.dataset.status = a.status;
        td.appendChild(pill);
      });
    });
    document.querySelectorAll(".card[data-card]").forEach((card) => {
      const tr = body.insertRow();
      tr.dataset.output = card.dataset.card;
      const th = document.createElement("th");
      th.textContent = card.querySelector(".l").textContent;
      tr.appendChild(th);
      runs.forEach((run) => {
        const td = tr.insertCell();
        td.className = "num";
        td.textContent = (run.formatted || {})[card.dataset.card] ?? C.fmt((run.outputs || {})[card.dataset.card]);
      });
    });
    const box = document.getElementById("compare-result");
    box.textContent = "";
    box.appendChild(table);
  }

  // -- start ---------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    writeUrl(); // the address names the scenario, so a copied link keeps it
    data.charts.forEach((c) => draw(c, data.first));
    document.body.dataset.ready = "1";
    loadSaved();
  });
})();
