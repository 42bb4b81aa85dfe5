import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { API, http, HttpResponse, json, page, renderAt } from "../test/harness";

const STATS = {
  sent_today: 12,
  daily_limit: 30,
  remaining_today: 18,
  by_status: { sent: 40, skipped: 7, failed: 1 },
  by_channel: { smtp: 41, mailmerge: 7 },
  suppressed: 5,
  ready_mailboxes: 2,
  trend: [],
  sent_total: 40,
  bounced_total: 1,
  bounce_rate: 0.024,
  reply_rate: null,
};

const TEMPLATES = {
  items: [
    { template_id: "t1", name: "Intro", subject: "Hi {{first_name}}", body: "Hello", is_default: true, created_at: null, updated_at: null },
    { template_id: "t2", name: "Follow-up", subject: "Again", body: "Hi again", is_default: false, created_at: null, updated_at: null },
  ],
};

const RUN_DONE = {
  run_id: "r-old",
  pipeline: "outreach",
  status: "completed",
  mode: "mailmerge",
  dry_run: false,
  started_at: "2026-11-20T10:00:00Z",
  finished_at: "2026-11-20T10:00:05Z",
  counts: { eligible: 7, exported: 7 },
  requested_by: "admin@example.com",
};

const EVENT = {
  event_id: "e1", run_id: "r-old", contact_id: "c1", lead_id: "l1", email: "ada@acme.test", channel: "smtp", status: "sent",
  skip_reason: null, mailbox_id: null, template_id: null, attempts: 1, retry_at: null, smtp_code: 250, smtp_reply: "OK",
  created_at: "2026-11-20T10:00:00Z", sent_at: "2026-11-20T10:00:01Z",
};

function base(opts: { seenEvents?: URL[]; sendMode?: string } = {}) {
  return [
    http.get(`${API}/outreach/stats`, () => json(STATS)),
    http.get(`${API}/settings/outreach_send_mode`, () => json({ key: "outreach_send_mode", value: opts.sendMode ?? "mailmerge" })),
    http.get(`${API}/outreach/templates`, () => json(TEMPLATES)),
    http.get(`${API}/pipelines/runs`, ({ request }) => {
      expect(new URL(request.url).searchParams.get("pipeline")).toBe("outreach");
      return json({ items: [RUN_DONE], total: 1, limit: 20, offset: 0, unavailable: [] });
    }),
    http.get(`${API}/outreach/events`, ({ request }) => {
      opts.seenEvents?.push(new URL(request.url));
      return json(page([EVENT], 1));
    }),
  ];
}

