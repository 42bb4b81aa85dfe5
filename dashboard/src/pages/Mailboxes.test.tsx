import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { MailboxView } from "../api/types";
import { API, http, json, page, renderAt } from "../test/harness";

const A = "11111111-1111-1111-1111-111111111111";
const B = "22222222-2222-2222-2222-222222222222";

function mailbox(over: Partial<MailboxView> = {}): MailboxView {
  return {
    mailbox_id: A,
    email: "anna@sender.example",
    display_name: "Anna Sender",
    provider: "gmail",
    smtp_host: "smtp.gmail.com",
    smtp_port: 587,
    smtp_security: "starttls",
    smtp_username: null,
    imap_host: "imap.gmail.com",
    imap_port: 993,
    imap_security: "ssl",
    has_password: true,
    warmup_status: "ACTIVE",
    is_active: true,
    connection_status: "ok",
    last_tested_at: "2026-11-28T10:00:00Z",
    last_test_result: null,
    daily_send_limit: 30,
    emails_sent_today: 12,
    total_emails_sent: 420,
    bounce_count: 3,
    reply_count: 9,
    warmup_days_completed: 14,
    warmup_emails_sent: 80,
    warmup_emails_received: 75,
    ...over,
  };
}

const BOB = mailbox({
  mailbox_id: B,
  email: "bob@sender.example",
  display_name: "Bob",
  provider: "smtp",
  warmup_status: "INACTIVE",
  connection_status: "failed",
  emails_sent_today: 0,
  last_test_result: {
    ok: false,
    smtp: { ok: false, kind: "refused", stage: "connect", message: "[Errno 111] Connection refused" },
  },
});

const STATS = {
  total: 2,
  active: 2,
  by_status: { ACTIVE: 1, INACTIVE: 1 },
  by_connection: { ok: 1, failed: 1 },
  by_provider: { gmail: 1, smtp: 1 },
  sent_today: 12,
  daily_capacity: 30,
  blacklisted: 0,
};

/** The list (recording each request's query string) and the stats. */
function handlers(seen: URLSearchParams[] = [], items = [mailbox(), BOB]) {
  return [
    http.get(`${API}/mailboxes/stats`, () => json(STATS)),
    http.get(`${API}/mailboxes`, ({ request }) => {
      seen.push(new URL(request.url).searchParams);
      return json(page(items));
    }),
  ];
}

