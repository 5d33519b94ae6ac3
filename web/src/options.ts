// Quote options as the pages show them, whatever shape of money and reliability the server sends
// (numbers today; decimal strings and p50/p90 arrival instants are accepted too).
import { addDays } from "./format";

export interface Leg {
  mode: string;
  from: string;
  from_name?: string;
  to: string;
  to_name?: string;
  departure: string;
  arrival: string;
  service?: string | null;
  service_name?: string;
  departure_id?: string;
  board_stop?: number;
  alight_stop?: number;
}

export interface Option {
  id: string;
  key?: string;
  mode: string;
  labels?: string[];
  legs: Leg[];
  departure: string;
  arrival: string;
  transit_days: number;
  cost: { total: number | string; currency: string; lines?: { label: string; amount: number | string }[] };
  co2e_kg: number | string;
  gauge_changes?: { place_name: string; crossing: string; from_gauge_mm: number; to_gauge_mm: number }[];
  borders?: { from_country: string; to_country: string; place: string }[];
  reliability?: {
    p50_transit_days?: number;
    p90_transit_days?: number;
    p50_arrival?: string;
    p90_arrival?: string;
    source?: string;
  };
}

export interface OptionView {
  id: string;
  index: number;
  title: string;
  mode: string;
  labels: string[];
  departure: string;
  scheduledArrival: string;
  p50Arrival: string;
  p90Arrival: string;
  transitDays: number;
  p90Days: number;
  cost: number;
  currency: string;
  co2eKg: number;
  gaugeChanges: string[];
  reliabilitySource: string;
  services: string[];
}

export function toNumber(v: number | string | null | undefined): number {
  if (v == null) return NaN;
  return typeof v === "number" ? v : Number(v);
}

export function optionView(o: Option, index: number): OptionView {
  const r = o.reliability ?? {};
  const p50Days = r.p50_transit_days ?? o.transit_days;
  const p90Days = r.p90_transit_days ?? p50Days;
  const services = o.legs.filter((l) => l.service_name).map((l) => String(l.service_name));
  const via = services.length ? services.join(" + ") : o.legs.map((l) => l.mode).join(", ");
  return {
    id: o.id,
    index,
    title: `${o.mode[0].toUpperCase()}${o.mode.slice(1)}: ${via}`,
    mode: o.mode,
    labels: o.labels ?? [],
    departure: o.departure,
    scheduledArrival: o.arrival,
    p50Arrival: r.p50_arrival ?? addDays(o.departure, p50Days),
    p90Arrival: r.p90_arrival ?? addDays(o.departure, p90Days),
    transitDays: o.transit_days,
    p90Days,
    cost: toNumber(o.cost.total),
    currency: o.cost.currency,
    co2eKg: toNumber(o.co2e_kg),
    gaugeChanges: (o.gauge_changes ?? []).map(
      (g) => `${g.place_name} (${g.crossing}): ${g.from_gauge_mm} → ${g.to_gauge_mm} mm`,
    ),
    reliabilitySource: r.source ?? "schedule",
    services,
  };
}

/** Scenario specs from the form's toggles (the same strings as `landbridge quote --scenario`). */
export function scenarioSpecs(t: {
  redSeaClosed?: boolean;
  border?: string | null;
  borderPercent?: number | null;
  avoidCountry?: string | null;
  seaToRailPercent?: number | null;
}): string[] {
  const out: string[] = [];
  if (t.redSeaClosed) out.push("red-sea-closed");
  if (t.border && t.borderPercent != null && Number.isFinite(t.borderPercent)) {
    out.push(`border:${t.border}=${Math.round(t.borderPercent)}%`);
  }
  if (t.avoidCountry) out.push(`avoid:${t.avoidCountry}`);
  if (t.seaToRailPercent) out.push(`sea-to-rail:${t.seaToRailPercent}%`);
  return out;
}

export const OPTION_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"];
export function optionColour(index: number): string {
  return OPTION_COLOURS[index % OPTION_COLOURS.length];
}

/** Container numbers typed one per line (or separated by commas/spaces), as the booking API takes them; null
 * when none are given. */
export function containerNumbers(text: string): { equipment_reference: string }[] | null {
  const refs = text
    .split(/[\s,;]+/)
    .map((r) => r.trim().toUpperCase())
    .filter(Boolean);
  return refs.length ? refs.map((r) => ({ equipment_reference: r })) : null;
}
