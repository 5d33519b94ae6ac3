// Charts as SVG (Observable Plot), each in a <figure> with a caption and an accessible name.
import * as Plot from "@observablehq/plot";
import { h } from "./dom";

export function figure(caption: string, chart: SVGSVGElement | HTMLElement, label: string): HTMLElement {
  // The chart is one image with one name: Plot's labels on inner groups would be prohibited ARIA there.
  for (const el of chart.querySelectorAll("[aria-label], [aria-description]")) {
    el.removeAttribute("aria-label");
    el.removeAttribute("aria-description");
  }
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", label);
  return h("figure", { class: "chart" }, chart, h("figcaption", {}, caption));
}

function width(container?: HTMLElement): number {
  const w = container?.clientWidth || document.getElementById("main")?.clientWidth || 640;
  return Math.max(280, Math.min(w, 720));
}

export interface Point {
  label: string;
  x: number;
  y: number;
  colour: string;
}

/** A scatter of labelled points (e.g. arrival against cost), each point in its own colour. */
export function scatter(points: Point[], x: string, y: string, container?: HTMLElement): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: width(container),
    height: 260,
    marginLeft: 70,
    grid: true,
    x: { label: x, nice: true },
    y: { label: y, nice: true, zero: false },
    marks: [
      Plot.dot(points, { x: "x", y: "y", fill: "colour", r: 6, stroke: "#000", title: (d: Point) => d.label }),
      Plot.text(points, { x: "x", y: "y", text: "label", dy: -12, fontSize: 11 }),
    ],
  });
}

export interface SeriesPoint {
  series: string;
  x: Date | string | number;
  y: number;
}

/** Lines, one per series (e.g. trains a month, baseline against the scenario). */
export function lines(points: SeriesPoint[], x: string, y: string, container?: HTMLElement): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: width(container),
    height: 260,
    marginLeft: 60,
    grid: true,
    color: { legend: true },
    x: { label: x },
    y: { label: y, zero: true },
    marks: [
      Plot.lineY(points, { x: "x", y: "y", stroke: "series", strokeWidth: 2 }),
      Plot.dot(points, { x: "x", y: "y", fill: "series", r: 3 }),
    ],
  });
}

export interface Bar {
  group: string;
  series: string;
  value: number;
}

/** Horizontal bars, one row per group (e.g. a crossing), one bar per series in it (e.g. a scenario). */
export function bars(data: Bar[], value: string, container?: HTMLElement): SVGSVGElement | HTMLElement {
  const groups = [...new Set(data.map((d) => d.group))];
  const series = [...new Set(data.map((d) => d.series))];
  const max = Math.max(0, ...data.map((d) => d.value));
  const title = (d: Bar) => `${d.group}, ${d.series}: ${d.value}`;
  const x = { label: value, grid: true, domain: [0, max > 0 ? max : 1], nice: true };
  if (series.length === 1) {
    return Plot.plot({
      width: width(container),
      height: Math.max(100, groups.length * 26 + 50),
      marginLeft: 190,
      x,
      y: { label: null, domain: groups },
      marks: [Plot.barX(data, { x: "value", y: "group", fill: "#4269d0", title }), Plot.ruleX([0])],
    });
  }
  return Plot.plot({
    width: width(container),
    height: Math.max(120, groups.length * (series.length * 14 + 12) + 60),
    marginLeft: 190,
    color: { legend: true, domain: series },
    x,
    y: { axis: null, domain: series },
    fy: { label: null, domain: groups, axis: "left" },
    marks: [Plot.barX(data, { x: "value", y: "series", fy: "group", fill: "series", title }), Plot.ruleX([0])],
  });
}

/** Sums of `value` per (key, series): e.g. booked FEU per day and corridor. */
export function sumBy<T>(rows: T[], key: (r: T) => string, series: (r: T) => string, value: (r: T) => number): SeriesPoint[] {
  const acc = new Map<string, SeriesPoint>();
  for (const r of rows) {
    const k = `${series(r)}\u0000${key(r)}`;
    const hit = acc.get(k);
    if (hit) hit.y += value(r);
    else acc.set(k, { series: series(r), x: key(r), y: value(r) });
  }
  return [...acc.values()].sort((a, b) => String(a.x).localeCompare(String(b.x)));
}
