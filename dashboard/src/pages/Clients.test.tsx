import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { API, http, json, page, renderAt } from "../test/harness";

const ACME = {
  client_id: "aaaaaaaa-0000-0000-0000-000000000001",
  company_name: "Acme Corp",
  industry: "Manufacturing",
  status: "PROSPECT",
  category: "REGULAR",
  lead_count: 14,
  recent_lead_count: 11,
  website: "https://acme.example",
  notes: null,
  first_seen_at: "2026-10-01T10:00:00Z",
  last_seen_at: "2026-11-03T10:00:00Z",
};
const INITECH = { ...ACME, client_id: "aaaaaaaa-0000-0000-0000-000000000002", company_name: "Initech", category: "PROSPECT", lead_count: 0 };

function list(seen: URLSearchParams[] = []) {
  return http.get(`${API}/clients`, ({ request }) => {
    seen.push(new URL(request.url).searchParams);
    return json(page([ACME, INITECH]));
  });
}

describe("Clients page", () => {
  it("lists clients and maps search, filters and sorting to the API's query", async () => {
    const seen: URLSearchParams[] = [];
    const ue = userEvent.setup();
    renderAt("/dashboard/clients", [list(seen)]);
    expect(await screen.findByText("Acme Corp")).toBeInTheDocument();
    expect(screen.getByText("Initech")).toBeInTheDocument();
    expect(screen.getByText("Regular", { selector: "span" })).toHaveAttribute("title", "10 or more postings in 90 days");
    expect(seen.at(-1)?.get("sort")).toBe("last_seen_at");
    expect(seen.at(-1)?.get("order")).toBe("desc");

    await ue.selectOptions(screen.getByRole("combobox", { name: "Status" }), "ACTIVE");
    await waitFor(() => expect(seen.at(-1)?.get("status")).toBe("ACTIVE"));
    await ue.selectOptions(screen.getByRole("combobox", { name: "Category" }), "OCCASIONAL");
    await waitFor(() => expect(seen.at(-1)?.get("category")).toBe("OCCASIONAL"));
    await ue.type(screen.getByRole("searchbox", { name: "Search clients" }), "acme");
    await waitFor(() => expect(seen.at(-1)?.get("search")).toBe("acme"));
    await ue.click(screen.getByRole("button", { name: /^Leads$/ }));
    await waitFor(() => {
      expect(seen.at(-1)?.get("sort")).toBe("lead_count");
      expect(seen.at(-1)?.get("order")).toBe("asc");
    });
  });

  it("adds a client", async () => {
    const bodies: unknown[] = [];
    const ue = userEvent.setup();
    renderAt("/dashboard/clients", [
      list(),
      http.post(`${API}/clients`, async ({ request }) => {
        bodies.push(await request.json());
        return json({ ...ACME, client_id: "new", company_name: "Hooli" }, 201);
      }),
    ]);
    await ue.click(await screen.findByRole("button", { name: "Add client" }));
    const dialog = screen.getByRole("dialog", { name: "Add client" });
    await ue.type(within(dialog).getByLabelText("Company name"), "Hooli");
    await ue.type(within(dialog).getByLabelText("Industry"), "Tech");
    await ue.selectOptions(within(dialog).getByLabelText("Status"), "ACTIVE");
    await ue.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Hooli added.")).toBeInTheDocument();
    expect(bodies).toEqual([{ company_name: "Hooli", industry: "Tech", status: "ACTIVE" }]);
    expect(screen.queryByRole("dialog", { name: "Add client" })).toBeNull();
  });

  it("edits only the changed fields and shows a refusal", async () => {
    const bodies: unknown[] = [];
    const ue = userEvent.setup();
    renderAt("/dashboard/clients", [
      list(),
      http.put(`${API}/clients/:id`, async ({ request, params }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push({ id: params.id, body });
        return body.company_name === "Globex"
          ? json({ detail: "Globex is already a client" }, 409)
          : json({ ...ACME, ...body });
      }),
    ]);
    await screen.findByText("Acme Corp");
    await ue.click(screen.getAllByRole("button", { name: "Edit" })[0]);
    const dialog = screen.getByRole("dialog", { name: "Edit client" });
    expect(within(dialog).getByLabelText("Company name")).toHaveValue("Acme Corp");
    await ue.clear(within(dialog).getByLabelText("Industry"));
    await ue.type(within(dialog).getByLabelText("Notes"), "Key account");
    await ue.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Acme Corp saved.")).toBeInTheDocument();
    expect(bodies[0]).toEqual({ id: ACME.client_id, body: { industry: null, notes: "Key account" } });

    await ue.click(screen.getAllByRole("button", { name: "Edit" })[0]);
    const again = screen.getByRole("dialog", { name: "Edit client" });
    const name = within(again).getByLabelText("Company name");
    await ue.clear(name);
    await ue.type(name, "Globex");
    await ue.click(within(again).getByRole("button", { name: "Save" }));
    expect(await within(again).findByRole("alert")).toHaveTextContent("Globex is already a client");
  });

  it("deletes a client after confirming, and shows why one cannot be deleted", async () => {
    const deleted: unknown[] = [];
    const ue = userEvent.setup();
    renderAt("/dashboard/clients", [
      list(),
      http.delete(`${API}/clients/:id`, ({ params }) => {
        deleted.push(params.id);
        return params.id === ACME.client_id
          ? json({ detail: "Acme Corp still has 14 leads" }, 409)
          : new Response(null, { status: 204 });
      }),
    ]);
    await screen.findByText("Acme Corp");
    await ue.click(screen.getAllByRole("button", { name: "Delete" })[0]);
    let dialog = screen.getByRole("dialog", { name: "Delete client" });
    await ue.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Acme Corp still has 14 leads");
    await ue.click(within(dialog).getByRole("button", { name: "Cancel" }));

    await ue.click(screen.getAllByRole("button", { name: "Delete" })[1]);
    dialog = screen.getByRole("dialog", { name: "Delete client" });
    expect(dialog).toHaveTextContent("Delete Initech?");
    await ue.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Initech deleted.")).toBeInTheDocument();
    expect(deleted).toEqual([ACME.client_id, INITECH.client_id]);
  });

  it("shows the API's error", async () => {
    renderAt("/dashboard/clients", [http.get(`${API}/clients`, () => new Response(null, { status: 503 }))]);
    expect(await screen.findByRole("alert")).toHaveTextContent("A service is not answering");
  });

  it("gives viewers no write controls", async () => {
    renderAt("/dashboard/clients", [list()], "viewer");
    await screen.findByText("Acme Corp");
    expect(screen.getByText("Read only")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Add client" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
  });
});
