import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { API, http, json, page, renderAt } from "../test/harness";

const STATS = {
  total: 20,
  by_priority: {},
  by_validation_status: { valid: 8, invalid: 3, catch_all: 2, unknown: 1, none: 6 },
  by_source: {},
  trend: [],
};

const result = (over: Record<string, unknown> = {}) => ({
  email: "ada@acme.test",
  status: "valid",
  sub_status: null,
  provider: "builtin",
  raw: {
    normalized: "ada@acme.test",
    role: false,
    mx: [{ host: "mx1.acme.test", preference: 10, addresses: ["192.0.2.1"] }],
    implicit_mx: false,
    rcpt: { code: 250, message: "2.1.5 OK" },
    timings_ms: { dns: 3.2, smtp: 120.4, total: 125 },
  },
  checked_at: "2026-11-20T10:00:00Z",
  retry_after: null,
  ...over,
});

function handlers(seen: URL[]) {
  return [
    http.get(`${API}/contacts/stats`, () => json(STATS)),
    http.get(`${API}/validation/results`, ({ request }) => {
      seen.push(new URL(request.url));
      return json(page([result(), result({ email: "info@beta.test", status: "catch_all", sub_status: "accept_all", provider: "zerobounce", raw: { foo: 1 } })], 2));
    }),
  ];
}

describe("Validation page", () => {
  it("shows the counts and the results, and a result's details", async () => {
    const user = userEvent.setup();
    renderAt("/dashboard/validation", handlers([]));
    expect(await screen.findByText("ada@acme.test")).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: /^Catch all\s*2/ })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Contacts validated\s*14/ })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Not validated\s*6/ })).toBeInTheDocument();
    const row = screen.getByText("info@beta.test").closest("tr")!;
    expect(within(row).getByText("Accept all")).toBeInTheDocument();
    expect(within(row).getByText("zerobounce")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Details of ada@acme.test" }));
    const dialog = await screen.findByRole("dialog", { name: "Result for ada@acme.test" });
    expect(within(dialog).getByText("mx1.acme.test")).toBeInTheDocument();
    expect(within(dialog).getByText("250 2.1.5 OK")).toBeInTheDocument();
  });

  it("filters the results by status (card or select) and provider", async () => {
    const seen: URL[] = [];
    const user = userEvent.setup();
    renderAt("/dashboard/validation", handlers(seen));
    await screen.findByText("ada@acme.test");
    await user.click(await screen.findByRole("button", { name: /^Invalid\s*3/ }));
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("status")).toBe("invalid"));
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue("invalid");
    await user.selectOptions(screen.getByRole("combobox", { name: "Provider" }), "neverbounce");
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("provider")).toBe("neverbounce"));
    expect(seen.at(-1)!.searchParams.get("status")).toBe("invalid");
  });

  it("queues a validation run and links to the pipelines page", async () => {
    const user = userEvent.setup();
    let runs = 0;
    renderAt("/dashboard/validation", [
      ...handlers([]),
      http.post(`${API}/pipelines/email-validation/run`, () => {
        runs += 1;
        return json({ run_id: "r1", pipeline: "email_validation", status: "queued" }, 202);
      }),
    ]);
    await user.click(await screen.findByRole("button", { name: "Run validation" }));
    expect(await screen.findByText(/Run queued/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "the Pipelines page" })).toHaveAttribute("href", "/dashboard/pipelines");
    expect(runs).toBe(1);
  });

  it("checks one address and shows the verdict, or the API's refusal", async () => {
    const user = userEvent.setup();
    const sent: unknown[] = [];
    renderAt("/dashboard/validation", [
      ...handlers([]),
      http.post(`${API}/validation/check`, async ({ request }) => {
        const body = (await request.json()) as { email: string };
        sent.push(body);
        if (body.email.length < 3)
          return json({ detail: [{ loc: ["body", "email"], msg: "String should have at least 3 characters", type: "string_too_short" }] }, 422);
        return json(result({ email: body.email, status: "invalid", sub_status: "mailbox_not_found", raw: { rcpt: { code: 550, message: "no such user" }, mx: [] } }));
      }),
    ]);
    const input = await screen.findByLabelText("Email address");
    await user.type(input, "nobody@acme.test");
    await user.click(screen.getByRole("button", { name: "Check" }));
    const card = screen.getByRole("heading", { name: "Check one address" }).closest("section")!;
    expect(await within(card).findByText("Mailbox not found")).toBeInTheDocument();
    expect(screen.getByTestId("check-result")).toHaveAttribute("data-status", "invalid");
    expect(within(card).getByText("550 no such user")).toBeInTheDocument();
    expect(within(card).getByText("Invalid")).toBeInTheDocument();
    expect(sent[0]).toEqual({ email: "nobody@acme.test" });

    await user.clear(input);
    await user.type(input, "ab");
    await user.click(screen.getByRole("button", { name: "Check" }));
    expect(await within(card).findByText("email: String should have at least 3 characters")).toBeInTheDocument();
  });

  it("shows the API's error in place of the results", async () => {
    renderAt("/dashboard/validation", [
      http.get(`${API}/contacts/stats`, () => json(STATS)),
      http.get(`${API}/validation/results`, () => json({ detail: "The validation service is not answering" }, 503)),
    ]);
    expect(await screen.findByText("The validation service is not answering", {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("gives viewers no run button and a disabled check box", async () => {
    renderAt("/dashboard/validation", handlers([]), "viewer");
    await screen.findByText("ada@acme.test");
    expect(screen.queryByRole("button", { name: "Run validation" })).toBeNull();
    expect(screen.getByText("Read only")).toBeInTheDocument();
    expect(screen.getByLabelText("Email address")).toBeDisabled();
    expect(screen.getByRole("button", { name: "Check" })).toBeDisabled();
  });
});
