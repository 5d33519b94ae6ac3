import type { FeatureCollection, Geometry, Position } from "geojson";
import { describe, expect, it } from "vitest";
import { ANTARCTICA, basemapCountries, unwrapGeometry, unwrapLine } from "./geometry";

function maxJump(coords: Position[]): number {
  let m = 0;
  for (let i = 1; i < coords.length; i++) m = Math.max(m, Math.abs(coords[i][0] - coords[i - 1][0]));
  return m;
}

describe("antimeridian", () => {
  it("makes a line crossing 180° continuous and keeps its shape modulo 360°", () => {
    const line: Position[] = [[170, 65], [179.5, 66], [-179.5, 66.5], [-170, 67], [-175, 68], [178, 68]];
    const out = unwrapLine(line);
    expect(maxJump(out)).toBeLessThan(180);
    out.forEach((p, i) => {
      expect((((p[0] - line[i][0]) % 360) + 360) % 360).toBeCloseTo(0, 9);
      expect(p[1]).toBe(line[i][1]);
    });
  });

  it("leaves lines that do not cross it alone", () => {
    const line: Position[] = [[10, 50], [100, 40], [-20, 30]];
    expect(unwrapLine(line)).toEqual(line);
  });

  it("unwraps every ring of polygons and drops Antarctica from the basemap", () => {
    const poly = unwrapGeometry({ type: "MultiPolygon", coordinates: [[[[179, 1], [-179, 1], [-179, 2], [179, 1]]]] });
    expect(poly.type === "MultiPolygon" && maxJump(poly.coordinates[0][0])).toBeLessThan(180);
    const fc: FeatureCollection<Geometry> = {
      type: "FeatureCollection",
      features: [
        { type: "Feature", id: ANTARCTICA, geometry: { type: "Point", coordinates: [0, -90] }, properties: {} },
        { type: "Feature", id: "643", geometry: { type: "Point", coordinates: [100, 60] }, properties: {} },
      ],
    };
    expect(basemapCountries(fc).features.map((f) => f.id)).toEqual(["643"]);
  });
});
