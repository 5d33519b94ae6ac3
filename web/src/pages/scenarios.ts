import { api } from "../api";
import { type Bar, bars, figure, lines } from "../charts";
import { loadCatalog } from "../catalog";
import { announce, clear, field, h, newId } from "../dom";
import { errorBox } from "../errors";
import { num } from "../format";
import { scenarioSpecs } from "../options";
import type { Route } from "../router";
import type { SimulationJob } from "../sim";
import { table } from "../table";

const POLL_MS = 500;

export async function render(root: HTMLElement, route: Route): Promise<() => void> {
  const catalog = await loadCatalog();
  const check = (name: string, label: string, checked = false) => {
    const c = h("input", { type: "checkbox", name, id: newId("c"), checked });
    return { c, el: h("div", { class: "check" }, c, h("label", { for: c.id }, label)) };
  };
  const redSea = check("red-sea-closed", "Red Sea closed");
  const borderOn = check("border-reduced", "A border at reduced capacity", route.query.has("border"));
  const border = h(
    "select",
    { name: "border" },
    catalog.crossings.filter((c) => c.mode === "rail").map((c) => h("option", { value: c.id, selected: route.query.get("border") === c.id }, c.name)),
  );
  const pct = h("input", { name: "border-percent", type: "number", min: 0, max: 100, value: 50 });
  const avoid = h("select", { name: "avoid-country" }, h("option", { value: "" }, "No country avoided"), catalog.countries.map((c) => h("option", { value: c }, c)));
  const shift = h("input", { name: "sea-to-rail", type: "number", min: 0, max: 100, step: "any", value: 0 });
  const days = h("input", { name: "days", type: "number", min: 1, max: 366, value: Number(route.query.get("days") ?? 365) });
  const seed = h("input", { name: "seed", type: "number", min: 0, value: 42 });
  const compare = check("compare", "Compare with the baseline (same seed)", true);
  const submit = h("button", { type: "submit" }, "Run simulation");
  const error = h("div", { "aria-live": "assertive" });
  const progress = h("progress", { max: 1, value: 0, id: newId("progress") });
  const phase = h("p", { class: "muted", "aria-live": "polite" });
  const progressBox = h("div", { class: "card", hidden: true }, h("label", { for: progress.id }, "Simulation progress"), progress, phase);
  const results = h("section", { "aria-labelledby": "sim-results", hidden: true });
  const form = h(
    "form",
    { class: "card", "aria-label": "Simulation to run" },
    h("fieldset", {}, h("legend", {}, "Scenario"), redSea.el, borderOn.el, h("div", { class: "grid" }, field("Border crossing", border), field("Capacity left (%)", pct), field("Avoid a country", avoid), field("Sea trade shifted to rail (%)", shift))),
    h("div", { class: "grid" }, field("Days to simulate", days, "1 to 366; a year takes a few seconds"), field("Random seed", seed)),
    compare.el,
    error,
    submit,
  );
  root.append(
    h("h1", {}, "Scenarios"),
    h("p", {}, "Run the digital twin on a disruption and compare it with the baseline: trains, TEU, transit times and border queues."),
    form,
    progressBox,
    results,
  );
  let stopped = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(error);
    submit.disabled = true;
    try {
      let job = await api<SimulationJob>("/v1/operator/simulations", {
        body: {
          scenario: scenarioSpecs({
            redSeaClosed: redSea.c.checked,
            border: borderOn.c.checked ? border.value : null,
            borderPercent: Number(pct.value),
            avoidCountry: avoid.value || null,
            seaToRailPercent: Number(shift.value) || null,
          }),
          days: Number(days.value),
          seed: Number(seed.value),
          compare_baseline: compare.c.checked,
        },
      });
      progressBox.hidden = false;
      results.hidden = true;
      while (!stopped && (job.status === "queued" || job.status === "running")) {
        progress.value = job.progress;
        progress.textContent = `${Math.round(job.progress * 100)} %`;
        phase.textContent = `${Math.round(job.progress * 100)} % · ${job.phase}`;
        await new Promise((r) => setTimeout(r, POLL_MS));
        job = await api<SimulationJob>(`/v1/operator/simulations/${job.id}`);
      }
      progress.value = job.progress;
      phase.textContent = job.status === "done" ? `Done: simulation ${job.id}.` : `Failed: ${job.error}`;
      if (job.status === "done") {
        showResults(results, job);
        announce("Simulation finished.");
      }
    } catch (err) {
      error.appendChild(errorBox(err));
    } finally {
      submit.disabled = false;
    }
  });
  return () => {
    stopped = true;
  };
}

function showResults(section: HTMLElement, job: SimulationJob): void {
  clear(section);
  section.hidden = false;
  section.dataset.jobId = job.id;
  section.append(h("h2", { id: "sim-results" }, `Results of ${job.id}`));
  const monthly = job.runs.flatMap((r) =>
    (r.kpis.months ?? []).map((m, i) => ({ series: r.label, x: new Date(`${m}-01T00:00:00Z`), y: r.kpis.trains_per_month?.[i] ?? 0 })),
  );
  const teu = job.runs.flatMap((r) =>
    (r.kpis.months ?? []).map((m, i) => ({ series: r.label, x: new Date(`${m}-01T00:00:00Z`), y: r.kpis.teu_per_month?.[i] ?? 0 })),
  );
  const waits: Bar[] = job.runs.flatMap((r) =>
    Object.values(r.kpis.borders ?? {}).map((b) => ({ group: b.name, series: r.label, value: b.mean_wait_hours })),
  );
  if (job.comparison) {
    section.append(
      table(
        ["KPI", ...job.runs.map((r) => r.label), ...job.runs.slice(1).map((r) => `Δ ${r.label}`)],
        job.comparison.map((row) => [
          row.kpi,
          ...row.values.map((x) => num(x ?? NaN, row.digits)),
          ...row.deltas.slice(1).map((d) => (d == null ? "–" : `${d > 0 ? "+" : ""}${num(d, row.digits)}`)),
        ]),
        "Scenario against the baseline",
      ),
    );
  } else {
    const s = job.runs[0].kpis.summary ?? {};
    section.append(table(["KPI", "Value"], Object.entries(s).map(([k, v]) => [k.replaceAll("_", " "), num(v ?? NaN, 2)]), "Headline KPIs"));
  }
  section.append(
    figure("CR Express trains a month (a partly simulated last month is lower).", lines(monthly, "Month", "Trains", section), "Line chart of trains per month"),
    figure("TEU a month.", lines(teu, "Month", "TEU", section), "Line chart of TEU per month"),
    figure("Mean wait for a transshipment track at each crossing.", bars(waits, "Hours", section), "Bar chart of mean border waits per run"),
  );
}
