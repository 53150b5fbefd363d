/* The page /uncertainty: start a run of the analyses on the server (POST /api/uncertainty/runs),
   show its progress (polling GET /api/uncertainty/runs/{id}) and, once done, open the page's
   address with its samples and seed, which the server renders with the results. No request
   leaves the server this page came from. */
"use strict";

(() => {
  const form = document.getElementById("run-form");
  if (!form) return;
  const box = document.getElementById("run-progress");
  const bar = document.getElementById("run-bar");
  const phaseText = document.getElementById("run-phase");
  const errorBox = document.getElementById("run-error");
  const button = document.getElementById("run-button");
  const phases = JSON.parse(form.dataset.phases);
  const pollMs = Number(form.dataset.pollMs) || 400;

  function fail(message) {
    box.hidden = true;
    errorBox.hidden = false;
    errorBox.textContent = message;
    button.disabled = false;
  }

  function show(run) {
    box.hidden = false;
    errorBox.hidden = true;
    bar.max = Math.max(1, run.total);
    bar.value = run.done;
    phaseText.textContent = (phases[run.phase] || run.phase)
      .replace("{done}", run.done.toLocaleString(Chikuden.lang === "ja" ? "ja-JP" : "en-US"))
      .replace("{total}", run.total.toLocaleString(Chikuden.lang === "ja" ? "ja-JP" : "en-US"));
  }

  /** The page's address with the run's samples and seed: the server shows its results. */
  function resultsAddress(run) {
    const q = new URLSearchParams(window.location.search);
    q.set("samples", String(run.samples));
    q.set("seed", String(run.seed));
    return window.location.pathname + "?" + q.toString() + "#uncertainty";
  }

  async function poll(run) {
    show(run);
    while (run.status === "queued" || run.status === "running") {
      await new Promise((ok) => setTimeout(ok, pollMs));
      try {
        run = await Chikuden.api("GET", "/api/uncertainty/runs/" + encodeURIComponent(run.id));
      } catch (err) {
        fail(err.message);
        return;
      }
      show(run);
    }
    if (run.status === "failed") { fail(run.error || "failed"); return; }
    window.location.replace(resultsAddress(run));
  }

  async function start() {
    const body = JSON.parse(form.dataset.body);
    body.samples = Number(form.elements.samples.value);
    body.seed = Number(form.elements.seed.value);
    button.disabled = true;
    errorBox.hidden = true;
    let run;
    try {
      run = await Chikuden.api("POST", form.action, body);
    } catch (err) {
      fail(err.message);
      return;
    }
    await poll(run);
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); start(); });
  document.addEventListener("DOMContentLoaded", () => {
    if (form.dataset.run) {
      const run = JSON.parse(form.dataset.run);
      if (run.status === "queued" || run.status === "running") { button.disabled = true; poll(run); }
      else if (run.status === "failed") fail(run.error || "failed");
    } else if (form.dataset.autostart) start();
  });
})();
