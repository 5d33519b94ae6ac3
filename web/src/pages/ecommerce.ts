import { ApiError, api, isOperator } from "../api";
import { type Bar, bars, figure } from "../charts";
import { announce, clear, field, h, newId, put } from "../dom";
import { type ImportReport, errorsCsv, orderFileType, summary } from "../ecommerce";
import { loadCatalog } from "../catalog";
import { errorBox } from "../errors";
import { dateTime, day, num, percent } from "../format";
import { href, type Route } from "../router";
import { table } from "../table";

interface Order {
  id: string;
  seller_id: string;
  seller_order_id: string;
  status: string;
  late: boolean;
  promised_by: string;
  expected_at_hub: string | null;
  hub: string;
  regime: string;
  destination: { country: string; city: string; postcode: string };
  container_id: string | null;
  departure_id: string | null;
}

const SHOWN_ERRORS = 500;

export async function render(root: HTMLElement, route: Route): Promise<void> {
  const operator = isOperator();
  put(
    root,
    h("h1", {}, "E-commerce"),
    h(
      "p",
      {},
      operator
        ? "Sellers' orders, the fill of e-commerce containers and trains, and the backlog per destination hub."
        : "Upload your order file, follow your orders to their container and train.",
    ),
  );
  const catalog = await loadCatalog();
  root.appendChild(uploadSection(operator, catalog.order_file_columns, () => void loadOrders()));
  const ordersSection = h("section", { "aria-labelledby": "orders-title" }, h("h2", { id: "orders-title" }, "Orders"));
  root.appendChild(ordersSection);
  const status = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, "Any status"),
    ["waiting", "loaded", "cancelled"].map((s) => h("option", { value: s, selected: route.query.get("status") === s }, s)),
  );
  const late = h("input", { type: "checkbox", name: "late", id: newId("late"), checked: route.query.get("late") === "true" });
  const sellerOrder = h("input", { name: "seller_order_id", autocomplete: "off", value: route.query.get("seller_order_id") ?? "" });
  const seller = h("input", { name: "seller_id", autocomplete: "off", value: route.query.get("seller_id") ?? "" });
  const filters = h(
    "form",
    { class: "card filters", "aria-label": "Filter orders" },
    h(
      "div",
      { class: "grid" },
      field("Status", status),
      field("Your order id", sellerOrder),
      operator ? field("Seller (customer id)", seller) : null,
    ),
    h("div", { class: "check" }, late, h("label", { for: late.id }, "Only orders that will miss their promised date")),
    h("button", { type: "submit" }, "Filter"),
  );
  const list = h("div", { "aria-live": "polite" });
  const detail = h("section", { class: "card", "aria-live": "polite", hidden: true, tabindex: -1, id: "order-detail" });
  ordersSection.append(filters, list, detail);
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const q: Record<string, string> = {};
    if (status.value) q.status = status.value;
    if (late.checked) q.late = "true";
    if (sellerOrder.value.trim()) q.seller_order_id = sellerOrder.value.trim();
    if (operator && seller.value.trim()) q.seller_id = seller.value.trim();
    location.hash = href("ecommerce", null, q);
  });

  async function loadOrders(): Promise<void> {
    clear(list);
    try {
      const page = await api<{ items: Order[]; next_cursor: string | null }>("/v1/ecommerce/orders", {
        query: {
          status: route.query.get("status"),
          late: route.query.get("late"),
          seller_order_id: route.query.get("seller_order_id"),
          seller_id: operator ? route.query.get("seller_id") : null,
          limit: 100,
        },
      });
      if (!page.items.length) {
        list.append(h("p", { class: "muted" }, "No orders match."));
        return;
      }
      const rows = page.items.map((o) => {
        const open = h("button", { type: "button", class: "link", "data-order": o.id }, o.seller_order_id);
        open.addEventListener("click", () => void showOrder(o.id));
        return h(
          "tr",
          {},
          h("td", {}, open),
          h("td", {}, o.status),
          h("td", {}, o.late ? h("span", { class: "error" }, "late") : "on time"),
          h("td", {}, `${o.destination.city} (${o.destination.country})`),
          h("td", {}, o.hub),
          h("td", {}, o.regime),
          h("td", {}, o.container_id ?? "–"),
          h("td", {}, o.departure_id ?? "–"),
          h("td", {}, day(o.promised_by)),
        );
      });
      list.append(
        h(
          "div",
          { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Orders" },
          h(
            "table",
            { class: "table" },
            h("caption", {}, `${page.items.length} orders, newest first${page.next_cursor ? " (more exist: filter to narrow)" : ""}`),
            h("thead", {}, h("tr", {}, ["Order", "Status", "Promise", "Destination", "Hub", "Regime", "Container", "Train", "Promised by"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, rows),
          ),
        ),
      );
    } catch (err) {
      list.append(errorBox(err));
    }
  }

  async function showOrder(id: string): Promise<void> {
    clear(detail);
    detail.hidden = false;
    try {
      const o = await api<Order & Record<string, unknown>>(`/v1/ecommerce/orders/${encodeURIComponent(id)}`);
      const customs = (o.customs ?? {}) as Record<string, string | null>;
      const train = o.train as { departure_id: string; departs_at: string; booking_id: string | null } | null;
      detail.append(
        h("h3", {}, `Order ${o.seller_order_id}`),
        h(
          "dl",
          { class: "summary" },
          h("dt", {}, "Status"),
          h("dd", {}, `${o.status}${o.late ? " (will miss its promised date)" : ""}`),
          h("dt", {}, "Container"),
          h("dd", {}, o.container_id ?? "waiting for consolidation"),
          h("dt", {}, "Train"),
          h(
            "dd",
            {},
            train ? `${train.departure_id}, leaves ${dateTime(train.departs_at)}` : "not yet on a train",
            train?.booking_id ? [" · ", h("a", { href: href("bookings", train.booking_id) }, `booking ${train.booking_id}`)] : null,
          ),
          h("dt", {}, "Expected at the hub"),
          h("dd", {}, dateTime(o.expected_at_hub)),
          h("dt", {}, "Export declaration"),
          h("dd", {}, customs.export_declaration ?? "–"),
          h("dt", {}, "EU import declaration"),
          h("dd", {}, customs.import_declaration ?? "–"),
          h("dt", {}, "Duty / VAT (EUR)"),
          h("dd", {}, `${customs.duty_eur ?? "–"} / ${customs.vat_eur ?? "–"}${customs.vat_paid_via ? ` (VAT via ${customs.vat_paid_via})` : ""}`),
          h("dt", {}, "ICS2 entry summary due"),
          h("dd", {}, dateTime(customs.ics2_ens_due)),
        ),
      );
      detail.focus();
    } catch (err) {
      detail.append(errorBox(err));
    }
  }

  await loadOrders();
  if (operator) root.appendChild(await operatorSection());
}

function uploadSection(
  operator: boolean,
  columns: { required: string[]; optional: string[] },
  onImported: () => void,
): HTMLElement {
  const file = h("input", { type: "file", name: "order-file", accept: ".csv,.jsonl,.ndjson,.parquet", required: true });
  const skip = h("input", { type: "checkbox", name: "skip_invalid", id: newId("skip") });
  const seller = h("input", { name: "seller_id", autocomplete: "off" });
  const submit = h("button", { type: "submit" }, "Upload and import");
  const result = h("div", { id: "import-result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title" }, "Upload an order file"),
    h(
      "p",
      { class: "muted" },
      "CSV, JSON Lines or Parquet, one order per row. Every row is checked; a file with bad rows imports nothing unless you choose to import the valid rows only. Orders already imported are never duplicated.",
    ),
    h(
      "details",
      {},
      h("summary", {}, "Columns"),
      h("p", {}, "Required: ", h("code", {}, columns.required.join(", "))),
      h("p", {}, "Optional: ", h("code", {}, columns.optional.join(", "))),
    ),
    field("Order file", file),
    operator ? field("Seller (customer id)", seller, "Operators import for a seller") : null,
    h("div", { class: "check" }, skip, h("label", { for: skip.id }, "Import the valid rows and skip the bad ones")),
    submit,
    result,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(result);
    const f = file.files?.[0];
    if (!f) return;
    const type = orderFileType(f.name);
    if (!type) {
      result.append(h("p", { class: "error", role: "alert" }, `${f.name}: give a .csv, .jsonl or .parquet file.`));
      return;
    }
    submit.disabled = true;
    submit.textContent = "Importing…";
    try {
      const report = await api<ImportReport>("/v1/ecommerce/order-files", {
        raw: { data: await f.arrayBuffer(), contentType: type },
        query: { filename: f.name, skip_invalid: skip.checked, seller_id: operator ? seller.value.trim() || null : null },
      });
      showReport(result, report);
      onImported();
    } catch (err) {
      const report = err instanceof ApiError ? (err.problem.raw as { report?: ImportReport } | null)?.report : undefined;
      if (report) showReport(result, report);
      else result.append(errorBox(err));
    } finally {
      submit.disabled = false;
      submit.textContent = "Upload and import";
    }
  });
  return form;
}

