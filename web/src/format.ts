// Formatting for people: dates in UTC (the API's time zone), money with its currency, masses and emissions.

const DAY_MS = 86_400_000;

export function parseUtc(iso: string): Date {
  return new Date(iso);
}

/** "2026-12-14 10:38 UTC" */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** "2026-12-14" */
export function day(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** An instant `days` after `iso` (fractional days allowed), as ISO. */
export function addDays(iso: string, days: number): string {
  return new Date(new Date(iso).getTime() + days * DAY_MS).toISOString();
}

export function daysBetween(fromIso: string, toIso: string): number {
  return (new Date(toIso).getTime() - new Date(fromIso).getTime()) / DAY_MS;
}

/** Money as the API gives it (a number or a decimal string) with its ISO currency code. */
export function money(amount: number | string | null | undefined, currency: string | null | undefined): string {
  if (amount == null || amount === "") return "–";
  const value = typeof amount === "string" ? Number(amount) : amount;
  if (!Number.isFinite(value)) return `${amount} ${currency ?? ""}`.trim();
  const code = (currency ?? "").toUpperCase();
  try {
    return new Intl.NumberFormat("en", {
      style: "currency",
      currency: code || "USD",
      maximumFractionDigits: 0,
    }).format(value);
  } catch {
    return `${value.toFixed(0)} ${code}`;
  }
}

export function kg(massKg: number | null | undefined): string {
  if (massKg == null || !Number.isFinite(massKg)) return "–";
  if (Math.abs(massKg) >= 10_000) return `${(massKg / 1000).toLocaleString("en", { maximumFractionDigits: 1 })} t`;
  return `${Math.round(massKg).toLocaleString("en")} kg`;
}

/** CO2e in kg or tonnes: "128.9 t CO2e" */
export function co2e(massKg: number | null | undefined): string {
  return massKg == null ? "–" : `${kg(massKg)} CO2e`;
}

export function percent(share: number | null | undefined, digits = 0): string {
  if (share == null || !Number.isFinite(share)) return "–";
  return `${(share * 100).toFixed(digits)} %`;
}

export function num(value: number | null | undefined, digits = 0): string {
  if (value == null || !Number.isFinite(value)) return "–";
  return value.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "Brest–Małaszewicze" from "brest-malaszewicze" when no name is known. */
export function titleFromId(id: string): string {
  return id
    .split("-")
    .map((w) => (w ? w[0].toUpperCase() + w.slice(1) : w))
    .join(" ");
}

export const GAUGE_NAMES: Record<number, string> = {
  1435: "standard gauge (1435 mm)",
  1520: "Russian gauge (1520 mm)",
  1668: "Iberian gauge (1668 mm)",
  1000: "metre gauge (1000 mm)",
};

export function gaugeName(mm: number | null | undefined): string {
  if (mm == null) return "–";
  return GAUGE_NAMES[mm] ?? `${mm} mm gauge`;
}
