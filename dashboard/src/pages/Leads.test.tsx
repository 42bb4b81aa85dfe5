import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { API, http, json, page, renderAt } from "../test/harness";

const STATS = {
  total: 12,
  by_status: { NEW: 5, ENRICHED: 3, CONTACTED: 4 },
  by_source: { jsearch: 8, apollo: 4, none: 1 },
  by_state: { TX: 7, CA: 5 },
  trend: [],
};

const ACME = {
  lead_id: "11111111-1111-1111-1111-111111111111",
  company_name: "Acme Corp",
  job_title: "Payroll Manager",
  city: "Austin",
  state: "TX",
  sources: ["jsearch"],
  status: "NEW",
  posted_at: "2026-11-02T10:00:00Z",
  created_at: "2026-11-03T10:00:00Z",
  contact_count: 2,
};
const GLOBEX = { ...ACME, lead_id: "22222222-2222-2222-2222-222222222222", company_name: "Globex", state: "CA", contact_count: 0 };

/** The handlers of the page, with every /leads list request's query string kept in `seen`. */
function handlers(seen: URLSearchParams[] = [], items = [ACME, GLOBEX]) {
  return [
    http.get(`${API}/leads/stats`, () => json(STATS)),
    http.get(`${API}/leads`, ({ request }) => {
      seen.push(new URL(request.url).searchParams);
      return json({ ...page(items), total_exact: true });
    }),
  ];
}

afterEach(() => vi.restoreAllMocks());

