import { ApiError, api, apiBlob, isOperator, newIdempotencyKey } from "../api";
import { announce, field, h, newId, put } from "../dom";
import { table } from "../table";
import { loadNetwork } from "../networkData";
import { type Tracking, TRANSPORT_STATUS, eventLines } from "../tracking";
import { errorBox } from "../errors";
import { dateTime, day, money, num } from "../format";
import { createMap, fitTo, maplibregl, setData } from "../map";
import { type Option, optionColour, optionView } from "../options";
import { href, type Route } from "../router";

export interface BookingSummary {
  id: string;
  status: string;
  transport_status?: string;
  customer_id: string;
  reference: string | null;
  containers: number;
  container_type: string;
  feu: number;
  price: { total: number | string; currency: string };
  origin: string;
  destination: string;
  departure: string;
  arrival: string;
  created_at: string;
}

interface Booking extends BookingSummary {
  itinerary: Option;
  shipment: {
    consignor: { name: string; country: string };
    consignee: { name: string; country: string };
    goods: { description: string; hs_code: string; mass_kg: number; packages: number | null };
  };
  reservations: { departure_id: string; feu: number }[];
  events: { from_status: string | null; to_status: string; at: string; actor_role: string; note: string | null }[];
  equipment?: { seq: number; equipment_reference: string | null; iso_equipment_code: string; seals: { number: string }[]; vgm: { mass_kg: number } | null }[];
  consignment_note: string | null;
}

// DCSA Booking 2.0 statuses; the transport status (planned, in transit, delivered) follows tracking events.
const STATUSES = ["received", "pending_update", "confirmed", "rejected", "declined", "cancelled", "completed"];
const TRANSPORT = ["in_transit", "delivered"];
const CANCELLABLE = new Set(["received", "pending_update", "confirmed", "requested"]);
const TRACK_POLL_MS = 3000;
const words = (s: string) => s.replaceAll("_", " ");

export async function render(root: HTMLElement, route: Route): Promise<(() => void) | void> {
  if (route.id) return renderDetail(root, route.id, route.query.get("booked") === "1");
  return renderList(root, route);
}

async function renderList(root: HTMLElement, route: Route): Promise<void> {
  const q = route.query;
  const status = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, "Any status"),
    h("optgroup", { label: "Booking" }, STATUSES.map((s) => h("option", { value: s, selected: q.get("status") === s }, words(s)))),
    h("optgroup", { label: "Transport" }, TRANSPORT.map((s) => h("option", { value: s, selected: q.get("status") === s }, words(s)))),
  );
  const reference = h("input", { name: "reference", value: q.get("reference") ?? "", autocomplete: "off" });
  const origin = h("input", { name: "origin", value: q.get("origin") ?? "", autocomplete: "off" });
  const destination = h("input", { name: "destination", value: q.get("destination") ?? "", autocomplete: "off" });
  const createdFrom = h("input", { name: "created_from", type: "date", value: q.get("created_from") ?? "" });
  const createdTo = h("input", { name: "created_to", type: "date", value: q.get("created_to") ?? "" });
  const customer = h("input", { name: "customer_id", value: q.get("customer_id") ?? "", autocomplete: "off" });
  const operator = isOperator();
  const form = h(
    "form",
    { class: "card filters", "aria-label": "Filter bookings" },
    h(
      "div",
      { class: "grid" },
      field("Status", status),
      field("Reference", reference),
      field("Origin (place id)", origin),
      field("Destination (place id)", destination),
      field("Created from", createdFrom),
      field("Created before", createdTo),
      operator ? field("Customer id", customer) : null,
    ),
    h("button", { type: "submit" }, "Filter"),
  );
  const table = h("table", { class: "table" });
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const note = h("p", { class: "muted", "aria-live": "polite" });
  root.append(
    h("h1", {}, "Bookings"),
    h("p", {}, operator ? "Every customer's bookings (you are an operator)." : "Your company's bookings. ", h("a", { href: href("quote") }, "Get a quote to book.")),
    form,
    note,
    h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Bookings" }, table),
    more,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const query: Record<string, string> = {};
    for (const el of [status, reference, origin, destination, createdFrom, createdTo, customer]) {
      if (el.value.trim()) query[el.name] = el.value.trim();
    }
    location.hash = href("bookings", null, query);
  });
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      ["Booking", "Reference", "Status", "Transport", "From → to", "Leaves", "Arrives", "Containers", "Price", operator ? "Customer" : null, "Created"]
        .filter((x): x is string => x != null)
        .map((c) => h("th", { scope: "col" }, c)),
    ),
  );
  const body = h("tbody");
  table.append(h("caption", { class: "visually-hidden" }, "Bookings, newest first"), head, body);
  let cursor: string | null = null;
  let shown = 0;
  const load = async () => {
    const page = await api<{ items: BookingSummary[]; next_cursor: string | null }>("/v1/bookings", {
      query: {
        status: q.get("status"),
        reference: q.get("reference"),
        origin: q.get("origin"),
        destination: q.get("destination"),
        created_from: q.get("created_from"),
        created_to: q.get("created_to"),
        customer_id: operator ? q.get("customer_id") : null,
        limit: 50,
        cursor,
      },
    });
    for (const b of page.items) {
      body.appendChild(
        h(
          "tr",
          { "data-booking-id": b.id },
          h("td", {}, h("a", { href: href("bookings", b.id) }, b.id)),
          h("td", {}, b.reference ?? ""),
          h("td", {}, h("span", { class: `status status-${b.status}` }, words(b.status))),
          h("td", {}, words(b.transport_status ?? "")),
          h("td", {}, `${b.origin} → ${b.destination}`),
          h("td", {}, day(b.departure)),
          h("td", {}, day(b.arrival)),
          h("td", {}, `${b.containers} × ${b.container_type}`),
          h("td", {}, money(b.price.total, b.price.currency)),
          operator ? h("td", {}, b.customer_id) : null,
          h("td", {}, dateTime(b.created_at)),
        ),
      );
    }
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    note.textContent = shown ? `${shown} booking${shown === 1 ? "" : "s"} shown${cursor ? "; more below" : ""}.` : "No bookings match.";
  };
  more.addEventListener("click", () => void load().catch((err) => root.append(errorBox(err))));
  await load();
}

