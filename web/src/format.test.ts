import { describe, expect, it } from "vitest";
import { addDays, co2e, dateTime, day, daysBetween, gaugeName, kg, money, num, percent, titleFromId } from "./format";

describe("format", () => {
  it("writes instants in UTC whatever the browser's zone", () => {
    expect(dateTime("2026-12-14T10:38:12Z")).toBe("2026-12-14 10:38 UTC");
    expect(dateTime("2026-12-14T23:30:00-02:00")).toBe("2026-12-15 01:30 UTC");
    expect(day("2026-12-14T23:59:59Z")).toBe("2026-12-14");
    expect(dateTime(null)).toBe("–");
    expect(dateTime("not a date")).toBe("not a date");
  });

  it("adds fractional days and measures them back", () => {
    const start = "2026-12-14T00:00:00.000Z";
    for (const d of [0, 0.5, 1, 14.46, 29.31]) {
      expect(daysBetween(start, addDays(start, d))).toBeCloseTo(d, 6);
    }
  });

  it("formats money from numbers and decimal strings with the currency", () => {
    expect(money(19283.72, "USD")).toBe("$19,284");
    expect(money("19283.72", "EUR")).toBe("€19,284");
    expect(money("12.5", "CNY")).toMatch(/CN¥13|CNY/);
    expect(money(null, "USD")).toBe("–");
    expect(money("abc", "USD")).toBe("abc USD");
    expect(money(10, "XXQ")).toMatch(/10/); // an unknown code still shows the amount
  });

  it("switches kg to tonnes from 10 t and labels CO2e", () => {
    expect(kg(9999)).toBe("9,999 kg");
    expect(kg(128863.9)).toBe("128.9 t");
    expect(co2e(8225.5)).toBe("8,226 kg CO2e");
    expect(kg(undefined)).toBe("–");
  });

  it("formats shares and numbers", () => {
    expect(percent(0.877)).toBe("88 %");
    expect(percent(0.877, 1)).toBe("87.7 %");
    expect(percent(NaN)).toBe("–");
    expect(num(1234.5, 1)).toBe("1,234.5");
  });

  it("names gauges and ids", () => {
    expect(gaugeName(1520)).toContain("1520 mm");
    expect(gaugeName(1067)).toBe("1067 mm gauge");
    expect(titleFromId("northern-khorgos")).toBe("Northern Khorgos");
  });
});