describe("Mailboxes page", () => {
  it("shows the mailboxes with status, connection, quota and stats", async () => {
    renderAt("/dashboard/mailboxes", handlers());
    expect(await screen.findByText("anna@sender.example")).toBeInTheDocument();
    const quota = screen.getByRole("progressbar", { name: "Daily quota of anna@sender.example" });
    expect(quota).toHaveAttribute("aria-valuenow", "12");
    expect(quota).toHaveAttribute("aria-valuemax", "30");
    const bob = screen.getByText("bob@sender.example").closest("tr")!;
    expect(within(bob).getByText("Failed")).toBeInTheDocument();
    expect(within(bob).getByText(/Connection refused · smtp connect/)).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: /Warming up/ })).toBeInTheDocument();
    expect(screen.getByText("of 30 daily capacity")).toBeInTheDocument();
  });

  it("sends filters, search, sort and stat-card clicks as query parameters", async () => {
    const seen: URLSearchParams[] = [];
    const user = userEvent.setup();
    renderAt("/dashboard/mailboxes", handlers(seen));
    await screen.findByText("anna@sender.example");
    expect(seen.at(-1)?.get("sort")).toBe("created_at");

    await user.selectOptions(screen.getByLabelText("Status"), "PAUSED");
    await waitFor(() => expect(seen.at(-1)?.get("warmup_status")).toBe("PAUSED"));

    await user.selectOptions(screen.getByLabelText("Provider"), "smtp");
    await waitFor(() => expect(seen.at(-1)?.get("provider")).toBe("smtp"));

    await user.type(screen.getByLabelText("Search mailboxes"), "bob");
    await waitFor(() => expect(seen.at(-1)?.get("search")).toBe("bob"));

    await user.click(screen.getByRole("button", { name: /Connection Failed/ }));
    await waitFor(() => expect(seen.at(-1)?.get("connection_status")).toBe("failed"));
    expect(screen.getByLabelText("Connection")).toHaveValue("failed");

    await user.click(screen.getByRole("button", { name: /^Email/ }));
    await waitFor(() => {
      expect(seen.at(-1)?.get("sort")).toBe("email");
      expect(seen.at(-1)?.get("order")).toBe("asc");
    });
  });

  it("adds a mailbox with the entered fields and shows a 422 under its field", async () => {
    const bodies: unknown[] = [];
    const user = userEvent.setup();
    renderAt("/dashboard/mailboxes", [
      ...handlers(),
      http.post(`${API}/mailboxes`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        if (body.smtp_port === 70000) {
          return json({ detail: [{ loc: ["body", "smtp_port"], msg: "Input should be less than or equal to 65535", type: "less_than_equal" }] }, 422);
        }
        return json(mailbox({ mailbox_id: "33333333-3333-3333-3333-333333333333", email: String(body.email) }), 201);
      }),
    ]);
    await screen.findByText("anna@sender.example");
    await user.click(screen.getByRole("button", { name: "Add mailbox" }));
    const dialog = screen.getByRole("dialog", { name: "Add mailbox" });
    const d = within(dialog);
    await user.type(d.getByLabelText("Email"), "carl@sender.example");
    await user.type(d.getByLabelText("Display name"), "Carl");
    await user.clear(d.getByLabelText("Provider"));
    await user.type(d.getByLabelText("Provider"), "smtp");
    await user.type(d.getByLabelText("SMTP host"), "mail.sender.example");
    await user.clear(d.getByLabelText("SMTP port"));
    await user.type(d.getByLabelText("SMTP port"), "70000");
    await user.selectOptions(d.getByLabelText("SMTP security"), "ssl");
    await user.type(d.getByLabelText("Username"), "carl");
    await user.type(d.getByLabelText("Password"), "app-pass");
    await user.type(d.getByLabelText("IMAP host"), "imap.sender.example");
    await user.type(d.getByLabelText("IMAP port"), "993");
    await user.clear(d.getByLabelText("Daily send limit"));
    await user.type(d.getByLabelText("Daily send limit"), "40");
    await user.click(d.getByRole("button", { name: "Save" }));

    const error = await d.findByText("Input should be less than or equal to 65535");
    expect(d.getByLabelText("SMTP port")).toHaveAttribute("aria-invalid", "true");
    expect(d.getByLabelText("SMTP port")).toHaveAttribute("aria-describedby", error.id);

    await user.clear(d.getByLabelText("SMTP port"));
    await user.type(d.getByLabelText("SMTP port"), "465");
    await user.click(d.getByRole("button", { name: "Save" }));
    expect(await screen.findByText(/Added carl@sender.example/)).toBeInTheDocument();
    expect(bodies.at(-1)).toEqual({
      email: "carl@sender.example",
      display_name: "Carl",
      password: "app-pass",
      provider: "smtp",
      smtp_host: "mail.sender.example",
      smtp_port: 465,
      smtp_security: "ssl",
      smtp_username: "carl",
      imap_host: "imap.sender.example",
      imap_port: 993,
      daily_send_limit: 40,
      is_active: true,
    });
    expect(screen.queryByRole("dialog", { name: "Add mailbox" })).not.toBeInTheDocument();
  });

  it("edits only the changed fields and keeps the password when left blank", async () => {
    let body: unknown;
    const user = userEvent.setup();
    renderAt("/dashboard/mailboxes", [
      ...handlers(),
      http.put(`${API}/mailboxes/${A}`, async ({ request }) => {
        body = await request.json();
        return json(mailbox({ daily_send_limit: 50 }));
      }),
    ]);
    const row = (await screen.findByText("anna@sender.example")).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Edit" }));
    const d = within(screen.getByRole("dialog", { name: "Edit mailbox" }));
    expect(d.getByLabelText("Password")).toHaveValue("");
    expect(d.getByText(/Stored password: yes/)).toBeInTheDocument();
    await user.clear(d.getByLabelText("Daily send limit"));
    await user.type(d.getByLabelText("Daily send limit"), "50");
    await user.clear(d.getByLabelText("Display name"));
    await user.click(d.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved anna@sender.example.");
    expect(body).toEqual({ daily_send_limit: 50, display_name: null });
  });

  it("tests a connection and shows the failure kind, stage, reply and hint as an alert", async () => {
    const user = userEvent.setup();
    renderAt("/dashboard/mailboxes", [
      ...handlers(),
      http.post(`${API}/mailboxes/${A}/test-connection`, () =>
        json({
          mailbox_id: A,
          email: "anna@sender.example",
          ok: false,
          tested_at: "2026-11-29T10:00:00Z",
          smtp: {
            ok: false, kind: "auth", stage: "login", message: "535 5.7.8 Username and Password not accepted",
            elapsed_ms: 210, hint: "Gmail needs an app password",
          },
          imap: null,
        }),
      ),
    ]);
    const row = (await screen.findByText("anna@sender.example")).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Test" }));
    const dialog = await screen.findByRole("dialog", { name: "Connection test: anna@sender.example" });
    const alert = within(dialog).getByRole("alert");
    expect(alert).toHaveTextContent("Login refused at smtp login: 535 5.7.8 Username and Password not accepted");
    expect(alert).toHaveTextContent("Hint: Gmail needs an app password");
  });

  it("tests all mailboxes and shows the summary", async () => {
    const user = userEvent.setup();
    const ok = { ok: true, kind: "ok", stage: "login", message: "logged in to smtp.gmail.com:587 (STARTTLS)" };
    renderAt("/dashboard/mailboxes", [
      ...handlers(),
      http.post(`${API}/mailboxes/test-all`, () =>
        json({
          ok: 1,
          failed: 1,
          results: [
            { mailbox_id: A, email: "anna@sender.example", ok: true, tested_at: "2026-11-29T10:00:00Z", smtp: ok, imap: ok },
            {
              mailbox_id: B, email: "bob@sender.example", ok: false, tested_at: "2026-11-29T10:00:00Z",
              smtp: { ok: false, kind: "timeout", stage: "connect", message: "no answer in 15 s" }, imap: null,
            },
          ],
        }),
      ),
    ]);
    await screen.findByText("anna@sender.example");
    await user.click(screen.getByRole("button", { name: "Test all" }));
    const dialog = await screen.findByRole("dialog", { name: "Connection test results" });
    expect(within(dialog).getByText("1 OK, 1 failed")).toBeInTheDocument();
    expect(within(dialog).getByRole("alert")).toHaveTextContent("Timed out at smtp connect: no answer in 15 s");
  });

  it("changes a status and shows the server's 409 message", async () => {
    let sent: unknown;
    const user = userEvent.setup();
    renderAt("/dashboard/mailboxes", [
      ...handlers(),
      http.put(`${API}/mailboxes/${B}/status`, async ({ request }) => {
        sent = await request.json();
        return json({ detail: "the mailbox's connection is failed: test the connection successfully before moving it to WARMING_UP" }, 409);
      }),
    ]);
    await screen.findByText("bob@sender.example");
    const select = screen.getByLabelText("Change status of bob@sender.example");
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual(["Move to…", "Warming up", "Paused"]);
    await user.selectOptions(select, "WARMING_UP");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not move bob@sender.example to Warming up: the mailbox's connection is failed",
    );
    expect(sent).toEqual({ status: "WARMING_UP" });
  });

  it("deletes the selected mailboxes after confirming", async () => {
    let body: unknown;
    const user = userEvent.setup();
    renderAt("/dashboard/mailboxes", [
      ...handlers(),
      http.post(`${API}/mailboxes/bulk-delete`, async ({ request }) => {
        body = await request.json();
        return json({ deleted: 2, not_found: [] });
      }),
    ]);
    await screen.findByText("anna@sender.example");
    expect(screen.getByRole("button", { name: "Delete selected" })).toBeDisabled();
    await user.click(screen.getByRole("checkbox", { name: "Select all on this page" }));
    await user.click(screen.getByRole("button", { name: "Delete selected" }));
    const dialog = screen.getByRole("dialog", { name: "Delete selected mailboxes" });
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Deleted 2 mailboxes.")).toBeInTheDocument();
    expect(body).toEqual({ mailbox_ids: [A, B] });
  });

  it("shows the API's error when the list fails", async () => {
    renderAt("/dashboard/mailboxes", [
      http.get(`${API}/mailboxes/stats`, () => json(STATS)),
      http.get(`${API}/mailboxes`, () => json({ detail: "warmup is not answering" }, 503)),
    ]);
    expect(await screen.findByText("warmup is not answering", {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("is read only for viewers", async () => {
    renderAt("/dashboard/mailboxes", handlers(), "viewer");
    await screen.findByText("anna@sender.example");
    expect(screen.getByText(/Read only/)).toBeInTheDocument();
    for (const name of ["Add mailbox", "Test all", "Delete selected", "Test", "Edit", "Delete"]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
    expect(screen.queryByRole("checkbox")).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Change status of/)).not.toBeInTheDocument();
  });
});

