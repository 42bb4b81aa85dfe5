import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { accessToken, currentUser } from "../auth/session";
import { API, server, signIn, user } from "../test/harness";
import { api, ApiError, call, describe as describeError } from "./client";

describe("the API client", () => {
  it("sends the session's token and returns typed data", async () => {
    signIn("viewer");
    server.use(
      http.get(`${API}/auth/me`, ({ request }) =>
        request.headers.get("Authorization") === "Bearer access"
          ? HttpResponse.json(user("viewer"))
          : new HttpResponse(null, { status: 401 }),
      ),
    );
    const me = await call(api.GET("/api/v1/auth/me"));
    expect(me.role).toBe("viewer");
  });

  it("refreshes once on a 401 and retries the request with the new token", async () => {
    signIn();
    let refreshes = 0;
    server.use(
      http.post(`${API}/auth/refresh`, async ({ request }) => {
        refreshes += 1;
        expect(await request.json()).toEqual({ refresh_token: "refresh" });
        return HttpResponse.json({ access_token: "new", refresh_token: "r2", token_type: "bearer", expires_in: 900, user: user() });
      }),
      http.get(`${API}/auth/me`, ({ request }) =>
        request.headers.get("Authorization") === "Bearer new"
          ? HttpResponse.json(user())
          : new HttpResponse(null, { status: 401 }),
      ),
    );
    // Two requests at once share one refresh (a refresh token works only once).
    const [a, b] = await Promise.all([call(api.GET("/api/v1/auth/me")), call(api.GET("/api/v1/auth/me"))]);
    expect(a.email).toBe("admin@example.com");
    expect(b.email).toBe("admin@example.com");
    expect(refreshes).toBe(1);
    expect(accessToken()).toBe("new");
  });

  it("ends the session when the refresh is refused", async () => {
    signIn();
    server.use(
      http.post(`${API}/auth/refresh`, () => HttpResponse.json({ detail: "expired" }, { status: 401 })),
      http.get(`${API}/auth/me`, () => HttpResponse.json({ detail: "expired" }, { status: 401 })),
    );
    await expect(call(api.GET("/api/v1/auth/me"))).rejects.toMatchObject({ status: 401 });
    expect(currentUser()).toBeNull();
  });

  it("turns the gateway's refusals into readable messages", async () => {
    signIn();
    server.use(
      http.put(`${API}/settings/:key`, () =>
        HttpResponse.json(
          { detail: [{ loc: ["body", "value"], msg: "daily_send_limit must be at least 1, got 0", type: "value_error" }] },
          { status: 422 },
        ),
      ),
    );
    const err = await call(api.PUT("/api/v1/settings/{key}", { params: { path: { key: "daily_send_limit" } }, body: { value: 0 } })).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe("value: daily_send_limit must be at least 1, got 0");
    expect(describeError(409, "already finished")).toBe("already finished");
    expect(describeError(503, null)).toMatch(/not answering/);
  });
});
