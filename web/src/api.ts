// The API client: every request goes to this origin with the signed-in key; errors become ApiError with the
// problem details (RFC 9457) the server sends, field by field.

export interface FieldProblem {
  field: string | null;
  message: string;
  suggestions?: string[];
}

export interface Problem {
  status: number;
  title?: string;
  detail: string;
  errors: FieldProblem[];
  /** The whole body, for endpoints that say more (an import report with every bad row). */
  raw?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }
  /** The message for one form field (the server's field path, e.g. "shipment.goods.hs_code"). */
  forField(path: string): string | undefined {
    const hit = this.problem.errors.find((e) => e.field === path || e.field === `body.${path}`);
    return hit?.message;
  }
}

/** Problem details from a response body, whatever shape it has (older `{detail}` bodies too). */
export function toProblem(status: number, body: unknown): Problem {
  const problem: Problem = { status, detail: `Request failed (HTTP ${status}).`, errors: [], raw: body };
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    if (typeof b.title === "string") problem.title = b.title;
    if (typeof b.detail === "string") problem.detail = b.detail;
    else if (Array.isArray(b.detail)) problem.detail = "Invalid request.";
    if (Array.isArray(b.errors)) {
      problem.errors = b.errors
        .filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
        .map((e) => ({
          field: typeof e.field === "string" ? e.field : null,
          message: typeof e.message === "string" ? e.message : "invalid",
          suggestions: Array.isArray(e.suggestions) ? e.suggestions.map(String) : undefined,
        }));
    }
  } else if (typeof body === "string" && body.trim()) {
    problem.detail = body.trim().slice(0, 300);
  }
  return problem;
}

export interface Session {
  token: string;
  key_id: string;
  role: "operator" | "shipper" | string;
  customer_id: string | null;
  name: string;
}

const STORE = "landbridge.session";

export function getSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORE);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function setSession(session: Session | null): void {
  if (session) sessionStorage.setItem(STORE, JSON.stringify(session));
  else sessionStorage.removeItem(STORE);
}

export function isOperator(session: Session | null = getSession()): boolean {
  return session?.role === "operator";
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  token?: string;
  signal?: AbortSignal;
  idempotencyKey?: string;
  /** A body sent as it is (a file), with its content type. */
  raw?: { data: Blob | ArrayBuffer; contentType: string };
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v != null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

/** Called when the server says the key is unknown or revoked (401): the app signs out. */
let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  if (!path.startsWith("/")) throw new Error(`API paths are on this origin: ${path}`);
  const token = opts.token ?? getSession()?.token;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.raw) headers["Content-Type"] = opts.raw.contentType;
  if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
  const res = await fetch(withQuery(path, opts.query), {
    method: opts.method ?? (opts.body === undefined && !opts.raw ? "GET" : "POST"),
    headers,
    body: opts.raw ? opts.raw.data : opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
    credentials: "omit",
  });
  if (!res.ok) {
    let body: unknown;
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (res.status === 401 && !opts.token) onUnauthorised();
    throw new ApiError(toProblem(res.status, body));
  }
  return res;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A binary document (a PDF) as a Blob, with the key sent in the header (a plain link could not send it). */
export async function apiBlob(path: string, opts: RequestOptions = {}): Promise<Blob> {
  const res = await send(path, opts);
  return res.blob();
}

export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
