import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { API, http, HttpResponse, json, page, renderAt } from "../test/harness";

const LEAD = "11111111-1111-1111-1111-111111111111";

const contact = (over: Record<string, unknown> = {}) => ({
  contact_id: "c0000000-0000-0000-0000-000000000001",
  lead_id: LEAD,
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@acme.test",
  phone: null,
  title: "VP Engineering",
  priority: "P1",
  source: "apollo",
  company_name: "Acme Corp",
  state: "TX",
  validation_status: "valid",
  last_outreach_at: null,
  created_at: "2026-11-20T10:00:00Z",
  updated_at: "2026-11-20T10:00:00Z",
  ...over,
});

const STATS = {
  total: 12,
  by_priority: { P1: 3, P2: 2, P3: 4, P4: 1, P5: 2 },
  by_validation_status: { valid: 5, invalid: 2, none: 5 },
  by_source: { apollo: 10, manual: 2 },
  trend: [],
};

function handlers(seen: URL[], rows = [contact(), contact({ contact_id: "c2", first_name: "Bob", last_name: "Ray", email: "bob@beta.test", priority: "P5", validation_status: null, company_name: "Beta" })]) {
  return [
    http.get(`${API}/contacts/stats`, () => json(STATS)),
    http.get(`${API}/contacts`, ({ request }) => {
      seen.push(new URL(request.url));
      return json(page(rows, 40));
    }),
  ];
}

describe("Contacts page", () => {
  it("shows stat cards and the contacts with priority and validation badges and a link to the lead", async () => {
    const seen: URL[] = [];
    renderAt("/dashboard/contacts", handlers(seen));
    expect(await screen.findByText("ada@acme.test")).toBeInTheDocument();
    const row = screen.getByText("ada@acme.test").closest("tr")!;
    expect(within(row).getByText("Ada Lovelace")).toBeInTheDocument();
    expect(within(row).getByText("P1").className).toMatch(/green/);
    expect(within(row).getByText("Valid")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: "View lead" })).toHaveAttribute("href", `/dashboard/leads?lead_id=${LEAD}`);
    const bob = screen.getByText("bob@beta.test").closest("tr")!;
    expect(within(bob).getByText("P5").className).toMatch(/slate/);
    expect(within(bob).getByText("Not validated")).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: /^P3\s*4/ })).toBeInTheDocument();
    expect(seen[0].searchParams.get("sort")).toBe("priority");
    expect(seen[0].searchParams.get("order")).toBe("asc");
    expect(screen.getByText("1–25 of 40")).toBeInTheDocument();
  });

  it("sends search, filters, card clicks, sorting and the lead_id of the address bar", async () => {
    const seen: URL[] = [];
    const user = userEvent.setup();
    renderAt(`/dashboard/contacts?lead_id=${LEAD}`, handlers(seen));
    await screen.findByText("ada@acme.test");
    expect(seen.at(-1)!.searchParams.get("lead_id")).toBe(LEAD);

    await user.type(screen.getByRole("searchbox", { name: "Search contacts" }), "ada");
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("search")).toBe("ada"));

    await user.selectOptions(screen.getByRole("combobox", { name: "Validation" }), "catch_all");
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("validation_status")).toBe("catch_all"));

    await user.selectOptions(await screen.findByRole("combobox", { name: "Source" }), "manual");
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("source")).toBe("manual"));

    await user.click(screen.getByRole("button", { name: /^P2\s*2/ }));
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("priority")).toBe("P2"));
    expect(screen.getByRole("combobox", { name: "Priority" })).toHaveValue("P2");

    await user.click(screen.getByRole("button", { name: /^All contacts/ }));
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("priority")).toBeNull());
    expect(seen.at(-1)!.searchParams.get("validation_status")).toBeNull();
    expect(seen.at(-1)!.searchParams.get("source")).toBe("manual");

    await user.click(screen.getByRole("button", { name: /Email/ }));
    await waitFor(() => expect(seen.at(-1)!.searchParams.get("sort")).toBe("email"));
    expect(seen.at(-1)!.searchParams.get("lead_id")).toBe(LEAD);
  });

  it("edits a contact with only the changed fields, and deletes one after confirming", async () => {
    const seen: URL[] = [];
    const bodies: unknown[] = [];
    let deleted = "";
    const user = userEvent.setup();
    renderAt("/dashboard/contacts", [
      ...handlers(seen),
      http.put(`${API}/contacts/:id`, async ({ request, params }) => {
        bodies.push({ id: params.id, body: await request.json() });
        return json(contact({ title: "CTO" }));
      }),
      http.delete(`${API}/contacts/:id`, ({ params }) => {
        deleted = String(params.id);
        return new HttpResponse(null, { status: 204 });
      }),
    ]);
    await user.click(await screen.findByRole("button", { name: "Edit ada@acme.test" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit contact" });
    const title = within(dialog).getByLabelText("Title");
    await user.clear(title);
    await user.type(title, "CTO");
    await user.selectOptions(within(dialog).getByLabelText("Priority"), "P2");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(bodies).toEqual([{ id: "c0000000-0000-0000-0000-000000000001", body: { title: "CTO", priority: "P2" } }]),
    );
    expect(await screen.findByText("Saved ada@acme.test.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Delete bob@beta.test" }));
    const confirm = await screen.findByRole("dialog", { name: "Delete contact" });
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deleted).toBe("c2"));
    expect(await screen.findByText("Deleted bob@beta.test.")).toBeInTheDocument();
  });

  it("adds a contact to the lead of the address bar and shows a refusal's message", async () => {
    const user = userEvent.setup();
    let body: unknown = null;
    renderAt(`/dashboard/contacts?lead_id=${LEAD}`, [
      ...handlers([]),
      http.post(`${API}/contacts`, async ({ request }) => {
        body = await request.json();
        return json({ detail: "ada@acme.test is already a contact of this lead" }, 409);
      }),
    ]);
    await user.click(await screen.findByRole("button", { name: "Add contact" }));
    const dialog = await screen.findByRole("dialog", { name: "Add contact" });
    expect(within(dialog).getByLabelText("Lead ID")).toHaveValue(LEAD);
    await user.type(within(dialog).getByLabelText("Email"), "ada@acme.test");
    await user.click(within(dialog).getByRole("button", { name: "Add" }));
    expect(await within(dialog).findByText("ada@acme.test is already a contact of this lead")).toBeInTheDocument();
    expect(body).toMatchObject({ lead_id: LEAD, email: "ada@acme.test", priority: null });
  });

  it("shows the API's error with a retry", async () => {
    renderAt("/dashboard/contacts", [
      http.get(`${API}/contacts/stats`, () => json(STATS)),
      http.get(`${API}/contacts`, () => json({ detail: "The enrichment service is not answering" }, 503)),
    ]);
    expect(await screen.findByText("The enrichment service is not answering", {}, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });

  it("gives viewers no write controls", async () => {
    renderAt("/dashboard/contacts", handlers([]), "viewer");
    await screen.findByText("ada@acme.test");
    expect(screen.getByText("Read only")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Add contact" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Edit/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Delete/ })).toBeNull();
    expect(screen.getAllByRole("link", { name: "View lead" })).toHaveLength(2);
  });
});
