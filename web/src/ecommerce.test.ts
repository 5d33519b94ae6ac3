import { describe, expect, it } from "vitest";
import { type ImportReport, errorsCsv, orderFileType, summary } from "./ecommerce";

describe("e-commerce files", () => {
  it("knows the file types the import reads", () => {
    expect(orderFileType("orders.CSV")).toBe("text/csv");
    expect(orderFileType("year.parquet")).toBe("application/vnd.apache.parquet");
    expect(orderFileType("x.ndjson")).toBe("application/x-ndjson");
    expect(orderFileType("orders.xlsx")).toBeNull();
    expect(orderFileType("csv")).toBeNull();
  });

  it("writes bad rows as CSV that survives commas, quotes and line breaks", () => {
    const csv = errorsCsv([
      { line: 3, field: "currency", value: 'EU,"RO"', reason: "not an ISO 4217 code" },
      { line: 4, field: "weight_kg", value: "-1", reason: "must be\nabove 0" },
    ]);
    expect(csv).toBe(
      'line,field,value,reason\n3,currency,"EU,""RO""",not an ISO 4217 code\n4,weight_kg,-1,"must be\nabove 0"\n',
    );
  });

  it("says what an import did", () => {
    const base: ImportReport = {
      source: "f.csv",
      imported: true,
      import_id: "imp_1",
      rows: 10,
      valid: 8,
      rejected: 2,
      inserted: 7,
      unchanged: 1,
      changed: [],
      errors: [],
      errors_total: 2,
    };
    expect(summary(base)).toBe("Imported 7 new orders, 1 already there, 2 rejected.");
    expect(summary({ ...base, imported: false, inserted: 0 })).toMatch(/^Nothing imported: 2 problems in 10 rows/);
  });
});
