import { api, newIdempotencyKey } from "../api";
import { attachPlaceSuggestions, loadCatalog } from "../catalog";
import { figure, scatter } from "../charts";
import { announce, clear, field, h, newId } from "../dom";
import { co2e, dateTime, day, money, num } from "../format";
import { createMap, fitTo, setData } from "../map";
import { type Option, type OptionView, containerNumbers, optionColour, optionView, scenarioSpecs } from "../options";
import { href, type Route } from "../router";
import { errorBox, markFields } from "../errors";

interface Quote {
  id: string;
  expires_at: string;
  options: Option[];
}

function input(attrs: Record<string, string | number | boolean>): HTMLInputElement {
  return h("input", attrs);
}

export async function render(root: HTMLElement, route: Route): Promise<() => void> {
  const catalog = await loadCatalog();
  const originList = h("datalist", { id: newId("origins") });
  const destList = h("datalist", { id: newId("destinations") });
  const origin = input({ name: "origin", required: true, autocomplete: "off", value: route.query.get("from") ?? "" });
  const destination = input({ name: "destination", required: true, autocomplete: "off", value: route.query.get("to") ?? "" });
  attachPlaceSuggestions(origin, originList);
  attachPlaceSuggestions(destination, destList);
  const ready = input({ name: "ready_date", type: "date", required: true, value: day(new Date(Date.now() + 14 * 864e5).toISOString()) });
  const containers = input({ name: "containers", type: "number", min: 1, max: 500, value: 1, required: true });
  const containerType = h(
    "select",
    { name: "container_type" },
    catalog.container_types.map((c) => h("option", { value: c.id, selected: c.id === "40HC" }, `${c.id}: ${c.name}`)),
  );
  const cargo = h(
    "select",
    { name: "cargo" },
    catalog.cargo_types.map((c) => h("option", { value: c.id, selected: c.id === "general" }, c.name)),
  );
  const mass = input({ name: "mass_kg", type: "number", min: 1, step: "any", placeholder: "typical for the cargo" });
  const currency = h(
    "select",
    { name: "currency" },
    (catalog.currencies ?? ["USD"]).map((c) => h("option", { value: c, selected: c === "USD" }, c)),
  );
  const modes = ["rail", "sea", "air"].map((m) => input({ type: "checkbox", name: "modes", value: m, checked: true }));
  const redSea = input({ type: "checkbox", name: "red-sea-closed" });
  const borderOn = input({ type: "checkbox", name: "border-reduced" });
  const border = h(
    "select",
    { name: "border" },
    catalog.crossings.filter((c) => c.mode === "rail").map((c) => h("option", { value: c.id }, c.name)),
  );
  const borderPct = input({ name: "border-percent", type: "number", min: 0, max: 100, value: 50 });
  const avoid = h(
    "select",
    { name: "avoid-country" },
    h("option", { value: "" }, "No country avoided"),
    catalog.countries.map((c) => h("option", { value: c }, c)),
  );
  const error = h("div", { "aria-live": "assertive" });
  const submit = h("button", { type: "submit" }, "Get options");
  const checkbox = (control: HTMLInputElement, label: string) => {
    control.id = newId("c");
    return h("div", { class: "check" }, control, h("label", { for: control.id }, label));
  };
  const form = h(
    "form",
    { class: "card quote-form", "aria-label": "Quote request" },
    h(
      "div",
      { class: "grid" },
      field("Origin", origin, "A Chinese city or hub, e.g. Chongqing"),
      field("Destination", destination, "A European city or terminal, e.g. Duisburg"),
      field("Cargo ready on", ready),
      field("Containers", containers),
      field("Container type", containerType),
      field("Cargo", cargo),
      field("Total mass (kg, optional)", mass),
      field("Currency", currency, "Converted at the ECB reference rate of the day"),
    ),
    originList,
    destList,
    h("fieldset", {}, h("legend", {}, "Modes"), modes.map((m) => checkbox(m, m.value[0].toUpperCase() + m.value.slice(1)))),
    h(
      "fieldset",
      {},
      h("legend", {}, "Scenario"),
      checkbox(redSea, "Red Sea closed (sea via the Cape)"),
      checkbox(borderOn, "A border at reduced capacity"),
      h("div", { class: "grid" }, field("Border crossing", border), field("Capacity left (%)", borderPct), field("Avoid a country", avoid)),
    ),
    error,
    submit,
  );
  const results = h("section", { class: "results", "aria-labelledby": "results-title", hidden: true });
  root.append(h("h1", {}, "Quote"), form, results);

  let map: Awaited<ReturnType<typeof createMap>> | null = null;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(error);
    const body = {
      origin: origin.value.trim(),
      destination: destination.value.trim(),
      ready_date: ready.value,
      containers: Number(containers.value),
      container_type: containerType.value,
      cargo: cargo.value,
      mass_kg: mass.value ? Number(mass.value) : undefined,
      currency: currency.value,
      modes: modes.filter((m) => m.checked).map((m) => m.value),
      scenario: scenarioSpecs({
        redSeaClosed: redSea.checked,
        border: borderOn.checked ? border.value : null,
        borderPercent: Number(borderPct.value),
        avoidCountry: avoid.value || null,
      }),
    };
    submit.disabled = true;
    submit.textContent = "Finding options…";
    try {
      const quote = await api<Quote>("/v1/quotes", { body, idempotencyKey: newIdempotencyKey() });
      if (map) {
        map.remove();
        map = null;
      }
      map = await showResults(results, quote, body.containers);
      announce(`${quote.options.length} options found.`);
    } catch (err) {
      error.appendChild(errorBox(err));
      markFields(form, err, (f) => f.replace(/^body\./, ""))?.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Get options";
    }
  });
  return () => map?.remove();
}