describe("Leads page", () => {
  it("shows the stat cards and rows, and maps cards, search, filters and sorting to the API's query", async () => {
    const seen: URLSearchParams[] = [];
    const ue = userEvent.setup();
    renderAt("/dashboard/leads", handlers(seen));

    expect(await screen.findByText("Acme Corp")).toBeInTheDocument();
    expect(screen.getByText("Globex")).toBeInTheDocument();
    expect(screen.getAllByText("Austin, TX")).toHaveLength(1);
    expect(seen.at(-1)?.get("sort")).toBe("created_at");
    expect(seen.at(-1)?.get("order")).toBe("desc");
    expect(seen.at(-1)?.get("page_size")).toBe("25");
    await screen.findByRole("option", { name: "jsearch" });

    // A stat card sets the status filter; "All leads" clears it.
    await ue.click(screen.getByRole("button", { name: /Contacted\s*4/ }));
    await waitFor(() => expect(seen.at(-1)?.get("status")).toBe("CONTACTED"));
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue("CONTACTED");
    await ue.click(screen.getByRole("button", { name: /All leads\s*12/ }));
    // (the unfiltered page is still cached, so no new request: the filter shows it)
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue(""));
    expect(screen.getByRole("button", { name: /All leads\s*12/ })).toHaveAttribute("aria-pressed", "true");

    // Filters from the stats answer ("none" is not offered).
    const source = screen.getByRole("combobox", { name: "Source" });
    expect(within(source).queryByRole("option", { name: "none" })).toBeNull();
    await ue.selectOptions(source, "jsearch");
    await waitFor(() => expect(seen.at(-1)?.get("source")).toBe("jsearch"));
    await ue.selectOptions(screen.getByRole("combobox", { name: "State" }), "TX");
    await waitFor(() => expect(seen.at(-1)?.get("state")).toBe("TX"));

    await ue.type(screen.getByRole("searchbox", { name: "Search leads" }), "acme");
    await waitFor(() => expect(seen.at(-1)?.get("search")).toBe("acme"));

    // Sorting: the URL's sort_by/sort_dir become the API's sort/order.
    await ue.click(screen.getByRole("button", { name: /Company/ }));
    await waitFor(() => {
      expect(seen.at(-1)?.get("sort")).toBe("company_name");
      expect(seen.at(-1)?.get("order")).toBe("asc");
    });
    await ue.selectOptions(screen.getByRole("combobox", { name: "Rows per page" }), "50");
    await waitFor(() => expect(seen.at(-1)?.get("page_size")).toBe("50"));
  });

  it("opens with the URL's filter (a link from the home page)", async () => {
    const seen: URLSearchParams[] = [];
    renderAt("/dashboard/leads?status=CONTACTED", handlers(seen));
    await screen.findByText("Acme Corp");
    expect(seen.at(-1)?.get("status")).toBe("CONTACTED");
    expect(screen.getByRole("button", { name: /Contacted\s*4/ })).toHaveAttribute("aria-pressed", "true");
  });

  it("shows one lead from a contact's link, and all of them again", async () => {
    const seen: URLSearchParams[] = [];
    renderAt(`/dashboard/leads?lead_id=${ACME.lead_id}`, handlers(seen, [ACME]));
    await screen.findByText("Acme Corp");
    expect(seen.at(-1)?.get("lead_id")).toBe(ACME.lead_id);
    await userEvent.click(screen.getByRole("button", { name: "Show all leads" }));
    await waitFor(() => expect(seen.at(-1)?.get("lead_id")).toBeNull());
  });

  it("changes a lead's status and shows the server's refusal", async () => {
    const bodies: unknown[] = [];
    let refuse = false;
    const ue = userEvent.setup();
    renderAt("/dashboard/leads", [
      ...handlers(),
      http.put(`${API}/leads/:id/status`, async ({ request, params }) => {
        bodies.push({ id: params.id, body: await request.json() });
        return refuse
          ? json({ detail: "a NEW lead cannot become CONVERTED; allowed: ARCHIVED, ENRICHED" }, 409)
          : json({ ...ACME, status: "ENRICHED" });
      }),
    ]);
    await ue.selectOptions(await screen.findByRole("combobox", { name: "Status of Acme Corp" }), "ENRICHED");
    expect(await screen.findByText("Acme Corp is now Enriched.")).toBeInTheDocument();
    expect(bodies[0]).toEqual({ id: ACME.lead_id, body: { status: "ENRICHED" } });

    refuse = true;
    await ue.selectOptions(screen.getByRole("combobox", { name: "Status of Globex" }), "CONVERTED");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Globex: a NEW lead cannot become CONVERTED; allowed: ARCHIVED, ENRICHED",
    );
  });

  it("checks a file (dry run), shows the rejected rows, then imports", async () => {
    // (jsdom's File loses its name and content in Node's multipart encoder; a browser sends both.)
    const sent: { dryRun: unknown; file: boolean }[] = [];
    let answer: Record<string, unknown> = {};
    const ue = userEvent.setup();
    renderAt("/dashboard/leads", [
      ...handlers(),
      http.post(`${API}/leads/import`, async ({ request }) => {
        const form = await request.formData();
        sent.push({ dryRun: form.get("dry_run"), file: form.has("file") });
        return json(answer);
      }),
    ]);
    await ue.click(await screen.findByRole("button", { name: "Import leads" }));
    const dialog = screen.getByRole("dialog", { name: "Import leads" });
    expect(within(dialog).getByRole("button", { name: "Check file" })).toBeDisabled();
    const file = new File(["company_name,job_title\nAcme,Payroll\n,Clerk\n"], "leads.csv", { type: "text/csv" });
    await ue.upload(within(dialog).getByLabelText("File"), file);

    answer = {
      status: "rejected", rows: 2, valid: 1, invalid: 1, inserted: 0, skipped: {}, error_count: 1,
      errors: [{ row: 3, field: "company_name", message: "is required", value: "" }],
      preview: [
        { row: 2, values: { company_name: "Acme", job_title: "Payroll" }, errors: [] },
        { row: 3, values: { company_name: "", job_title: "Clerk" }, errors: ["row 3, company_name: is required"] },
      ],
    };
    await ue.click(within(dialog).getByRole("button", { name: "Check file" }));
    const errors = await within(dialog).findByRole("table", { name: "Rows with errors" });
    expect(within(errors).getByText("is required")).toBeInTheDocument();
    expect(within(errors).getByText("company_name")).toBeInTheDocument();
    expect(sent[0]).toEqual({ dryRun: "true", file: true });

    answer = {
      status: "preview", rows: 1, valid: 1, invalid: 0, inserted: 0, skipped: {}, errors: [],
      preview: [{ row: 2, values: { company_name: "Acme", job_title: "Payroll", state: "TX" }, errors: [] }],
    };
    await ue.click(within(dialog).getByRole("button", { name: "Check file" }));
    const preview = await within(dialog).findByRole("table", { name: "Preview" });
    expect(within(preview).getByText("Payroll")).toBeInTheDocument();

    answer = { ...answer, status: "imported", inserted: 1, skipped: { duplicate_in_db: 2 } };
    await ue.click(within(dialog).getByRole("button", { name: "Import" }));
    expect(await within(dialog).findByText(/Imported 1 of 1 rows; skipped 2 duplicate in db/)).toBeInTheDocument();
    expect(sent[2]).toEqual({ dryRun: "false", file: true });
  });

  it("shows a file the server cannot read as its message", async () => {
    const ue = userEvent.setup();
    renderAt("/dashboard/leads", [
      ...handlers(),
      http.post(`${API}/leads/import`, () =>
        json({ detail: { message: "the header has no company_name column", errors: [], file_error: true } }, 422),
      ),
    ]);
    await ue.click(await screen.findByRole("button", { name: "Import leads" }));
    const dialog = screen.getByRole("dialog", { name: "Import leads" });
    await ue.upload(within(dialog).getByLabelText("File"), new File(["x\n"], "bad.csv", { type: "text/csv" }));
    await ue.click(within(dialog).getByRole("button", { name: "Check file" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("the header has no company_name column");
  });

  it("lists a lead's contacts in a modal with a link to the Contacts page", async () => {
    let asked = "";
    const ue = userEvent.setup();
    renderAt("/dashboard/leads", [
      ...handlers(),
      http.get(`${API}/contacts`, ({ request }) => {
        asked = new URL(request.url).searchParams.get("lead_id") ?? "";
        return json(
          page([
            {
              contact_id: "c1", lead_id: ACME.lead_id, first_name: "Jane", last_name: "Doe", title: "CFO",
              email: "jane@acme.com", priority: "P1", validation_status: "valid",
            },
            {
              contact_id: "c2", lead_id: ACME.lead_id, first_name: "Bob", last_name: null, title: null,
              email: "bob@acme.com", priority: "P4", validation_status: null,
            },
          ]),
        );
      }),
    ]);
    await screen.findByText("Acme Corp");
    await ue.click(screen.getAllByRole("button", { name: "Contacts" })[0]);
    const dialog = await screen.findByRole("dialog", { name: "Contacts of Acme Corp" });
    expect(await within(dialog).findByText("jane@acme.com")).toBeInTheDocument();
    expect(within(dialog).getByText("Jane Doe")).toBeInTheDocument();
    expect(within(dialog).getByText("P1")).toBeInTheDocument();
    expect(within(dialog).getByText("Valid")).toBeInTheDocument();
    expect(within(dialog).getByText("Not validated")).toBeInTheDocument();
    expect(asked).toBe(ACME.lead_id);
    expect(within(dialog).getByRole("link", { name: "Open in Contacts" })).toHaveAttribute(
      "href",
      `/dashboard/contacts?lead_id=${ACME.lead_id}`,
    );
  });

  it("exports the filtered leads as CSV", async () => {
    let exported: URLSearchParams | null = null;
    const createObjectURL = vi.fn(() => "blob:leads");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const ue = userEvent.setup();
    renderAt("/dashboard/leads?status=NEW&state=TX", [
      ...handlers(),
      http.get(`${API}/leads/export/csv`, ({ request }) => {
        exported = new URL(request.url).searchParams;
        return new Response("company_name\nAcme\n", {
          headers: { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="leads-1.csv"' },
        });
      }),
    ]);
    await screen.findByText("Acme Corp");
    await ue.click(screen.getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(createObjectURL).toHaveBeenCalled());
    expect(exported!.get("status")).toBe("NEW");
    expect(exported!.get("state")).toBe("TX");
    expect(exported!.get("sort")).toBe("created_at");
  });

  it("shows the API's error in place of the table", async () => {
    renderAt("/dashboard/leads", [
      http.get(`${API}/leads/stats`, () => json(STATS)),
      http.get(`${API}/leads`, () => json({ detail: "state: must be a two-letter US state code" }, 422)),
    ]);
    expect(await screen.findByRole("alert")).toHaveTextContent("state: must be a two-letter US state code");
  });

  it("gives viewers no write controls", async () => {
    renderAt("/dashboard/leads", handlers(), "viewer");
    await screen.findByText("Acme Corp");
    expect(screen.getByText("Read only")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Import leads" })).toBeNull();
    expect(screen.queryByRole("combobox", { name: "Status of Acme Corp" })).toBeNull();
    expect(screen.getByRole("button", { name: "Export CSV" })).toBeEnabled();
  });
});
