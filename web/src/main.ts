import "./style.css";
import { api, getSession, isOperator, setSession, setUnauthorisedHandler } from "./api";
import { announce, clear, h } from "./dom";
import { errorBox } from "./errors";
import { PAGES, type Route, href, pageInfo, parseHash, resolve } from "./router";

export type Cleanup = () => void;
export type Page = (root: HTMLElement, route: Route) => Promise<Cleanup | void>;

// Pages load on demand: the sign-in page does not wait for the map or chart libraries.
const loaders: Record<string, () => Promise<{ render: Page }>> = {
  signin: () => import("./pages/signin"),
  network: () => import("./pages/network"),
  quote: () => import("./pages/quote"),
  bookings: () => import("./pages/bookings"),
  ecommerce: () => import("./pages/ecommerce"),
  operations: () => import("./pages/operations"),
  scenarios: () => import("./pages/scenarios"),
};

let cleanup: Cleanup | null = null;
let generation = 0;

function renderNav(current: string): void {
  const nav = document.getElementById("nav")!;
  const who = document.getElementById("who")!;
  clear(nav);
  clear(who);
  const session = getSession();
  if (!session) return;
  for (const p of PAGES) {
    if (!p.inNav || (p.operatorOnly && !isOperator(session))) continue;
    const a = h("a", { href: href(p.page) }, p.title);
    if (p.page === current) a.setAttribute("aria-current", "page");
    nav.appendChild(h("li", {}, a));
  }
  who.append(
    h("span", { class: "muted" }, `${session.name} (${session.role}${session.customer_id ? ` · ${session.customer_id}` : ""})`),
    h(
      "button",
      {
        type: "button",
        class: "link",
        onclick: () => {
          setSession(null);
          location.hash = href("signin");
        },
      },
      "Sign out",
    ),
  );
}

async function show(): Promise<void> {
  const mine = ++generation;
  const main = document.getElementById("main")!;
  const wanted = parseHash(location.hash);
  const session = getSession();
  const target = resolve(wanted, !!session, isOperator(session));
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  clear(main);
  if ("forbidden" in target) {
    renderNav(wanted.page);
    document.title = "Not allowed · Landbridge";
    main.append(
      h("h1", {}, "Not allowed"),
      h(
        "p",
        { class: "error", role: "alert" },
        `${target.forbidden.title} is for operators; your key has the ${session?.role ?? "shipper"} role.`,
      ),
      h("p", {}, h("a", { href: href("bookings") }, "Go to your bookings")),
    );
    main.focus();
    return;
  }
  if (target.page !== wanted.page && target.page === "signin" && wanted.page !== "signin") {
    history.replaceState(null, "", href("signin", null, { next: wanted.page }));
  }
  renderNav(target.page);
  const info = pageInfo(target.page);
  document.title = `${info?.title ?? "Landbridge"} · Landbridge`;
  const busy = h("p", { class: "muted", "aria-busy": "true" }, "Loading…");
  main.appendChild(busy);
  try {
    const mod = await loaders[target.page]();
    if (mine !== generation) return;
    clear(main);
    const done = await mod.render(main, target);
    if (mine !== generation) {
      if (done) done();
      return;
    }
    cleanup = done ?? null;
    // When the page has drawn what it shows (the network page: once the map has drawn the network).
    performance.mark("landbridge:page-ready", { detail: { page: target.page } });
    document.body.dataset.ready = target.page;
  } catch (err) {
    if (mine !== generation) return;
    clear(main);
    main.append(h("h1", {}, info?.title ?? "Error"), errorBox(err));
  }
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    if (document.activeElement === document.body || document.activeElement === null) heading.focus();
    announce(`${heading.textContent ?? ""} page`);
  }
}

setUnauthorisedHandler(() => {
  setSession(null);
  location.hash = href("signin", null, { next: parseHash(location.hash).page, expired: "1" });
});

document.getElementById("skip")?.addEventListener("click", (e) => {
  e.preventDefault();
  document.getElementById("main")?.focus();
});

window.addEventListener("hashchange", () => void show());
void show();

// Keep the session's role fresh (a revoked key signs out on the next request anyway).
const s = getSession();
if (s) {
  api<{ role: string }>("/v1/me").catch(() => undefined);
}