async function showResults(section: HTMLElement, quote: Quote, containers: number) {
  clear(section);
  section.hidden = false;
  const views = quote.options.map(optionView);
  section.append(
    h("h2", { id: "results-title" }, `${views.length} options`),
    h("p", { class: "muted" }, `Quote ${quote.id}; options can be booked until ${dateTime(quote.expires_at)}.`),
  );
  if (!views.length) {
    section.append(h("p", {}, "No option: no service connects these places with room on those dates."));
    return null;
  }
  const charts = h("div", { class: "charts" });
  const mapBox = h("div", { class: "map small", role: "region", "aria-label": "Routes of the options" });
  const cards = h("ol", { class: "options" });
  const booking = h("section", { class: "booking", "aria-live": "polite" });
  section.append(charts, mapBox, cards, booking);
  const pts = (y: (v: OptionView) => number) =>
    views.map((v) => ({ label: `${v.index + 1}`, x: v.transitDays, y: y(v), colour: optionColour(v.index) }));
  const currency = views[0].currency;
  charts.append(
    figure(
      `Arrival (days door to door, scheduled) against cost in ${currency}; numbers are the options below.`,
      scatter(pts((v) => v.cost), "Days door to door", `Cost (${currency})`, charts),
      "Chart of options: days against cost",
    ),
    figure(
      "Arrival (days door to door) against CO2e (kg, well to wheel).",
      scatter(pts((v) => v.co2eKg), "Days door to door", "CO2e (kg)", charts),
      "Chart of options: days against CO2e",
    ),
  );
  for (const v of views) cards.appendChild(optionCard(v, quote.options[v.index], () => showBooking(booking, v, containers)));
  const map = await createMap(mapBox, { label: "Map of the options' routes" });
  const all: number[][] = [];
  await Promise.all(
    quote.options.map(async (o, i) => {
      const geo = await api<GeoJSON.FeatureCollection>("/v1/geometry", {
        body: {
          legs: o.legs.map((l) => ({
            mode: l.mode,
            from: l.from,
            to: l.to,
            service: l.service ?? null,
            board_stop: l.board_stop ?? null,
            alight_stop: l.alight_stop ?? null,
          })),
        },
      });
      for (const f of geo.features) if (f.geometry.type === "LineString") all.push(...f.geometry.coordinates);
      setData(map, `option-${i}`, geo);
      map.addLayer({
        id: `option-${i}`,
        type: "line",
        source: `option-${i}`,
        paint: { "line-color": optionColour(i), "line-width": 3, "line-opacity": 0.85 },
      });
    }),
  );
  fitTo(map, all);
  mapBox.dataset.routes = String(quote.options.length);
  return map;
}