async function renderDetail(root: HTMLElement, id: string, justBooked: boolean): Promise<() => void> {
  const booking = await api<Booking>(`/v1/bookings/${encodeURIComponent(id)}`);
  const net = await loadNetwork().catch(() => null);
  const names = new Map<string, { name: string; lon: number; lat: number }>();
  for (const f of net?.features ?? []) {
    if (f.geometry.type === "Point") {
      const [lon, lat] = f.geometry.coordinates;
      names.set(String(f.properties?.id), { name: String(f.properties?.name), lon, lat });
    }
  }
  const placeName = (pid: string) => names.get(pid)?.name;
  const v = optionView({ ...booking.itinerary, id: booking.itinerary.id ?? booking.id }, 0);
  const statusEl = h("span", { class: `status status-${booking.status}`, id: "booking-status" }, words(booking.status));
  const transportEl = h("span", { id: "transport-status" }, words(booking.transport_status ?? "planned"));
  const band = h("dd", { id: "arrival-band" }, `p50 ${day(v.p50Arrival)}, p90 ${day(v.p90Arrival)} (quoted, ${v.reliabilitySource})`);
  const actions = h("div", { class: "actions" });
  const history = h("ol", { class: "timeline", "aria-label": "Booking history" });
  const tracked = h("ol", { class: "timeline", id: "tracking-events", "aria-label": "Tracking events" });
  const trackNote = h("p", { class: "muted", "aria-live": "polite" });
  const mapBox = h("div", { class: "map small", role: "region", "aria-label": "Route and train position" });
  const position = h("p", { class: "muted", "aria-live": "polite", id: "train-position" });
  const equipment = booking.equipment ?? [];
  put(
    root,
    h("p", {}, h("a", { href: href("bookings") }, "← All bookings")),
    h("h1", {}, `Booking ${booking.id}`),
    justBooked ? h("p", { class: "ok", role: "status" }, "Booked. The capacity is held on every train of the itinerary.") : null,
    h(
      "dl",
      { class: "card summary" },
      h("dt", {}, "Status"),
      h("dd", {}, statusEl),
      h("dt", {}, "Transport"),
      h("dd", {}, transportEl),
      h("dt", {}, "Reference"),
      h("dd", {}, booking.reference ?? "–"),
      h("dt", {}, "Route"),
      h("dd", {}, `${booking.itinerary.legs[0]?.from_name ?? booking.origin} → ${booking.itinerary.legs.at(-1)?.to_name ?? booking.destination} (${v.title})`),
      h("dt", {}, "Leaves"),
      h("dd", {}, dateTime(booking.departure)),
      h("dt", {}, "Arrives (scheduled)"),
      h("dd", {}, dateTime(booking.arrival)),
      h("dt", {}, "Predicted arrival"),
      band,
      h("dt", {}, "Containers"),
      h("dd", {}, `${booking.containers} × ${booking.container_type} (${num(booking.feu, 1)} FEU)`),
      h("dt", {}, "Goods"),
      h("dd", {}, `${booking.shipment.goods.description}, HS ${booking.shipment.goods.hs_code}, ${num(booking.shipment.goods.mass_kg)} kg`),
      h("dt", {}, "Consignor → consignee"),
      h("dd", {}, `${booking.shipment.consignor.name} (${booking.shipment.consignor.country}) → ${booking.shipment.consignee.name} (${booking.shipment.consignee.country})`),
      h("dt", {}, "Price"),
      h("dd", {}, money(booking.price.total, booking.price.currency)),
      h("dt", {}, "Trains"),
      h("dd", {}, booking.reservations.map((r) => `${r.departure_id} (${num(r.feu, 1)} FEU)`).join(", ") || "–"),
    ),
    actions,
    h("h2", {}, "Containers"),
    equipment.length
      ? table(
          ["#", "Container number", "Size-type", "Seals", "VGM"],
          equipment.map((e) => [e.seq, e.equipment_reference ?? "not yet assigned", e.iso_equipment_code, e.seals.map((x) => x.number).join(", ") || "–", e.vgm ? `${num(e.vgm.mass_kg)} kg` : "–"]),
          "Containers of the booking",
        )
      : h("p", { class: "muted" }, `${booking.containers} × ${booking.container_type}; numbers not yet given.`),
    h("h2", {}, "Where it is"),
    position,
    mapBox,
    h("h2", {}, "Tracking events"),
    trackNote,
    tracked,
    h("h2", {}, "Booking history"),
    history,
  );
  for (const ev of booking.events) {
    history.appendChild(
      h(
        "li",
        {},
        h("time", { datetime: ev.at }, dateTime(ev.at)),
        ` ${ev.from_status ? `${words(ev.from_status)} → ` : ""}${words(ev.to_status)} (by ${ev.actor_role})`,
        ev.note ? h("span", { class: "muted" }, ` — ${ev.note}`) : null,
      ),
    );
  }
  // Documents: fetched with the key (a plain link could not send it) and offered as a download.
  if (booking.consignment_note) {
    const note = booking.consignment_note;
    const docButton = h("button", { type: "button" }, "Download consignment note (PDF)");
    docButton.addEventListener("click", async () => {
      try {
        const blob = await apiBlob(note);
        const url = URL.createObjectURL(blob);
        const a = h("a", { href: url, download: `${booking.id}-cim-smgs.pdf` });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        announce("Consignment note downloaded.");
      } catch (err) {
        actions.appendChild(errorBox(err));
      }
    });
    actions.appendChild(docButton);
  }
  if (CANCELLABLE.has(booking.status)) actions.appendChild(cancelControl(booking));

  const map = await createMap(mapBox, { label: "Map of the booking's route and its train" });
  const geo = await api<GeoJSON.FeatureCollection>("/v1/geometry", {
    body: {
      legs: booking.itinerary.legs.map((l) => ({
        mode: l.mode,
        from: l.from,
        to: l.to,
        service: l.service ?? null,
        board_stop: l.board_stop ?? null,
        alight_stop: l.alight_stop ?? null,
      })),
    },
  });
  setData(map, "route", geo);
  map.addLayer({ id: "route", type: "line", source: "route", paint: { "line-color": optionColour(1), "line-width": 3 } });
  fitTo(map, geo.features.flatMap((f) => (f.geometry.type === "LineString" ? f.geometry.coordinates : [])));
  const marker = new maplibregl.Marker({ color: "#111111" });
  const rail = booking.itinerary.legs.find((l) => l.departure_id);
  const live = !["cancelled", "rejected", "declined"].includes(booking.status);

  // The train by its schedule until tracking events place it; the arrival band from the predictor once it runs.
  let scheduled: string | null = null;
  if (rail?.departure_id && live) {
    const pos = await api<{ state: string; lon: number; lat: number; place_name?: string; to_name?: string; basis: string }>(
      `/v1/departures/${encodeURIComponent(rail.departure_id)}/position`,
    );
    const where =
      pos.state === "running" ? `running towards ${pos.to_name}` : pos.state === "arrived" ? `arrived at ${pos.place_name}` : `${pos.state} at ${pos.place_name}`;
    scheduled = `Train ${rail.service_name ?? rail.service}: ${where} (by its schedule).`;
    position.textContent = scheduled;
    marker.setLngLat([pos.lon, pos.lat]).addTo(map);
  } else {
    position.textContent = live ? "No rail leg." : `${words(booking.status)}: no train carries it.`;
  }
  let seen = -1;
  let stopped = false;
  let timer: number | undefined;
  const poll = async () => {
    try {
      const t = await api<Tracking>(`/v1/bookings/${encodeURIComponent(booking.id)}/tracking`);
      statusEl.textContent = words(t.status);
      statusEl.className = `status status-${t.status}`;
      transportEl.textContent = TRANSPORT_STATUS[t.transport_status] ?? words(t.transport_status);
      if (t.events.length !== seen) {
        seen = t.events.length;
        tracked.replaceChildren(
          ...eventLines(t.events, placeName).map((e) =>
            h("li", { "data-event-id": e.id }, h("time", { datetime: e.at }, dateTime(e.at)), ` ${e.text}`, e.classifier !== "actual" ? h("span", { class: "muted" }, ` (${e.classifier})`) : null),
          ),
        );
        trackNote.textContent = seen ? `${seen} event${seen === 1 ? "" : "s"}; new ones appear as they arrive.` : "No tracking events yet; they appear here as they arrive.";
        if (seen) announce(`${seen} tracking events`);
      }
      if (t.position) {
        const place = names.get(t.position.place_id);
        const what = t.position.event === "DEPA" ? "left" : t.position.event === "ARRI" ? "reached" : t.position.event;
        position.textContent = `Train ${t.position.departure_id}: ${what} ${place?.name ?? t.position.place_id} at ${dateTime(t.position.at)} (tracked).`;
        if (place) marker.setLngLat([place.lon, place.lat]).addTo(map);
      } else if (scheduled) {
        position.textContent = scheduled;
      }
      if (t.eta) {
        band.textContent = `p10 ${dateTime(t.eta.p10)}, p50 ${dateTime(t.eta.p50)}, p90 ${dateTime(t.eta.p90)} (predicted from ${t.eta.predicted_from} as of ${dateTime(t.eta.as_of)}; schedule ${day(t.eta.scheduled)})`;
      }
    } catch (err) {
      trackNote.replaceChildren(errorBox(err));
    }
    if (!stopped) timer = window.setTimeout(poll, TRACK_POLL_MS);
  };
  await poll();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    map.remove();
  };
}

