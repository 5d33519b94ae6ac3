// Geometry helpers for the basemap: lines and rings that cross the antimeridian are made continuous
// (longitudes beyond ±180 are fine for MapLibre), so Russia's far east or Fiji don't draw a band across the map.
import type { Feature, FeatureCollection, Geometry, Position } from "geojson";

export function unwrapLine(coords: Position[]): Position[] {
  const out: Position[] = [];
  let prev: number | null = null;
  for (const [lon, lat, ...rest] of coords) {
    let x = lon;
    if (prev != null) {
      while (x - prev > 180) x -= 360;
      while (x - prev < -180) x += 360;
    }
    out.push([x, lat, ...rest]);
    prev = x;
  }
  return out;
}

export function unwrapGeometry(g: Geometry): Geometry {
  switch (g.type) {
    case "LineString":
      return { ...g, coordinates: unwrapLine(g.coordinates) };
    case "MultiLineString":
    case "Polygon":
      return { ...g, coordinates: g.coordinates.map(unwrapLine) } as Geometry;
    case "MultiPolygon":
      return { ...g, coordinates: g.coordinates.map((poly) => poly.map(unwrapLine)) };
    case "GeometryCollection":
      return { ...g, geometries: g.geometries.map(unwrapGeometry) };
    default:
      return g;
  }
}

/** Natural Earth's Antarctica (ISO 3166 numeric 010) closes its ring along the pole: left out of the basemap. */
export const ANTARCTICA = "010";

export function basemapCountries(fc: FeatureCollection<Geometry>): FeatureCollection<Geometry> {
  return {
    type: "FeatureCollection",
    features: fc.features
      .filter((f: Feature) => String(f.id) !== ANTARCTICA)
      .map((f) => ({ ...f, geometry: unwrapGeometry(f.geometry) })),
  };
}
