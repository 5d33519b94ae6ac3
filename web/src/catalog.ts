import { api } from "./api";

export interface Catalog {
  container_types: { id: string; name: string; teu: number; max_payload_kg: number }[];
  cargo_types: { id: string; name: string; un_number: string | null; winter_sensitive: boolean }[];
  crossings: { id: string; name: string; gauge_change: boolean; mode: string }[];
  corridors: string[];
  countries: string[];
  currencies: string[];
  order_file_columns: { required: string[]; optional: string[] };
}

let cached: Promise<Catalog> | null = null;
export function loadCatalog(): Promise<Catalog> {
  cached ??= api<Catalog>("/v1/catalog");
  cached.catch(() => (cached = null));
  return cached;
}

export interface PlaceHit {
  id: string;
  name: string;
  kind: string;
  country: string;
}

/** Suggestions for a place input: a <datalist> refreshed as the user types (debounced). */
export function attachPlaceSuggestions(input: HTMLInputElement, list: HTMLDataListElement): void {
  let timer: number | undefined;
  let last = "";
  input.setAttribute("list", list.id);
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      try {
        const hits = await api<PlaceHit[]>("/v1/places", { query: { q, limit: 10 } });
        list.replaceChildren(
          ...hits.map((p) => {
            const o = document.createElement("option");
            o.value = p.name;
            o.label = `${p.name} (${p.kind}, ${p.country})`;
            return o;
          }),
        );
      } catch {
        /* suggestions are a convenience; the quote itself reports unknown places */
      }
    }, 150);
  });
}
