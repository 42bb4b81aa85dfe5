import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { currentUser } from "../auth/session";
import { API, http, HttpResponse, json, renderAt, user } from "../test/harness";

describe("signing in and out", () => {
  it("sends a signed-out visitor to the login page and back where they were going", async () => {
    let asked: unknown = null;
    renderAt(
      "/dashboard/settings?x=1",
      [
        http.post(`${API}/auth/login`, async ({ request }) => {
          asked = await request.json();
          return json({ access_token: "a", refresh_token: "r", token_type: "bearer", expires_in: 900, user: user("operator") });
        }),
        http.get(`${API}/settings`, () => json({ items: [] })),
      ],
      null,
    );
    await userEvent.type(await screen.findByLabelText("Email"), "operator@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Settings" })).toBeInTheDocument();
    expect(asked).toEqual({ email: "operator@example.com", password: "secret-password" });
    expect(currentUser()?.role).toBe("operator");
  });

  it("shows the gateway's refusal", async () => {
    renderAt("/login", [http.post(`${API}/auth/login`, () => json({ detail: "Invalid email or password" }, 401))], null);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid email or password");
  });

  it("goes back to the login page when the session ends on a 401", async () => {
    renderAt("/dashboard/pipelines", [
      http.get(`${API}/pipelines/runs`, () => json({ detail: "token expired" }, 401)),
      http.get(`${API}/pipelines/runs/events`, () => json({ detail: "token expired" }, 401)),
      http.post(`${API}/auth/refresh`, () => json({ detail: "refresh token already used" }, 401)),
    ]);
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(currentUser()).toBeNull();
  });

  it("logs out", async () => {
    let loggedOut = false;
    renderAt("/dashboard/pipelines", [
      http.get(`${API}/pipelines/runs`, () => json({ items: [], total: 0, limit: 200, offset: 0 })),
      http.get(`${API}/pipelines/runs/events`, () => new HttpResponse(new ReadableStream(), { headers: { "Content-Type": "text/event-stream" } })),
      http.post(`${API}/auth/logout`, () => {
        loggedOut = true;
        return new HttpResponse(null, { status: 204 });
      }),
    ]);
    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    await waitFor(() => expect(loggedOut).toBe(true));
    expect(currentUser()).toBeNull();
  });
});
