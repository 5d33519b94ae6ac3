import type { FeatureCollection, Geometry } from "geojson";
import { describe, expect, it } from "vitest";
import {
  GAUGE_COLOURS,
  NETWORK_LAYER_IDS,
  type Props,
  corridorFilter,
  gaugeChangeMarkers,
  legendEntries,
  networkLayers,
  onCorridor,
  summarise,
} from "./networkStyle";

const net: FeatureCollection<Geometry, Props> = {
  type: "FeatureCollection",
  features: [
    { type: "Feature", geometry: { type: "Point", coordinates: [106.5, 29.5] }, properties: { id: "chongqing", kind: "hub", corridors: ["northern-alashankou"] } },
    { type: "Feature", geometry: { type: "Point", coordinates: [6.8, 51.4] }, properties: { id: "duisburg", kind: "city" } },
    {
      type: "Feature",
      geometry: { type: "LineString", coordinates: [[23.6, 52.1], [23.1, 52.1]] },
      properties: { mode: "border_crossing", id: "brest-malaszewicze", gauge_change: true, corridors: ["northern-alashankou", "trans-siberian"] },
    },
    {
      type: "Feature",
      geometry: { type: "LineString", coordinates: [[82.5, 45.2], [82.6, 45.3]] },
      properties: { mode: "border_crossing", id: "x", gauge_change: false, corridors: ["trans-siberian"] },
    },
    { type: "Feature", geometry: { type: "LineString", coordinates: [[0, 0], [1, 1]] }, properties: { mode: "rail", gauge_mm: 1520, corridors: [] } },
  ],
};

describe("network style", () => {
  it("marks each gauge change once, at the crossing's middle", () => {
    const m = gaugeChangeMarkers(net);
    expect(m.features).toHaveLength(1);
    expect(m.features[0].geometry.coordinates).toEqual([23.35, 52.1]);
    expect(m.features[0].properties.id).toBe("brest-malaszewicze");
  });

  it("counts what the network holds", () => {
    expect(summarise(net)).toEqual({ hub: 1, city: 1, border_crossing: 2, rail: 1, gauge_changes: 1 });
  });

  it("filters by corridor the same way on the map and in lists", () => {
    expect(onCorridor(net.features, null)).toHaveLength(5);
    expect(onCorridor(net.features, "trans-siberian").map((f) => f.properties.id)).toEqual(["brest-malaszewicze", "x"]);
    expect(corridorFilter(null)).toBeNull();
    expect(JSON.stringify(corridorFilter("trans-siberian"))).toContain("trans-siberian");
  });

  it("gives every network layer a filter that includes the corridor when one is chosen", () => {
    const layers = networkLayers("trans-mongolian");
    expect(layers.map((l) => l.id)).toEqual([...NETWORK_LAYER_IDS]);
    for (const l of layers) expect(JSON.stringify("filter" in l ? l.filter : null)).toContain("trans-mongolian");
    for (const l of networkLayers(null)) expect(JSON.stringify("filter" in l ? l.filter : "")).not.toContain("corridors");
  });

  it("colours rail by gauge and has a legend entry for each colour", () => {
    const rail = networkLayers().find((l) => l.id === "net-rail")!;
    const paint = JSON.stringify("paint" in rail ? rail.paint : {});
    const legend = legendEntries();
    for (const [mm, colour] of Object.entries(GAUGE_COLOURS)) {
      expect(paint).toContain(colour);
      expect(legend.some((e) => e.colour === colour && e.label.includes(mm))).toBe(true);
    }
  });
});