function showReport(box: HTMLElement, r: ImportReport): void {
  const text = summary(r);
  box.append(h("p", { class: r.imported ? "ok" : "error", role: r.imported ? "status" : "alert" }, text));
  announce(text);
  if (r.errors.length) {
    const csv = errorsCsv(r.errors);
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    box.append(
      table(
        ["Line", "Field", "Value", "Reason"],
        r.errors.slice(0, SHOWN_ERRORS).map((e) => [e.line, e.field, e.value, e.reason]),
        `Bad rows (${r.errors_total}${r.errors.length > SHOWN_ERRORS ? `; the first ${SHOWN_ERRORS} shown` : ""})`,
      ),
      h("p", {}, h("a", { href: url, download: `${r.source}.errors.csv` }, `Download all ${r.errors.length} problems as CSV`)),
    );
  }
  if (r.changed.length) {
    box.append(
      table(
        ["Line", "Order", "Changed fields", "Note"],
        r.changed.map((c) => [c.line, c.seller_order_id, c.fields.join(", "), c.note]),
        "Orders that differ from what is stored (not updated)",
      ),
    );
  }
}

interface Fill {
  trains: { departure_id: string; service: string; departs_at: string; containers: number; parcels: number; mean_container_fill: number; train_fill: number; train_booked_feu: number; train_capacity_feu: number }[];
  containers: { id: string; departure_id: string; hub: string; regime: string; parcels: number; fill_volume: number; fill_weight: number }[];
}
interface Backlog {
  at: string;
  hubs: { hub: string; orders: number; volume_m3: number; containers_needed: number; late_if_next_train: number }[];
  groups: { hub: string; regime: string; orders: number; oldest_ready_at: string; late_if_next_train: number; next_train_at_hub: string | null }[];
}

