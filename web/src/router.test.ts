import { describe, expect, it } from "vitest";
import { DEFAULT_PAGE, PAGES, href, parseHash, resolve } from "./router";

describe("router", () => {
  it("parses pages, ids and queries, and href is its inverse", () => {
    const r = parseHash("#/bookings/bk_1a2b?status=requested&reference=PO%201");
    expect(r.page).toBe("bookings");
    expect(r.id).toBe("bk_1a2b");
    expect(r.query.get("reference")).toBe("PO 1");
    for (const [page, id, query] of [
      ["quote", null, { from: "Chongqing" }],
      ["bookings", "bk_ÄÖ/x", {}],
      ["network", null, { corridor: "trans-mongolian" }],
    ] as const) {
      const back = parseHash(href(page, id, query as Record<string, string>));
      expect(back.page).toBe(page);
      expect(back.id).toBe(id);
      expect(Object.fromEntries(back.query)).toEqual(query);
    }
  });

  it("goes to the default page for an empty hash", () => {
    expect(parseHash("").page).toBe(DEFAULT_PAGE);
    expect(parseHash("#/").page).toBe(DEFAULT_PAGE);
  });

  it("sends everyone not signed in to sign-in, remembering where they were going", () => {
    const r = resolve(parseHash("#/operations"), false, false);
    expect("page" in r && r.page).toBe("signin");
    expect("query" in r && r.query.get("next")).toBe("operations");
  });

  it("never lets a shipper onto an operator page, and lets operators everywhere", () => {
    for (const p of PAGES) {
      const asShipper = resolve(parseHash(`#/${p.page}`), true, false);
      expect("forbidden" in asShipper).toBe(p.operatorOnly);
      const asOperator = resolve(parseHash(`#/${p.page}`), true, true);
      expect("forbidden" in asOperator).toBe(false);
    }
    const unknown = resolve(parseHash("#/nowhere"), true, false);
    expect("page" in unknown && unknown.page).toBe(DEFAULT_PAGE);
  });
});
