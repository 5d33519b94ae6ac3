import { loadNetwork } from "../networkData";
import { clear, field, h } from "../dom";
import { gaugeName, num, percent, titleFromId } from "../format";
import { createMap, fitTo, legend, loadBasemap, maplibregl, markRendered } from "../map";
import {
  NETWORK_LAYER_IDS,
  type NetworkCollection,
  type Props,
  gaugeChangeMarkers,
  networkLayers,
  summarise,
} from "../networkStyle";
import type { Route } from "../router";
import { type SimulationJob, latestSimulation, mainRun } from "../sim";


export async function render(root: HTMLElement, route: Route): Promise<() => void> {
  const t0 = performance.now();
  const corridorSelect = h("select", { name: "corridor" }, h("option", { value: "" }, "All corridors"));
  const findSelect = h("select", { name: "find" }, h("option", { value: "" }, "Choose a hub, crossing or terminal…"));
  const mapBox = h("div", { class: "map", id: "network-map", role: "region", "aria-label": "Network map" });
  // focusable: it scrolls, and keyboard users must be able to scroll it
  const details = h("section", { class: "details card", "aria-live": "polite", "aria-labelledby": "details-title", tabindex: 0 });
  const summary = h("p", { class: "muted" });
  root.append(
    h("h1", {}, "Network"),
    h(
      "p",
      {},
      "Corridors, hubs, border crossings and terminals of the China–Europe rail network. Lines are coloured by " +
        "track gauge; yellow rings mark gauge changes. Click anything on the map, or choose it from the list.",
    ),
    h("div", { class: "controls" }, field("Corridor", corridorSelect), field("Find a place or crossing", findSelect)),
    summary,
    h("div", { class: "map-layout" }, mapBox, details),
    legend(),
  );
  details.append(h("h2", { id: "details-title" }, "Details"), h("p", { class: "muted" }, "Nothing selected yet."));

  const basemap = loadBasemap(); // fetched and parsed while the network loads
  const [net, sim] = await Promise.all([loadNetwork(), latestSimulation().catch(() => null)]);
  performance.mark("landbridge:network-data");
  for (const c of net.corridors ?? []) {
    corridorSelect.appendChild(
      h("option", { value: c.id }, `${titleFromId(c.id)} (${c.services} services${c.trains_per_week ? `, ${c.trains_per_week} trains a week` : ""})`),
    );
  }
  const byKind = (kind: string) =>
    net.features
      .filter((f) => f.geometry.type === "Point" && f.properties?.kind === kind)
      .sort((a, b) => String(a.properties?.name).localeCompare(String(b.properties?.name)));
  const crossings = net.features.filter((f) => ["border_crossing", "ferry"].includes(String(f.properties?.mode)));
  const groups: [string, typeof net.features][] = [
    ["Border crossings", crossings],
    ["Chinese hubs", byKind("hub")],
    ["European terminals", byKind("terminal")],
    ["Ports", byKind("port")],
  ];
  const findable = new Map<string, (typeof net.features)[number]>();
  for (const [label, feats] of groups) {
    const og = h("optgroup", { label });
    for (const f of feats) {
      const key = `${f.properties?.mode ?? f.properties?.kind}:${f.properties?.id}`;
      findable.set(key, f);
      og.appendChild(h("option", { value: key }, String(f.properties?.name)));
    }
    findSelect.appendChild(og);
  }
  const counts = summarise(net);
  summary.textContent =
    `${counts.hub ?? 0} Chinese hubs, ${counts.terminal ?? 0} European terminals, ${counts.border ?? 0} border stations, ` +
    `${counts.rail ?? 0} rail links, ${counts.gauge_changes} gauge changes, ${counts.sea ?? 0} sea and ${counts.air ?? 0} air routes.` +
    (sim ? ` Queues from simulation ${sim.id} (${mainRun(sim)?.label}).` : " No simulation has run on this server yet.");

  await basemap;
  const pre = route.query.get("corridor");
  if (pre) corridorSelect.value = pre;
  const map = await createMap(mapBox, {
    label: "Map of the China–Europe rail network",
    sources: {
      network: { type: "geojson", data: net },
      "gauge-changes": { type: "geojson", data: gaugeChangeMarkers(net) },
    },
    layers: networkLayers(pre || null),
  });
  performance.mark("landbridge:map-loaded");
  const selected = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: "sel-popup" });
  const applyCorridor = () => {
    const c = corridorSelect.value || null;
    for (const layer of networkLayers(c)) if ("filter" in layer && layer.filter) map.setFilter(layer.id, layer.filter);
  };
  corridorSelect.addEventListener("change", () => {
    applyCorridor();
    if (corridorSelect.value) {
      const coords = net.features
        .filter((f) => (f.properties?.corridors as string[] | undefined)?.includes(corridorSelect.value))
        .flatMap((f) => (f.geometry.type === "LineString" ? f.geometry.coordinates : f.geometry.type === "Point" ? [f.geometry.coordinates] : []));
      fitTo(map, coords);
    }
  });
  const show = (props: Props, at?: [number, number]) => {
    clear(details);
    details.append(...describe(props, net, sim));
    if (at) selected.setLngLat(at).setText(String(props.name ?? `${props.from} – ${props.to}`)).addTo(map);
  };
  map.on("click", (e) => {
    const box: [maplibregl.PointLike, maplibregl.PointLike] = [
      [e.point.x - 5, e.point.y - 5],
      [e.point.x + 5, e.point.y + 5],
    ];
    const hits = map.queryRenderedFeatures(box, { layers: [...NETWORK_LAYER_IDS] });
    // Points before crossings before lines: the most specific thing under the pointer.
    const rank = (l: string) => ["net-places", "net-gauge-change", "net-crossing", "net-rail", "net-sea", "net-air"].indexOf(l);
    hits.sort((a, b) => rank(a.layer.id) - rank(b.layer.id));
    if (hits.length) show(hits[0].properties as Props, [e.lngLat.lng, e.lngLat.lat]);
  });
  for (const id of NETWORK_LAYER_IDS) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  findSelect.addEventListener("change", () => {
    const f = findable.get(findSelect.value);
    if (!f) return;
    const coords = f.geometry.type === "Point" ? [f.geometry.coordinates] : f.geometry.type === "LineString" ? f.geometry.coordinates : [];
    const mid = coords[Math.floor(coords.length / 2)] as [number, number];
    show(f.properties as Props, mid);
    map.jumpTo({ center: mid, zoom: Math.max(map.getZoom(), 4) });
  });
  const drawn = await markRendered(map, mapBox, [...NETWORK_LAYER_IDS]);
  const ms = performance.now() - t0;
  performance.mark("landbridge:network-interactive", { detail: { features: drawn, ms } });
  mapBox.dataset.readyMs = ms.toFixed(0);
  return () => map.remove();
}