async function operatorSection(): Promise<HTMLElement> {
  const section = h("section", { "aria-labelledby": "ops-ecom-title" }, h("h2", { id: "ops-ecom-title" }, "Fill rates and backlog"));
  try {
    const [fill, backlog] = await Promise.all([api<Fill>("/v1/ecommerce/operator/fill"), api<Backlog>("/v1/ecommerce/operator/backlog")]);
    const fillBars: Bar[] = fill.trains.map((t) => ({ group: `${t.departure_id}`, series: "mean container fill %", value: +(t.mean_container_fill * 100).toFixed(1) }));
    const backlogBars: Bar[] = backlog.hubs.map((b) => ({ group: b.hub, series: "waiting orders", value: b.orders }));
    put(
      section,
      h("h3", {}, "E-commerce trains (next 30 days)"),
      fill.trains.length
        ? [
            figure("Mean fill of each train's e-commerce containers (volume or weight, whichever is higher).", bars(fillBars, "Fill (%)", section), "Bar chart of container fill per train"),
            table(
              ["Train", "Leaves", "Containers", "Parcels", "Container fill", "Train fill (FEU booked)"],
              fill.trains.map((t) => [t.departure_id, dateTime(t.departs_at), t.containers, num(t.parcels), percent(t.mean_container_fill), `${percent(t.train_fill)} (${num(t.train_booked_feu, 1)} of ${num(t.train_capacity_feu)})`]),
              "Fill per train",
            ),
          ]
        : h("p", { class: "muted" }, "No e-commerce containers on trains in the next 30 days (consolidation books them before each departure)."),
      h("h3", {}, "Backlog per destination hub"),
      backlog.hubs.length
        ? [
            figure("Orders waiting for a train, per destination hub.", bars(backlogBars, "Orders", section), "Bar chart of the backlog per hub"),
            table(
              ["Hub", "Orders", "Volume m³", "Containers needed", "Late if they wait for the next train"],
              backlog.hubs.map((b) => [b.hub, num(b.orders), num(b.volume_m3, 1), num(b.containers_needed), num(b.late_if_next_train)]),
              "Backlog per hub",
            ),
          ]
        : h("p", { class: "muted" }, "No orders waiting."),
    );
  } catch (err) {
    section.append(errorBox(err));
  }
  return section;
}
