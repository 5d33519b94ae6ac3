import { api } from "../api";
import { type Bar, bars, figure, lines, sumBy } from "../charts";
import { loadCatalog } from "../catalog";
import { clear, field, h, put } from "../dom";
import { errorBox } from "../errors";
import { day, num, percent, titleFromId } from "../format";
import { createMap, setData } from "../map";
import type { Route } from "../router";
import { table } from "../table";
import { latestSimulation, mainRun } from "../sim";

interface Utilisation {
  from: string;
  to: string;
  corridors: { corridor: string; departures: number; section_capacity_feu: number; section_booked_feu: number; utilisation: number }[];
  departures: { departure_id: string; service: string; corridor: string; departure: string; capacity_feu: number; booked_feu: number; utilisation: number }[];
}

interface Trains {
  at: string;
  count: number;
  tracked?: number;
  trains: { departure_id: string; service_name: string; corridor: string; lon: number; lat: number; state: string; basis: string; booked_feu: number | null; capacity_feu: number; to_name?: string; place_name?: string }[];
}

const CORRIDOR_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

export async function render(root: HTMLElement, route: Route): Promise<() => void> {
  const catalog = await loadCatalog();
  const today = new Date().toISOString().slice(0, 10);
  const start = h("input", { name: "start_date", type: "date", value: route.query.get("start_date") ?? today });
  const end = h("input", {
    name: "end_date",
    type: "date",
    value: route.query.get("end_date") ?? new Date(Date.now() + 31 * 864e5).toISOString().slice(0, 10),
  });
  const corridor = h(
    "select",
    { name: "corridor" },
    h("option", { value: "" }, "All corridors"),
    catalog.corridors.map((c) => h("option", { value: c, selected: route.query.get("corridor") === c }, titleFromId(c))),
  );
  const form = h(
    "form",
    { class: "card filters", "aria-label": "Departures to show" },
    h("div", { class: "grid" }, field("Departures from", start), field("Until (exclusive)", end), field("Corridor", corridor)),
    h("button", { type: "submit" }, "Show"),
  );
  const kpis = h("div", { class: "kpis", "aria-live": "polite" });
  const utilSection = h("section", { "aria-labelledby": "util-title" }, h("h2", { id: "util-title" }, "Departures and utilisation"));
  const trainsSection = h("section", { "aria-labelledby": "trains-title" }, h("h2", { id: "trains-title" }, "Trains in transit"));
  const mapBox = h("div", { class: "map small", role: "region", "aria-label": "Trains in transit" });
  const bordersSection = h("section", { "aria-labelledby": "borders-title" }, h("h2", { id: "borders-title" }, "Border queues"));
  const reconcileOut = h("div", { "aria-live": "polite" });
  const reconcile = h("button", { type: "button" }, "Check bookings against capacity (reconcile)");
  root.append(
    h("h1", {}, "Operations"),
    form,
    kpis,
    utilSection,
    trainsSection,
    mapBox,
    bordersSection,
    h("section", { "aria-labelledby": "rec-title" }, h("h2", { id: "rec-title" }, "Reconcile"), reconcile, reconcileOut),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void loadUtilisation();
  });
  reconcile.addEventListener("click", async () => {
    clear(reconcileOut);
    try {
      const r = await api<Record<string, unknown>>("/v1/operator/reconcile");
      const ok = r.ok === true || (Array.isArray(r.mismatches) && r.mismatches.length === 0);
      reconcileOut.append(
        h("p", { class: ok ? "ok" : "error" }, ok ? "Every section's booked FEU equals the sum of its live bookings." : "Mismatches found:"),
        h("pre", {}, JSON.stringify(r, null, 2).slice(0, 4000)),
      );
    } catch (err) {
      reconcileOut.append(errorBox(err));
    }
  });

  const kpi = (label: string, value: string) => h("div", { class: "kpi" }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-label" }, label));
  const utilBody = h("div");
  utilSection.appendChild(utilBody);
  async function loadUtilisation(): Promise<void> {
    clear(utilBody);
    try {
      const u = await api<Utilisation>("/v1/operator/utilisation", {
        query: { start_date: start.value, end_date: end.value, corridor: corridor.value || null, limit: 1000 },
      });
      const cap = u.corridors.reduce((s, c) => s + c.section_capacity_feu, 0);
      const booked = u.corridors.reduce((s, c) => s + c.section_booked_feu, 0);
      kpis.replaceChildren(
        kpi("departures held", num(u.corridors.reduce((s, c) => s + c.departures, 0))),
        kpi("section FEU booked", num(booked, 1)),
        kpi("utilisation", percent(cap ? booked / cap : 0, 1)),
      );
      const corridorBars: Bar[] = u.corridors.map((c) => ({ group: titleFromId(c.corridor), series: "utilisation %", value: +(c.utilisation * 100).toFixed(2) }));
      put(
        utilBody,
        corridorBars.length
          ? figure("Utilisation per corridor: booked over capacity, summed over sections.", bars(corridorBars, "Utilisation (%)", utilBody), "Bar chart of utilisation per corridor")
          : h("p", { class: "muted" }, "No departures held for these dates (seed them: landbridge db seed)."),
        u.departures.length
          ? figure(
              "FEU booked on the day's departures, per corridor.",
              lines(
                sumBy(u.departures, (d) => d.departure.slice(0, 10), (d) => titleFromId(d.corridor), (d) => d.booked_feu).map(
                  (p) => ({ ...p, x: new Date(`${p.x}T00:00:00Z`) }),
                ),
                "Departure day",
                "Booked FEU",
                utilBody,
              ),
              "Chart of booked FEU per departure day and corridor",
            )
          : null,
        table(
          ["Departure", "Service", "Corridor", "Leaves", "Capacity FEU", "Booked FEU", "Utilisation"],
          u.departures
            .filter((d) => d.booked_feu > 0)
            .slice(0, 200)
            .map((d) => [d.departure_id, d.service, titleFromId(d.corridor), day(d.departure), num(d.capacity_feu), num(d.booked_feu, 1), percent(d.utilisation, 1)]),
          "Departures with bookings",
        ),
      );
    } catch (err) {
      utilBody.append(errorBox(err));
    }
  }

  const [trains, sim] = await Promise.all([api<Trains>("/v1/operator/trains"), latestSimulation().catch(() => null), loadUtilisation()]);
  const corridors = [...new Set(trains.trains.map((t) => t.corridor))].sort();
  const colour = (c: string) => CORRIDOR_COLOURS[corridors.indexOf(c) % CORRIDOR_COLOURS.length];
  const perCorridor: Bar[] = corridors.map((c) => ({ group: titleFromId(c), series: "trains", value: trains.trains.filter((t) => t.corridor === c).length }));
  put(
    trainsSection,
    h(
      "p",
      {},
      `${trains.count} trains on the way at ${trains.at.slice(0, 16).replace("T", " ")} UTC: ` +
        `${trains.tracked ?? 0} placed by their latest tracking event (ringed), the others by their schedules.`,
    ),
    perCorridor.length ? figure("Trains in transit per corridor.", bars(perCorridor, "Trains", trainsSection), "Bar chart of trains in transit per corridor") : null,
    h(
      "ul",
      { class: "legend" },
      corridors.map((c) => h("li", {}, h("span", { class: "swatch swatch-dot", style: `--c:${colour(c)}`, "aria-hidden": "true" }), titleFromId(c))),
    ),
  );
  const run = mainRun(sim);
  if (run?.kpis.borders) {
    const rows = Object.entries(run.kpis.borders);
    const data: Bar[] = rows.flatMap(([, b]) => [
      { group: b.name, series: "mean wait (h)", value: b.mean_wait_hours },
      { group: b.name, series: "p90 wait (h)", value: b.p90_wait_hours },
    ]);
    bordersSection.append(
      h("p", {}, `From simulation ${sim?.id} (${run.label}, ${sim?.days} days from ${sim?.start}).`),
      figure("Waiting time for a transshipment track at each crossing.", bars(data, "Hours", bordersSection), "Bar chart of border waits"),
      table(
        ["Crossing", "Mean wait h", "p90 wait h", "Utilisation", "Trains a day", "Capacity a day"],
        rows.map(([, b]) => [b.name, num(b.mean_wait_hours, 1), num(b.p90_wait_hours, 1), percent(b.utilisation), num(b.trains_per_day, 1), num(b.capacity_trains_per_day, 1)]),
        "Border queues in the latest simulation",
      ),
    );
  } else {
    bordersSection.append(h("p", { class: "muted" }, "No simulation has run on this server yet: run one on the Scenarios page to see the queues."));
  }
  const map = await createMap(mapBox, { label: "Map of trains in transit" });
  setData(map, "trains", {
    type: "FeatureCollection",
    features: trains.trains.map((t) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [t.lon, t.lat] },
      properties: { corridor: t.corridor, name: t.service_name, colour: colour(t.corridor), tracked: t.basis === "tracked" },
    })),
  });
  map.addLayer({
    id: "trains",
    type: "circle",
    source: "trains",
    paint: {
      "circle-radius": ["case", ["get", "tracked"], 6, 4],
      "circle-color": ["get", "colour"],
      "circle-stroke-color": ["case", ["get", "tracked"], "#000", "#fff"],
      "circle-stroke-width": ["case", ["get", "tracked"], 2, 1],
    },
  });
  mapBox.dataset.trains = String(trains.count);
  return () => map.remove();
}