function row(label: string, value: string | number | null | undefined): HTMLElement[] {
  return [h("dt", {}, label), h("dd", {}, value == null || value === "" ? "–" : String(value))];
}

export function describe(p: Props, net: NetworkCollection, sim: SimulationJob | null): HTMLElement[] {
  const services = net.services ?? {};
  const names = (ids: unknown) =>
    (Array.isArray(ids) ? ids : []).map((id) => services[String(id)]).filter(Boolean);
  const place = (id: unknown) => {
    const f = net.features.find((x) => x.geometry.type === "Point" && x.properties?.id === id);
    return String(f?.properties?.name ?? id);
  };
  const svcList = (ids: unknown) => {
    const list = names(ids);
    if (!list.length) return h("p", { class: "muted" }, "No timetabled service uses it.");
    return h(
      "ul",
      { class: "services" },
      list
        .sort((a, b) => b.trains_per_week - a.trains_per_week)
        .slice(0, 30)
        .map((s) => h("li", {}, `${s.name} (${s.mode}, ${s.operator}, ${s.trains_per_week} a week${s.capacity_feu ? `, ${s.capacity_feu} FEU` : ""})`)),
      list.length > 30 ? h("li", {}, `… and ${list.length - 30} more`) : null,
    );
  };
  const corridors = Array.isArray(p.corridors) ? (p.corridors as string[]).map(titleFromId).join(", ") : "";
  const out: HTMLElement[] = [];
  if (p.kind) {
    out.push(
      h("h2", { id: "details-title" }, String(p.name)),
      h(
        "dl",
        {},
        row("Kind", String(p.kind)),
        row("Country", String(p.country)),
        row("Gauge", p.gauge_mm ? gaugeName(Number(p.gauge_mm)) : ""),
        row("UN/LOCODE", p.unlocode as string),
        row("Corridors", corridors),
        row("Trains a week (services stopping)", p.trains_per_week as number),
      ),
      h("h3", {}, "Services stopping here"),
      svcList(p.services_stopping),
    );
  } else if (p.mode === "border_crossing" || p.mode === "ferry") {
    const gauges = Array.isArray(p.gauges_mm) ? (p.gauges_mm as number[]) : [];
    const run = sim ? sim.runs[sim.runs.length - 1] : null;
    const q = run?.kpis.borders?.[String(p.id)];
    out.push(
      h("h2", { id: "details-title" }, String(p.name)),
      h(
        "dl",
        {},
        row("Between", `${place(p.from)} and ${place(p.to)}`),
        row("Gauge change", p.gauge_change ? `yes: ${gauges.map((g) => gaugeName(g)).join(" → ")}` : "no"),
        row("Capacity", `${num(Number(p.trains_per_day), 0)} trains a day`),
        row("Processing", `${num(Number(p.processing_hours), 1)} h`),
        row("Corridors", corridors),
        row("Trains a week (timetable)", p.trains_per_week as number),
      ),
      h("h3", {}, "Queue in the latest simulation"),
      q
        ? h(
            "dl",
            {},
            row("Simulation", `${sim?.id} (${run?.label}, ${sim?.days} days from ${sim?.start})`),
            row("Mean wait", `${num(q.mean_wait_hours, 1)} h`),
            row("90th percentile wait", `${num(q.p90_wait_hours, 1)} h`),
            row("Utilisation", percent(q.utilisation)),
            row("Longest queue", q.max_queue_trains != null ? `${q.max_queue_trains} trains` : ""),
          )
        : h("p", { class: "muted" }, sim ? "Not simulated in that run." : "No simulation has run on this server yet (operators: Scenarios)."),
      h("h3", {}, "Services crossing here"),
      svcList(p.services),
    );
  } else if (p.marker === "gauge_change") {
    return describe({ ...p, marker: undefined }, net, sim);
  } else {
    const title = p.name ? String(p.name) : `${place(p.from)} – ${place(p.to)}`;
    const parts = [
      h("h2", { id: "details-title" }, title),
      h(
        "dl",
        {},
        row("Mode", String(p.mode)),
        row("Gauge", p.gauge_mm ? gaugeName(Number(p.gauge_mm)) : ""),
        row("Distance", p.distance_km != null ? `${num(Number(p.distance_km))} km` : ""),
        row("Speed", p.speed_kmh != null ? `${num(Number(p.speed_kmh))} km/h (commercial, stops included)` : ""),
        row("Traction", p.traction as string),
        row("Route", p.route as string),
        row("Corridors", corridors),
        row("Trains a week", p.trains_per_week as number),
      ),
      p.services ? h("h3", {}, "Services") : null,
      p.services ? svcList(p.services) : null,
    ];
    out.push(...parts.filter((x): x is NonNullable<typeof x> => x != null));
  }
  return out;
}
