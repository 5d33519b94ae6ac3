// E-commerce order files and import reports, as the page needs them.

export interface RowError {
  line: number;
  field: string;
  value: string;
  reason: string;
}

export interface ImportReport {
  source: string;
  imported: boolean;
  import_id: string | null;
  rows: number;
  valid: number;
  rejected: number;
  inserted: number;
  unchanged: number;
  changed: { line: number; seller_order_id: string; id: string; fields: string[]; note: string }[];
  errors: RowError[];
  errors_total: number;
}

export const ORDER_FILE_TYPES: Record<string, string> = {
  csv: "text/csv",
  jsonl: "application/x-ndjson",
  ndjson: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
  pq: "application/vnd.apache.parquet",
};

/** The content type to send a file with, from its name; null for a type the import does not read. */
export function orderFileType(name: string): string | null {
  const ext = name.toLowerCase().split(".").pop() ?? "";
  return name.includes(".") ? (ORDER_FILE_TYPES[ext] ?? null) : null;
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Every bad row as CSV (line, field, value, reason), to keep or fix the file from. */
export function errorsCsv(errors: RowError[]): string {
  const rows = [["line", "field", "value", "reason"], ...errors.map((e) => [e.line, e.field, e.value, e.reason])];
  return rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

/** One sentence of what an import did. */
export function summary(r: ImportReport): string {
  if (!r.imported) {
    return `Nothing imported: ${r.errors_total} problem${r.errors_total === 1 ? "" : "s"} in ${r.rows} row${r.rows === 1 ? "" : "s"}. Fix them, or import the valid rows only.`;
  }
  const parts = [`Imported ${r.inserted} new order${r.inserted === 1 ? "" : "s"}`];
  if (r.unchanged) parts.push(`${r.unchanged} already there`);
  if (r.changed.length) parts.push(`${r.changed.length} changed and not updated`);
  if (r.rejected) parts.push(`${r.rejected} rejected`);
  return `${parts.join(", ")}.`;
}
