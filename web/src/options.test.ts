import { describe, expect, it } from "vitest";
import { daysBetween } from "./format";
import { type Option, OPTION_COLOURS, optionColour, optionView, scenarioSpecs, toNumber } from "./options";

const rail: Option = {
  id: "opt_1",
  mode: "rail",
  labels: ["greenest"],
  legs: [
    { mode: "truck", from: "chongqing", to: "chongqing-rail", departure: "2026-12-14T10:00:00Z", arrival: "2026-12-14T11:00:00Z" },
    {
      mode: "rail",
      from: "chongqing-rail",
      to: "duisburg-rail",
      departure: "2026-12-14T12:00:00Z",
      arrival: "2026-12-29T12:00:00Z",
      service: "chongqing-duisburg",
      service_name: "Chongqing–Duisburg",
      departure_id: "chongqing-duisburg:2026-12-14T2000",
      board_stop: 0,
      alight_stop: 5,
    },
  ],
  departure: "2026-12-14T10:00:00Z",
  arrival: "2026-12-31T20:24:00Z",
  transit_days: 17.43,
  cost: { total: 14929.16, currency: "USD" },
  co2e_kg: 7268.6,
  gauge_changes: [{ place_name: "Dostyk", crossing: "Alashankou–Dostyk", from_gauge_mm: 1435, to_gauge_mm: 1520 }],
  reliability: { p50_transit_days: 17.42, p90_transit_days: 21.1, source: "fixed" },
};

describe("options", () => {
  it("derives the arrival band from p50/p90 transit days", () => {
    const v = optionView(rail, 0);
    expect(daysBetween(v.departure, v.p50Arrival)).toBeCloseTo(17.42, 6);
    expect(daysBetween(v.departure, v.p90Arrival)).toBeCloseTo(21.1, 6);
    expect(v.title).toBe("Rail: Chongqing–Duisburg");
    expect(v.gaugeChanges[0]).toContain("1435 → 1520");
  });

  it("takes decimal-string money and explicit p50/p90 arrivals when the server sends them", () => {
    const v = optionView(
      {
        ...rail,
        cost: { total: "13800.50", currency: "EUR" },
        co2e_kg: "7268.6",
        reliability: { p50_arrival: "2027-01-01T00:00:00Z", p90_arrival: "2027-01-04T00:00:00Z", source: "simulated" },
      },
      2,
    );
    expect(v.cost).toBe(13800.5);
    expect(v.currency).toBe("EUR");
    expect(v.co2eKg).toBe(7268.6);
    expect(v.p50Arrival).toBe("2027-01-01T00:00:00Z");
    expect(v.reliabilitySource).toBe("simulated");
  });

  it("writes the scenario specs the CLI takes", () => {
    expect(scenarioSpecs({})).toEqual([]);
    expect(
      scenarioSpecs({ redSeaClosed: true, border: "brest-malaszewicze", borderPercent: 49.6, avoidCountry: "RU", seaToRailPercent: 5 }),
    ).toEqual(["red-sea-closed", "border:brest-malaszewicze=50%", "avoid:RU", "sea-to-rail:5%"]);
    expect(scenarioSpecs({ border: "khorgos-altynkol", borderPercent: NaN })).toEqual([]);
  });

  it("gives options distinct colours until they run out, then cycles", () => {
    const n = OPTION_COLOURS.length;
    expect(new Set(Array.from({ length: n }, (_, i) => optionColour(i))).size).toBe(n);
    expect(optionColour(n)).toBe(optionColour(0));
    expect(toNumber(undefined)).toBeNaN();
  });
});