describe("Outreach page", () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => "blob:x");
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => vi.restoreAllMocks());

  it("shows the stats, the exports and the events; a status card filters the events", async () => {
    const seen: URL[] = [];
    const user = userEvent.setup();
    renderAt("/dashboard/outreach", base({ seenEvents: seen }));
    expect(await screen.findByText("12 / 30")).toBeInTheDocument();
    expect(screen.getByText("Remaining today").nextSibling).toHaveTextContent("18");
    expect(await screen.findByText("ada@acme.test")).toBeInTheDocument();
    const exports = screen.getByRole("region", { name: "Exports" });
    expect(await within(exports).findByRole("button", { name: "Download CSV" })).toBeInTheDocument();
    expect(within(exports).getByText("Mail merge")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: /^Skipped\s*7/ }));
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("status")).toBe("skipped"));
    await user.selectOptions(screen.getByRole("combobox", { name: "Channel" }), "mailmerge");
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("channel")).toBe("mailmerge"));
    expect(seen.at(-1)!.searchParams.get("status")).toBe("skipped");
    expect(screen.getByRole("searchbox", { name: "Search events" })).toBeInTheDocument();
  });

  it("runs a mail merge, follows the run until it completes and downloads its CSV", async () => {
    const user = userEvent.setup();
    let body: unknown = null;
    let polls = 0;
    let downloaded = "";
    renderAt("/dashboard/outreach", [
      ...base(),
      http.post(`${API}/pipelines/outreach/run`, async ({ request }) => {
        body = await request.json();
        return json({ run_id: "r-new", pipeline: "outreach", status: "queued" }, 202);
      }),
      http.get(`${API}/pipelines/runs/r-new`, () => {
        polls += 1;
        return json(
          polls === 1
            ? { run_id: "r-new", pipeline: "outreach", status: "running", counts: { eligible: 3 } }
            : { run_id: "r-new", pipeline: "outreach", status: "completed", mode: "mailmerge", counts: { eligible: 3, exported: 3 } },
        );
      }),
      http.get(`${API}/pipelines/runs/r-new/export`, ({ request }) => {
        downloaded = new URL(request.url).searchParams.get("file") ?? "";
        return new HttpResponse("First Name,Email\n", {
          headers: { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="outreach-r-new.csv"' },
        });
      }),
    ]);
    const runCard = screen.getByRole("region", { name: "Run outreach" });
    const mode = within(runCard).getByRole("combobox", { name: "Mode" });
    await waitFor(() => expect(mode).toHaveValue("mailmerge"));
    expect(within(runCard).getByRole("checkbox", { name: "Dry run" })).toBeDisabled();
    await user.type(within(runCard).getByRole("spinbutton", { name: "Limit" }), "10");
    await user.click(within(runCard).getByRole("button", { name: "Run outreach" }));
    await waitFor(() => expect(body).toEqual({ mode: "mailmerge", dry_run: false, limit: 10 }));
    expect(await within(runCard).findByText("Running")).toBeInTheDocument();
    expect(await within(runCard).findByText("Completed", {}, { timeout: 3000 })).toBeInTheDocument();
    expect(within(runCard).getByText("Exported:")).toBeInTheDocument();
    await user.click(within(runCard).getByRole("button", { name: "Download CSV" }));
    await waitFor(() => expect(downloaded).toBe("csv"));
    expect(URL.createObjectURL).toHaveBeenCalled();
    expect(polls).toBe(2);
  });

  it("defaults to send mode from the setting and sends a dry run with a template", async () => {
    const user = userEvent.setup();
    let body: unknown = null;
    renderAt("/dashboard/outreach", [
      ...base({ sendMode: "smtp" }),
      http.post(`${API}/pipelines/outreach/run`, async ({ request }) => {
        body = await request.json();
        return json({ detail: [{ loc: ["body", "limit"], msg: "Input should be greater than or equal to 1", type: "x" }] }, 422);
      }),
    ]);
    const runCard = screen.getByRole("region", { name: "Run outreach" });
    await waitFor(() => expect(within(runCard).getByRole("combobox", { name: "Mode" })).toHaveValue("send"));
    await user.click(within(runCard).getByRole("checkbox", { name: "Dry run" }));
    await within(runCard).findByRole("option", { name: "Follow-up" });
    await user.selectOptions(within(runCard).getByRole("combobox", { name: "Template" }), "t2");
    await user.click(within(runCard).getByRole("button", { name: "Run outreach" }));
    expect(await within(runCard).findByText("limit: Input should be greater than or equal to 1")).toBeInTheDocument();
    expect(body).toEqual({ mode: "send", dry_run: true, template_id: "t2" });
  });

  it("adds, imports and removes suppressed addresses", async () => {
    const user = userEvent.setup();
    const added: unknown[] = [];
    let importedName = "";
    let removed = "";
    const seen: URL[] = [];
    renderAt("/dashboard/outreach?tab=suppression", [
      ...base(),
      http.get(`${API}/outreach/suppression`, ({ request }) => {
        seen.push(new URL(request.url));
        return json(page([{ email: "gone@acme.test", reason: "unsubscribe", created_by: null, created_at: "2026-11-19T00:00:00Z" }], 1));
      }),
      http.post(`${API}/outreach/suppression`, async ({ request }) => {
        added.push(await request.json());
        return json({ added: 1, already: 0, invalid: [] });
      }),
      http.post(`${API}/outreach/suppression/import`, async ({ request }) => {
        // A multipart body with the file under "file" (jsdom's File loses its name and content on the way
        // into Node's fetch, so only the part is checked; a browser sends dnc.csv as it is).
        expect(request.headers.get("Content-Type")).toMatch(/^multipart\/form-data; boundary=/);
        importedName = (await request.formData()).has("file") ? "file" : "";
        return json({ added: 2, already: 1, invalid: [{ row: 4, value: "nope", error: "not an email address" }] });
      }),
      http.delete(`${API}/outreach/suppression/:email`, ({ params }) => {
        removed = String(params.email);
        return new HttpResponse(null, { status: 204 });
      }),
    ]);
    expect(await screen.findByText("gone@acme.test")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Address to suppress"), "bob@beta.test");
    await user.click(screen.getByRole("button", { name: "Suppress" }));
    expect(await screen.findByText(/Added 1; 0 already on the list/)).toBeInTheDocument();
    expect(added).toEqual([{ emails: ["bob@beta.test"], reason: "manual" }]);

    const file = new File(["email\na@x.test\n"], "dnc.csv", { type: "text/csv" });
    await user.upload(screen.getByLabelText("Suppression CSV"), file);
    await user.click(screen.getByRole("button", { name: "Import" }));
    expect(await screen.findByText(/Added 2; 1 already on the list/)).toBeInTheDocument();
    expect(screen.getByText(/Row 4: nope — not an email address/)).toBeInTheDocument();
    expect(importedName).toBe("file");

    await user.click(screen.getByRole("button", { name: "Remove gone@acme.test" }));
    await waitFor(() => expect(removed).toBe("gone@acme.test"));
    expect(await screen.findByText(/Removed gone@acme.test/)).toBeInTheDocument();

    await user.type(screen.getByRole("searchbox", { name: "Search suppression list" }), "acme");
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("search")).toBe("acme"));
  });

  it("creates a template and shows the 422 for an unknown merge field", async () => {
    const user = userEvent.setup();
    let body: unknown = null;
    renderAt("/dashboard/outreach?tab=templates", [
      ...base(),
      http.post(`${API}/outreach/templates`, async ({ request }) => {
        body = await request.json();
        return json({ detail: "body: unknown merge field {{nickname}}; known fields: first_name, last_name" }, 422);
      }),
    ]);
    const panel = screen.getByRole("tabpanel");
    expect(await within(panel).findByText("Follow-up")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "New template" }));
    const dialog = await screen.findByRole("dialog", { name: "New template" });
    await user.type(within(dialog).getByLabelText("Name"), "Nick");
    await user.type(within(dialog).getByLabelText("Subject"), "Hey");
    await user.type(within(dialog).getByLabelText("Body"), "Hi {{{{nickname}}");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("body: unknown merge field {{nickname}}; known fields: first_name, last_name")).toBeInTheDocument();
    expect(body).toEqual({ name: "Nick", subject: "Hey", body: "Hi {{nickname}}" });
  });

  it("shows the API's error for the stats", async () => {
    renderAt("/dashboard/outreach", [
      ...base().slice(1),
      http.get(`${API}/outreach/stats`, () => json({ detail: "The outreach service is not answering" }, 503)),
    ]);
    expect(await screen.findByText("The outreach service is not answering", {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("gives viewers no write controls", async () => {
    const user = userEvent.setup();
    renderAt("/dashboard/outreach", [
      ...base(),
      http.get(`${API}/outreach/suppression`, () => json(page([{ email: "gone@acme.test", reason: "manual" }], 1))),
    ], "viewer");
    expect(await screen.findByText("ada@acme.test")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Run outreach" })).toBeNull();
    expect(screen.getByText("Read only")).toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: "Suppression list" }));
    expect(await screen.findByText("gone@acme.test")).toBeInTheDocument();
    expect(screen.queryByLabelText("Address to suppress")).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove/ })).toBeNull();
    await user.click(screen.getByRole("tab", { name: "Templates" }));
    expect(await within(screen.getByRole("tabpanel")).findByText("Follow-up")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "New template" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Edit/ })).toBeNull();
  });
});
