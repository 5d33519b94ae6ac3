// Hash routes (#/bookings/bk_1?status=requested): the server serves one page at `/` and needs no fallback.

export interface Route {
  page: string; // "network", "bookings", ...
  id: string | null; // the second path segment (a booking id)
  query: URLSearchParams;
}

export interface PageInfo {
  page: string;
  title: string;
  operatorOnly: boolean;
  inNav: boolean;
}

export const PAGES: PageInfo[] = [
  { page: "network", title: "Network", operatorOnly: false, inNav: true },
  { page: "quote", title: "Quote", operatorOnly: false, inNav: true },
  { page: "bookings", title: "Bookings", operatorOnly: false, inNav: true },
  { page: "ecommerce", title: "E-commerce", operatorOnly: false, inNav: true },
  { page: "operations", title: "Operations", operatorOnly: true, inNav: true },
  { page: "scenarios", title: "Scenarios", operatorOnly: true, inNav: true },
  { page: "signin", title: "Sign in", operatorOnly: false, inNav: false },
];

export const DEFAULT_PAGE = "network";

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [path, qs = ""] = raw.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || DEFAULT_PAGE, id: parts[1] ?? null, query: new URLSearchParams(qs) };
}

export function href(page: string, id?: string | null, query?: Record<string, string>): string {
  let out = `#/${page}`;
  if (id) out += `/${encodeURIComponent(id)}`;
  if (query) {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString();
    if (qs) out += `?${qs}`;
  }
  return out;
}

export function pageInfo(page: string): PageInfo | undefined {
  return PAGES.find((p) => p.page === page);
}

/** Where a route may go for a role: sign-in first; shippers never reach operator pages (the server refuses
 * their data anyway: this only spares them a page of errors). */
export function resolve(route: Route, signedIn: boolean, operator: boolean): Route | { forbidden: PageInfo } {
  if (!signedIn) return { page: "signin", id: null, query: new URLSearchParams({ next: route.page }) };
  const info = pageInfo(route.page);
  if (!info) return { page: DEFAULT_PAGE, id: null, query: new URLSearchParams() };
  if (info.operatorOnly && !operator) return { forbidden: info };
  return route;
}
