/* Shared by every page of the simulator: the state in the query string, CSV downloads from the
   data a chart shows, drawing the figures embedded by the server, the calculator forms. No
   request leaves the server this page came from. */
"use strict";

const Chikuden = (() => {
  const lang = document.body.dataset.lang || "en";

  /** The page's state: the query string as an ordered map. */
  function state() {
    return new URLSearchParams(window.location.search);
  }

  /** Rewrite every link that carries the state (navigation, language switch, downloads). */
  function carryState(params) {
    const q = params.toString();
    document.querySelectorAll("a[data-nav]").forEach((a) => {
      a.href = a.dataset.nav + (q ? "?" + q : "");
    });
    const sw = document.getElementById("lang-switch");
    if (sw) {
      const other = new URLSearchParams(params);
      const to = sw.getAttribute("hreflang");
      if (to === "en") other.delete("lang"); else other.set("lang", to);
      sw.href = window.location.pathname + "?" + other.toString();
    }
    const brand = document.querySelector(".brand a");
    if (brand) brand.href = "/?" + q;
  }

  function csvCell(v) {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /** A CSV text from a header row and rows. */
  function csvText(headers, rows) {
    return [headers, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
  }

  /** Offer ``text`` as a file download (a Blob: nothing is sent anywhere). */
  function download(name, text, type) {
    const blob = new Blob([text], { type: type || "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** The data a plotly figure shows, as CSV: one column per trace, one row per x. */
  function figureCsv(fig) {
    const traces = (fig.data || []).filter((t) => Array.isArray(t.x) && Array.isArray(t.y));
    const xs = [];
    traces.forEach((t) => t.x.forEach((x) => { if (!xs.includes(x)) xs.push(x); }));
    const headers = [fig.xTitle || "", ...traces.map((t) => t.name || "")];
    const rows = xs.map((x) => [
      String(x).replace(/<br>/g, " "),
      ...traces.map((t) => { const i = t.x.indexOf(x); return i < 0 ? "" : t.y[i]; }),
    ]);
    return csvText(headers, rows);
  }

  /** One line for an API error ({"error": {field, value, allowed, message}}). */
  function errorText(body, status) {
    if (body && body.error) {
      const e = body.error;
      return e.message || [e.field, e.value, e.allowed].filter(Boolean).join(": ");
    }
    if (body && body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    return "HTTP " + status;
  }

  async function api(method, url, body, isForm) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      if (isForm) init.body = body;
      else { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    }
    // an error's message reads in the page's language (the API takes lang from the query)
    if (lang !== "en" && !/[?&]lang=/.test(url)) url += (url.includes("?") ? "&" : "?") + "lang=" + lang;
    const res = await fetch(url, init);
    const type = res.headers.get("content-type") || "";
    const data = type.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new Error(errorText(data, res.status));
    return data;
  }

  /** Draw the figures the server embedded (domain pages) when they come into view. */
  function drawEmbedded() {
    const blocks = document.querySelectorAll("script.fig-data");
    if (!blocks.length) return;
    const draw = (block) => {
      const fig = JSON.parse(block.textContent);
      const el = document.getElementById(block.dataset.target);
      if (!el || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false, responsive: true });
    };
    const io = new IntersectionObserver((entries) => {
      entries.forEach((e) => {
        if (!e.isIntersecting) return;
        io.unobserve(e.target);
        const block = document.querySelector(`script.fig-data[data-target="${e.target.id}"]`);
        if (block) draw(block);
      });
    }, { rootMargin: "400px" });
    blocks.forEach((b) => { const el = document.getElementById(b.dataset.target); if (el) io.observe(el); });
    document.querySelectorAll("button.csv[data-csv]").forEach((btn) => {
      btn.addEventListener("click", () => {
        const block = document.getElementById(btn.dataset.csv);
        download(btn.dataset.name + ".csv", JSON.parse(block.textContent));
      });
    });
  }

  /** The calculator forms: POST their fields as JSON, show the answer in words (its
   * ``readable``: a sentence and labelled values with units, in the page's language). */
  function calculators() {
    document.querySelectorAll("form.calculator").forEach((form) => {
      const out = form.parentElement.querySelector(".calc-result");
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        out.textContent = "";
        let body;
        let isForm = false;
        // data-send: "json" (the fields), "json-scenario" (the fields, the page's scenario and
        // moved levers) or "file-query" (the file as a form field, the rest and the scenario
        // in the query string): what each endpoint of /api/calculators takes.
        const send = form.dataset.send;
        const fields = {};
        new FormData(form).forEach((v, k) => {
          if (v === "" || v instanceof File) return;
          const n = Number(v);
          fields[k] = form.elements[k].type === "number" && Number.isFinite(n) ? n : v;
        });
        let url = form.action;
        if (send === "file-query") {
          body = new FormData();
          body.append("file", form.elements.file.files[0]);
          isForm = true;
          const q = new URLSearchParams({ scenario: form.dataset.scenario, lang });
          Object.entries(fields).forEach(([k, v]) => q.set(k, String(v)));
          url += "?" + q.toString();
        } else if (send === "json-scenario") {
          body = { ...fields, scenario: form.dataset.scenario, parameters: JSON.parse(form.dataset.parameters || "{}"), lang };
        } else {
          body = { ...fields, lang };
        }
        try {
          const data = await api("POST", url, body, isForm);
          out.appendChild(inWords(data.readable));
          out.dataset.done = "1";
        } catch (err) {
          const p = document.createElement("p");
          p.className = "error";
          p.setAttribute("role", "alert");
          p.textContent = err.message;
          out.appendChild(p);
        }
      });
    });
  }

  /** A calculator's answer in words: its sentence, then a table of labelled values (each
   * row marked with the field of the JSON answer it shows, data-key). */
  function inWords(readable) {
    const box = document.createElement("div");
    const p = document.createElement("p");
    p.className = "calc-summary";
    p.textContent = readable.summary;
    box.appendChild(p);
    const table = document.createElement("table");
    table.className = "result";
    readable.lines.forEach((line) => {
      const tr = table.insertRow();
      if (line.label) {
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = line.label;
        tr.appendChild(th);
      }
      const td = tr.insertCell();
      if (!line.label) td.colSpan = 2;
      td.dataset.key = line.key;
      td.textContent = line.value;
    });
    box.appendChild(table);
    return box;
  }

  /** A nested JSON answer as a key/value table (the uncertainty page's viewer) (arrays of objects as sub-tables). */
  function resultTable(data) {
    const table = document.createElement("table");
    table.className = "result";
    const add = (k, v) => {
      const tr = table.insertRow();
      const th = document.createElement("th");
      th.textContent = k;
      tr.appendChild(th);
      const td = tr.insertCell();
      td.dataset.key = k;
      if (v !== null && typeof v === "object") {
        if (Array.isArray(v) && v.length && typeof v[0] === "object") {
          const sub = document.createElement("table");
          const keys = Object.keys(v[0]);
          const head = sub.insertRow();
          keys.forEach((key) => { const h = document.createElement("th"); h.textContent = key; head.appendChild(h); });
          v.forEach((row) => { const r = sub.insertRow(); keys.forEach((key) => { const c = r.insertCell(); c.dataset.key = key; c.textContent = fmt(row[key], key); }); });
          td.appendChild(sub);
        } else if (Array.isArray(v)) td.textContent = v.map((x) => fmt(x, k)).join(", ");
        else td.appendChild(resultTable(v));
      } else td.textContent = fmt(v, k);
    };
    Object.entries(data).forEach(([k, v]) => add(k, v));
    return table;
  }

  /** A value of an API answer: a year as it is, other numbers to six significant digits. */
  function fmt(v, key) {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number" && /year/.test(key || "")) return String(v);
    if (typeof v === "number") return v.toLocaleString(lang === "ja" ? "ja-JP" : "en-US", { maximumSignificantDigits: 6 });
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawEmbedded();
    calculators();
  });

  return { lang, state, carryState, csvText, download, figureCsv, api, errorText, fmt, resultTable, inWords };
})();
