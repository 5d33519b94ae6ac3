import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, getSession, setSession, setUnauthorisedHandler, toProblem, withQuery } from "./api";

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe("problem details", () => {
  it("reads RFC 9457 bodies with field errors", () => {
    const p = toProblem(422, {
      type: "about:blank",
      title: "Unprocessable Content",
      status: 422,
      detail: "Invalid request (body.origin: unknown place).",
      errors: [{ field: "origin", message: "Unknown place 'Chongqin'", suggestions: ["Chongqing"] }],
    });
    expect(p.detail).toContain("Invalid request");
    expect(p.raw).toMatchObject({ status: 422 });
    expect(p.errors[0]).toEqual({ field: "origin", message: "Unknown place 'Chongqin'", suggestions: ["Chongqing"] });
    const err = new ApiError(p);
    expect(err.forField("origin")).toContain("Chongqin");
  });

  it("copes with any other body", () => {
    expect(toProblem(500, "Internal Server Error").detail).toBe("Internal Server Error");
    expect(toProblem(502, null).detail).toBe("Request failed (HTTP 502).");
    expect(toProblem(422, { detail: [{ loc: ["x"] }] }).detail).toBe("Invalid request.");
    expect(toProblem(400, { errors: [null, 3, { message: 5 }] }).errors).toEqual([{ field: null, message: "invalid", suggestions: undefined }]);
  });
});

describe("requests", () => {
  it("builds query strings without empty values", () => {
    expect(withQuery("/v1/bookings", { status: "requested", reference: "", cursor: null, limit: 50 })).toBe(
      "/v1/bookings?status=requested&limit=50",
    );
    expect(withQuery("/v1/x?a=1", { b: "c d" })).toBe("/v1/x?a=1&b=c+d");
  });

  it("sends the session's key to this origin only and turns errors into ApiError", async () => {
    setSession({ token: "lb_t", key_id: "k", role: "shipper", customer_id: "c", name: "n" });
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ detail: "nope", errors: [] }), { status: 403 }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(api("/v1/operator/utilisation")).rejects.toMatchObject({ status: 403, message: "nope" });
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer lb_t");
    await expect(api("https://cdn.example/x")).rejects.toThrow(/this origin/);
  });

  it("signs out on 401", async () => {
    setSession({ token: "lb_t", key_id: "k", role: "shipper", customer_id: "c", name: "n" });
    let signedOut = false;
    setUnauthorisedHandler(() => {
      signedOut = true;
      setSession(null);
    });
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 401 })));
    await expect(api("/v1/me")).rejects.toBeInstanceOf(ApiError);
    expect(signedOut).toBe(true);
    expect(getSession()).toBeNull();
  });
});