function optionCard(v: OptionView, _o: Option, onBook: () => void): HTMLElement {
  const titleId = newId("opt");
  return h(
    "li",
    { class: "card option", "aria-labelledby": titleId, "data-option-id": v.id },
    h(
      "h3",
      { id: titleId },
      h("span", { class: "dot", style: `background:${optionColour(v.index)}`, "aria-hidden": "true" }),
      `${v.index + 1}. ${v.title}`,
    ),
    v.labels.length ? h("p", { class: "labels" }, v.labels.map((l) => h("span", { class: "tag" }, l))) : null,
    h(
      "dl",
      {},
      h("dt", {}, "Leaves"),
      h("dd", {}, dateTime(v.departure)),
      h("dt", {}, "Arrives (scheduled)"),
      h("dd", {}, dateTime(v.scheduledArrival), ` · ${num(v.transitDays, 1)} days`),
      h("dt", {}, "Arrival band (p50–p90)"),
      h("dd", {}, `${day(v.p50Arrival)} – ${day(v.p90Arrival)} (${v.reliabilitySource})`),
      h("dt", {}, "Cost"),
      h("dd", {}, money(v.cost, v.currency)),
      h("dt", {}, "CO2e"),
      h("dd", {}, co2e(v.co2eKg)),
      h("dt", {}, "Gauge changes"),
      h("dd", {}, v.gaugeChanges.length ? v.gaugeChanges.join("; ") : "none"),
    ),
    h("button", { type: "button", onclick: onBook, "aria-describedby": titleId }, "Book this option"),
  );
}

function showBooking(section: HTMLElement, v: OptionView, quoted: number): void {
  clear(section);
  const text = (name: string, attrs: Record<string, string | number | boolean> = {}) =>
    h("input", { name, required: true, autocomplete: "off", ...attrs });
  const containers = text("containers", { type: "number", min: 1, max: quoted, value: quoted });
  const reference = h("input", { name: "reference", autocomplete: "off", maxlength: 64 });
  const party = (who: string, defaults: { country: string }) => {
    const name = text(`${who}.name`);
    const address = h("textarea", { name: `${who}.address`, required: true, rows: 2 });
    const country = text(`${who}.country`, { pattern: "[A-Z]{2}", maxlength: 2, value: defaults.country });
    return {
      values: () => ({ name: name.value, address: address.value, country: country.value.toUpperCase() }),
      el: h(
        "fieldset",
        {},
        h("legend", {}, who === "consignor" ? "Consignor (shipper)" : "Consignee (receiver)"),
        field("Name", name),
        field("Address", address),
        field("Country (ISO code)", country, "Two letters, e.g. CN or DE"),
      ),
    };
  };
  const consignor = party("consignor", { country: "CN" });
  const consignee = party("consignee", { country: "DE" });
  const description = text("goods.description");
  const hs = text("goods.hs_code", { inputmode: "numeric" });
  const massKg = text("goods.mass_kg", { type: "number", min: 1, step: "any" });
  const packages = h("input", { name: "goods.packages", type: "number", min: 1 });
  const boxes = h("textarea", { name: "equipment", rows: 2, autocomplete: "off", spellcheck: "false" });
  const error = h("div", { "aria-live": "assertive" });
  const submit = h("button", { type: "submit" }, "Book");
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "book-title" },
    h("h2", { id: "book-title", tabindex: "-1" }, `Book option ${v.index + 1}: ${v.title}`),
    h("div", { class: "grid" }, field("Containers", containers), field("Your reference (optional)", reference)),
    consignor.el,
    consignee.el,
    h(
      "fieldset",
      {},
      h("legend", {}, "Goods"),
      field("Description", description),
      field("HS code", hs, "6, 8 or 10 digits, e.g. 847130"),
      field("Gross mass (kg)", massKg),
      field("Packages (optional)", packages),
    ),
    field("Container numbers (optional)", boxes, "ISO 6346 with check digit, e.g. CSQU3054383; one per line, or add them later"),
    error,
    submit,
  );
  section.appendChild(form);
  form.querySelector<HTMLElement>("#book-title")?.focus();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(error);
    submit.disabled = true;
    try {
      const booking = await api<{ id: string }>("/v1/bookings", {
        idempotencyKey: newIdempotencyKey(),
        body: {
          option_id: v.id,
          containers: Number(containers.value),
          reference: reference.value.trim() || null,
          equipment: containerNumbers(boxes.value),
          shipment: {
            consignor: consignor.values(),
            consignee: consignee.values(),
            goods: {
              description: description.value,
              hs_code: hs.value,
              mass_kg: Number(massKg.value),
              packages: packages.value ? Number(packages.value) : null,
            },
          },
        },
      });
      announce(`Booked: ${booking.id}`);
      location.hash = href("bookings", booking.id, { booked: "1" });
    } catch (err) {
      error.appendChild(errorBox(err));
      markFields(form, err, (f) =>
        f.startsWith("body.equipment") ? "equipment" : f.replace(/^body\./, "").replace(/^shipment\./, ""),
      )?.focus();
    } finally {
      submit.disabled = false;
    }
  });
}