function cancelControl(booking: Booking): HTMLElement {
  const wrap = h("div", { class: "cancel" });
  const open = h("button", { type: "button", class: "danger" }, "Cancel booking");
  const reason = h("textarea", { name: "reason", rows: 2, maxlength: 500 });
  const confirm = h("button", { type: "submit", class: "danger" }, "Confirm cancellation");
  const keep = h("button", { type: "button" }, "Keep the booking");
  const error = h("div");
  const formId = newId("cancel");
  const form = h(
    "form",
    { class: "card", id: formId, hidden: true, "aria-label": "Cancel this booking" },
    h("p", {}, "Cancelling gives the capacity back at once. It cannot be undone."),
    field("Reason (optional)", reason),
    error,
    confirm,
    " ",
    keep,
  );
  open.setAttribute("aria-controls", formId);
  open.setAttribute("aria-expanded", "false");
  open.addEventListener("click", () => {
    form.hidden = false;
    open.setAttribute("aria-expanded", "true");
    reason.focus();
  });
  keep.addEventListener("click", () => {
    form.hidden = true;
    open.setAttribute("aria-expanded", "false");
    open.focus();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    confirm.disabled = true;
    try {
      await api(`/v1/bookings/${encodeURIComponent(booking.id)}/cancel`, {
        body: { reason: reason.value.trim() || null },
        idempotencyKey: newIdempotencyKey(),
      });
      announce("Booking cancelled.");
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      error.replaceChildren(errorBox(err));
      if (err instanceof ApiError && err.status === 409) confirm.hidden = true;
    } finally {
      confirm.disabled = false;
    }
  });
  wrap.append(open, form);
  return wrap;
}
