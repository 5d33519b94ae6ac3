import { api } from "./api";
import type { NetworkCollection } from "./networkStyle";

/** The network GeoJSON (GET /v1/network), fetched once per page load. */
let cached: Promise<NetworkCollection> | null = null;
export function loadNetwork(): Promise<NetworkCollection> {
  cached ??= api<NetworkCollection>("/v1/network");
  cached.catch(() => (cached = null));
  return cached;
}
