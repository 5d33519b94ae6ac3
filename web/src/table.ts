import { h } from "./dom";

/** A table with a caption and column headers, in a focusable scrolling region (narrow screens). */
export function table(headers: string[], rows: (string | number)[][], caption: string): HTMLElement {
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      { class: "table" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, String(c)))))),
    ),
  );
}
