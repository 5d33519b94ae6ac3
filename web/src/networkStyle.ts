// How the network is drawn: pure functions from the API's GeoJSON to MapLibre layers, filters and legends.
import type { Feature, FeatureCollection, Geometry, Point } from "geojson";
import type { FilterSpecification, LayerSpecification } from "maplibre-gl";

export type Props = Record<string, unknown>;
export type NetworkCollection = FeatureCollection<Geometry, Props> & {
  corridors?: { id: string; modes: string[]; services: number; trains_per_week: number }[];
  services?: Record<string, ServiceInfo>;
};
export interface ServiceInfo {
  name: string;
  mode: string;
  corridor: string;
  operator: string;
  direction: string;
  trains_per_week: number;
  capacity_feu: number | null;
  transit_hours: number;
}

export const GAUGE_COLOURS: Record<string, string> = {
  "1435": "#1b7837", // standard
  "1520": "#b2182b", // Russian
  "1668": "#e08214", // Iberian
};
export const OTHER_GAUGE = "#555555";
export const MODE_COLOURS: Record<string, string> = { sea: "#2166ac", air: "#7b3294", truck: "#8c510a" };

export const PLACE_STYLE: Record<string, { colour: string; radius: number; label: string }> = {
  hub: { colour: "#67001f", radius: 6, label: "Chinese hub" },
  terminal: { colour: "#053061", radius: 5, label: "European rail terminal" },
  border: { colour: "#000000", radius: 4, label: "Border station" },
  port: { colour: "#2166ac", radius: 4, label: "Sea port" },
  airport: { colour: "#7b3294", radius: 4, label: "Airport" },
  junction: { colour: "#878787", radius: 2.5, label: "Junction" },
  city: { colour: "#bababa", radius: 2, label: "Destination city" },
};

/** Only the features on a corridor (all when `corridor` is empty); places without corridors stay visible only
 * when no corridor is chosen. */
export function corridorFilter(corridor: string | null): FilterSpecification | null {
  if (!corridor) return null;
  return ["in", corridor, ["coalesce", ["get", "corridors"], ["literal", []]]] as unknown as FilterSpecification;
}

function combine(base: FilterSpecification, extra: FilterSpecification | null): FilterSpecification {
  return (extra ? ["all", base, extra] : base) as FilterSpecification;
}

export const NETWORK_LAYER_IDS = [
  "net-sea",
  "net-air",
  "net-rail",
  "net-crossing",
  "net-gauge-change",
  "net-places",
] as const;

/** The layers drawing the `network` source (and `gauge-changes` markers), filtered to a corridor. */
export function networkLayers(corridor: string | null = null): LayerSpecification[] {
  const cf = corridorFilter(corridor);
  const gaugeColour = [
    "match",
    ["to-string", ["get", "gauge_mm"]],
    ...Object.entries(GAUGE_COLOURS).flat(),
    OTHER_GAUGE,
  ] as unknown as string;
  const kinds = Object.keys(PLACE_STYLE);
  return [
    {
      id: "net-sea",
      type: "line",
      source: "network",
      filter: combine(["==", ["get", "mode"], "sea"], cf),
      paint: { "line-color": MODE_COLOURS.sea, "line-width": 1.2, "line-opacity": 0.55, "line-dasharray": [3, 2] },
    },
    {
      id: "net-air",
      type: "line",
      source: "network",
      filter: combine(["==", ["get", "mode"], "air"], cf),
      paint: { "line-color": MODE_COLOURS.air, "line-width": 1, "line-opacity": 0.5, "line-dasharray": [1, 2] },
    },
    {
      id: "net-rail",
      type: "line",
      source: "network",
      filter: combine(["==", ["get", "mode"], "rail"], cf),
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": gaugeColour,
        "line-width": ["interpolate", ["linear"], ["zoom"], 2, 1.6, 6, 3.5],
      } as never,
    },
    {
      id: "net-crossing",
      type: "line",
      source: "network",
      filter: combine(["in", ["get", "mode"], ["literal", ["border_crossing", "ferry"]]], cf),
      paint: { "line-color": "#000000", "line-width": 4, "line-dasharray": [1, 1] },
    },
    {
      id: "net-gauge-change",
      type: "circle",
      source: "gauge-changes",
      filter: cf ?? (["literal", true] as unknown as FilterSpecification),
      paint: {
        "circle-radius": 9,
        "circle-color": "rgba(255, 221, 0, 0.35)",
        "circle-stroke-color": "#000000",
        "circle-stroke-width": 2,
      },
    },
    {
      id: "net-places",
      type: "circle",
      source: "network",
      filter: combine(
        ["all", ["==", ["geometry-type"], "Point"], ["in", ["get", "kind"], ["literal", kinds]]] as FilterSpecification,
        cf,
      ),
      paint: {
        "circle-color": ["match", ["get", "kind"], ...kinds.flatMap((k) => [k, PLACE_STYLE[k].colour]), "#999999"],
        "circle-radius": ["match", ["get", "kind"], ...kinds.flatMap((k) => [k, PLACE_STYLE[k].radius]), 3],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1,
      } as never,
    },
  ];
}

/** One marker per gauge change: the crossing's midpoint, with the crossing's properties. */
export function gaugeChangeMarkers(fc: NetworkCollection): FeatureCollection<Point, Props> {
  const features: Feature<Point, Props>[] = [];
  for (const f of fc.features) {
    const p = f.properties ?? {};
    if (!p.gauge_change || f.geometry.type !== "LineString") continue;
    const coords = f.geometry.coordinates;
    const [a, b] = [coords[0], coords[coords.length - 1]];
    features.push({
      type: "Feature",
      geometry: { type: "Point", coordinates: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] },
      properties: { ...p, marker: "gauge_change" },
    });
  }
  return { type: "FeatureCollection", features };
}

/** Counts of what the network holds, for the page's summary and its accessible text. */
export function summarise(fc: NetworkCollection): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fc.features) {
    const p = f.properties ?? {};
    const key = f.geometry.type === "Point" ? String(p.kind) : String(p.mode);
    out[key] = (out[key] ?? 0) + 1;
  }
  out.gauge_changes = gaugeChangeMarkers(fc).features.length;
  return out;
}

/** Features on a corridor (all for none): what the page lists beside the map. */
export function onCorridor<T extends Feature<Geometry, Props>>(features: T[], corridor: string | null): T[] {
  if (!corridor) return features;
  return features.filter((f) => Array.isArray(f.properties?.corridors) && f.properties.corridors.includes(corridor));
}

export function legendEntries(): { label: string; colour: string; shape: "line" | "dot" | "ring" | "dash" }[] {
  return [
    { label: "Rail, standard gauge (1435 mm)", colour: GAUGE_COLOURS["1435"], shape: "line" },
    { label: "Rail, Russian gauge (1520 mm)", colour: GAUGE_COLOURS["1520"], shape: "line" },
    { label: "Rail, Iberian gauge (1668 mm)", colour: GAUGE_COLOURS["1668"], shape: "line" },
    { label: "Border crossing or ferry", colour: "#000000", shape: "dash" },
    { label: "Gauge change", colour: "#000000", shape: "ring" },
    { label: "Sea route", colour: MODE_COLOURS.sea, shape: "dash" },
    { label: "Air route", colour: MODE_COLOURS.air, shape: "dash" },
    ...Object.values(PLACE_STYLE).map((s) => ({ label: s.label, colour: s.colour, shape: "dot" as const })),
  ];
}
