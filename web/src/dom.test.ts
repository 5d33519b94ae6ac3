import { describe, expect, it } from "vitest";
import { field, h } from "./dom";

describe("dom", () => {
  it("never parses text as markup", () => {
    const evil = '<img src=x onerror="alert(1)">';
    const el = h("p", {}, evil, 3, null, false, ["a", ["b"]]);
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toBe(`${evil}3ab`);
  });

  it("labels every field and links its hint", () => {
    const input = h("input", { name: "origin" });
    const wrap = field("Origin", input, "A city");
    const label = wrap.querySelector("label")!;
    expect(label.htmlFor).toBe(input.id);
    expect(input.getAttribute("aria-describedby")).toBe(`${input.id}-hint`);
    expect(wrap.querySelector(`#${input.id}-hint`)?.textContent).toBe("A city");
  });

  it("sets boolean attributes and listeners", () => {
    let clicks = 0;
    const b = h("button", { disabled: false, hidden: true, onclick: () => (clicks += 1) }, "x");
    expect(b.hasAttribute("disabled")).toBe(false);
    expect(b.hasAttribute("hidden")).toBe(true);
    b.click();
    expect(clicks).toBe(1);
  });
});
