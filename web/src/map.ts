// The map: MapLibre GL drawing GeoJSON only (no tiles, no glyphs, no sprites: nothing leaves this origin).
// The basemap is Natural Earth's countries and land (world-atlas, shipped with the app).
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { feature, mesh } from "topojson-client";
import type { FeatureCollection, Geometry, MultiLineString } from "geojson";
import type { GeometryCollection, Topology } from "topojson-specification";
import coarseUrl from "world-atlas/countries-110m.json?url";
import fineUrl from "world-atlas/countries-50m.json?url";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { h } from "./dom";
import { ANTARCTICA, basemapCountries, unwrapGeometry } from "./geometry";
import { legendEntries } from "./networkStyle";

export interface Basemap {
  countries: FeatureCollection<Geometry>;
  borders: MultiLineString;
  coast: MultiLineString;
}

// MapLibre's worker ships as its own file: served from this origin beside the bundle.
maplibregl.setWorkerUrl(workerUrl);
// Start the worker now, while the page fetches its data, not when the first map is made.
maplibregl.prewarm();

export type Detail = "coarse" | "fine";
const URLS: Record<Detail, string> = { coarse: coarseUrl, fine: fineUrl };
const basemaps: Partial<Record<Detail, Promise<Basemap>>> = {};

/** Natural Earth countries, borders (lines between two countries) and coastlines, fetched once per detail:
 * 1:110m ("coarse", 100 kB: the first draw) and 1:50m ("fine", 750 kB: swapped in once the map is idle). */
export function loadBasemap(detail: Detail = "coarse"): Promise<Basemap> {
  const ready = basemaps[detail];
  if (ready) return ready;
  const loading = fetch(URLS[detail])
    .then((r) => {
      if (!r.ok) throw new Error(`basemap: HTTP ${r.status}`);
      return r.json() as Promise<Topology<{ countries: GeometryCollection }>>;
    })
    .then((topo) => ({
      countries: basemapCountries(feature(topo, topo.objects.countries) as FeatureCollection<Geometry>),
      borders: unwrapGeometry(mesh(topo, topo.objects.countries, (a, b) => a !== b)) as MultiLineString,
      coast: unwrapGeometry(
        // coastlines: arcs on one country only (not shared with a neighbour)
        mesh(topo, topo.objects.countries, (a, b) => a === b && String(a.id) !== ANTARCTICA),
      ) as MultiLineString,
    }));
  basemaps[detail] = loading;
  loading.catch(() => {
    delete basemaps[detail];
  });
  return loading;
}

const EMPTY: FeatureCollection = { type: "FeatureCollection", features: [] };

export interface MapOptions {
  label: string;
  center?: [number, number];
  zoom?: number;
  /** Sources and layers drawn with the basemap from the start (one style load, one tiling pass). */
  sources?: Record<string, maplibregl.SourceSpecification>;
  layers?: maplibregl.LayerSpecification[];
}

/** A map in `container` with the basemap drawn; resolves once its style has loaded. The 1:50m basemap replaces
 * the 1:110m one once the map has first gone idle. */
export async function createMap(container: HTMLElement, opts: MapOptions): Promise<maplibregl.Map> {
  const base = await loadBasemap("coarse");
  const map = new maplibregl.Map({
    container,
    style: {
      version: 8,
      sources: {
        countries: { type: "geojson", data: base.countries },
        borders: { type: "geojson", data: { type: "Feature", geometry: base.borders, properties: {} } },
        coast: { type: "geojson", data: { type: "Feature", geometry: base.coast, properties: {} } },
        ...opts.sources,
      },
      layers: [
        { id: "sea", type: "background", paint: { "background-color": "#d4e4f1" } },
        { id: "land", type: "fill", source: "countries", paint: { "fill-color": "#f7f4ee" } },
        { id: "borders", type: "line", source: "borders", paint: { "line-color": "#9a9a9a", "line-width": 0.7 } },
        { id: "coast", type: "line", source: "coast", paint: { "line-color": "#6b8eab", "line-width": 0.8 } },
        ...(opts.layers ?? []),
      ],
    },
    center: opts.center ?? [60, 45],
    zoom: opts.zoom ?? 1.9,
    attributionControl: false,
    fadeDuration: 0,
    maxPitch: 0,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(
    new maplibregl.AttributionControl({ compact: true, customAttribution: "Basemap: Natural Earth (world-atlas)" }),
  );
  map.getCanvas().setAttribute("aria-label", opts.label);
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  await new Promise<void>((resolve) => (map.loaded() ? resolve() : map.once("load", () => resolve())));
  map.once("idle", () => {
    loadBasemap("fine")
      .then((fine) => {
        if (!map.getStyle()) return; // removed meanwhile
        setData(map, "countries", fine.countries);
        setData(map, "borders", { type: "Feature", geometry: fine.borders, properties: {} });
        setData(map, "coast", { type: "Feature", geometry: fine.coast, properties: {} });
      })
      .catch(() => undefined); // the coarse basemap stays
  });
  return map;
}

/** Add or replace a GeoJSON source's data. */
export function setData(map: maplibregl.Map, id: string, data: GeoJSON.GeoJSON | null): void {
  const src = map.getSource(id) as maplibregl.GeoJSONSource | undefined;
  if (src) src.setData(data ?? EMPTY);
  else map.addSource(id, { type: "geojson", data: data ?? EMPTY });
}

/** Zoom to the bounds of some coordinates (ignoring antimeridian wrap, which our network never crosses). */
export function fitTo(map: maplibregl.Map, coords: number[][], padding = 40): void {
  if (!coords.length) return;
  const b = new maplibregl.LngLatBounds(coords[0] as [number, number], coords[0] as [number, number]);
  for (const c of coords) b.extend(c as [number, number]);
  map.fitBounds(b, { padding, duration: 0, maxZoom: 7 });
}

/** After the map has drawn: how many features of these layers are on screen (set as data-rendered-features). */
export function markRendered(map: maplibregl.Map, container: HTMLElement, layers: string[]): Promise<number> {
  return new Promise((resolve) => {
    const done = () => {
      const present = layers.filter((l) => map.getLayer(l));
      const n = present.length ? map.queryRenderedFeatures({ layers: present }).length : 0;
      container.dataset.renderedFeatures = String(n);
      resolve(n);
    };
    if (map.loaded() && !map.isMoving() && map.areTilesLoaded()) {
      map.once("idle", done);
      map.triggerRepaint();
    } else {
      map.once("idle", done);
    }
  });
}

export function legend(): HTMLElement {
  return h(
    "ul",
    { class: "legend", "aria-label": "Map legend" },
    legendEntries().map((e) =>
      h(
        "li",
        {},
        h("span", { class: `swatch swatch-${e.shape}`, style: `--c:${e.colour}`, "aria-hidden": "true" }),
        e.label,
      ),
    ),
  );
}

export { maplibregl };
