import { describe, expect, it } from "vitest";
import { bars, figure, lines, scatter, sumBy } from "./charts";

describe("charts", () => {
  it("sums values per key and series", () => {
    const rows = [
      { d: "2026-12-02", c: "a", v: 1 },
      { d: "2026-12-01", c: "a", v: 2 },
      { d: "2026-12-01", c: "a", v: 3 },
      { d: "2026-12-01", c: "b", v: 4 },
    ];
    expect(sumBy(rows, (r) => r.d, (r) => r.c, (r) => r.v)).toEqual([
      { series: "a", x: "2026-12-01", y: 5 },
      { series: "b", x: "2026-12-01", y: 4 },
      { series: "a", x: "2026-12-02", y: 1 },
    ]);
  });

  it("renders charts as one named image with a caption, without inner ARIA labels", () => {
    const svg = scatter([{ label: "1", x: 14.5, y: 19283, colour: "#e41a1c" }], "Days", "Cost (USD)");
    const fig = figure("Arrival against cost", svg, "Chart of options");
    expect(fig.querySelector("figcaption")?.textContent).toBe("Arrival against cost");
    const chart = fig.firstElementChild!;
    expect(chart.getAttribute("role")).toBe("img");
    expect(chart.getAttribute("aria-label")).toBe("Chart of options");
    expect(chart.querySelectorAll("[aria-label]")).toHaveLength(0);
    expect(fig.querySelectorAll("circle")).toHaveLength(1);
  });

  it("draws a bar per group and series, and lines per series", () => {
    const b = bars(
      [
        { group: "Brest", series: "baseline", value: 0.6 },
        { group: "Brest", series: "cut", value: 6.1 },
        { group: "Khorgos", series: "baseline", value: 1.7 },
        { group: "Khorgos", series: "cut", value: 1.9 },
      ],
      "Hours",
    );
    expect(b.querySelectorAll("rect").length).toBeGreaterThanOrEqual(4);
    const one = bars([{ group: "Brest", series: "x", value: 0 }], "Hours"); // all zero: still a valid axis
    expect(one.querySelectorAll("rect").length).toBe(1);
    const l = lines(
      [
        { series: "baseline", x: 1, y: 2 },
        { series: "baseline", x: 2, y: 3 },
        { series: "cut", x: 1, y: 1 },
      ],
      "Month",
      "Trains",
    );
    expect(l.querySelectorAll("path").length).toBeGreaterThanOrEqual(2);
  });
});
