import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, it } from "vitest";
import { API, http, json, renderAt } from "../test/harness";

// Recharts' ResponsiveContainer measures its parent with ResizeObserver (absent in jsdom).
beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

function days(n: number, make: (date: string, i: number) => Record<string, unknown>) {
  return Array.from({ length: n }, (_, i) => {
    const date = new Date(Date.UTC(2026, 10, 1 + i)).toISOString().slice(0, 10);
    return { date, ...make(date, i) };
  });
}

const LEAD_STATS = (n: number) => ({
  total: 120,
  by_status: { NEW: 50, ENRICHED: 30, VALIDATED: 20, CONTACTED: 15, ARCHIVED: 5 },
  by_source: { jsearch: 80, apollo: 40, none: 2 },
  by_state: { TX: 60, CA: 40, NY: 20 },
  trend: days(n, () => ({ created: 2 })),
});
const CONTACT_STATS = (n: number) => ({
  total: 200,
  by_priority: { P1: 40, P2: 60, P3: 50, P4: 30, P5: 10, none: 10 },
  by_validation_status: { valid: 90, invalid: 20, catch_all: 10, unknown: 0, none: 80 },
  by_source: { apollo: 150, manual: 50 },
  trend: days(n, () => ({ created: 3 })),
});
const OUTREACH_STATS = (n: number) => ({
  sent_today: 45,
  daily_limit: 200,
  remaining_today: 155,
  by_status: { sent: 300, failed: 4 },
  by_channel: { smtp: 300 },
  suppressed: 7,
  ready_mailboxes: 3,
  trend: days(n, () => ({ sent: 10, bounced: 1, failed: 0, exported: 0 })),
  sent_total: 300,
  bounced_total: 9,
  bounce_rate: 0.029,
  reply_rate: null,
});

function handlers(asked: string[] = []) {
  const n = (url: string) => Number(new URL(url).searchParams.get("days") ?? 30);
  return [
    http.get(`${API}/leads/stats`, ({ request }) => {
      asked.push(`leads:${n(request.url)}`);
      return json(LEAD_STATS(n(request.url)));
    }),
    http.get(`${API}/contacts/stats`, ({ request }) => {
      asked.push(`contacts:${n(request.url)}`);
      return json(CONTACT_STATS(n(request.url)));
    }),
    http.get(`${API}/outreach/stats`, ({ request }) => {
      asked.push(`outreach:${n(request.url)}`);
      return json(OUTREACH_STATS(n(request.url)));
    }),
  ];
}

describe("Home page", () => {
  it("shows the KPIs, linked to the filtered pages", async () => {
    renderAt("/dashboard", handlers());
    const contacted = await screen.findByRole("link", { name: /Contacted\s*15/ });
    expect(contacted).toHaveAttribute("href", "/dashboard/leads?status=CONTACTED");
    expect(screen.getByRole("link", { name: /All leads\s*120/ })).toHaveAttribute("href", "/dashboard/leads");
    expect(await screen.findByRole("link", { name: /Contacts\s*200/ })).toHaveAttribute("href", "/dashboard/contacts");
    // valid / validated = 90 / (200 - 80)
    expect(screen.getByRole("link", { name: /Valid rate\s*75\.0%\s*90 valid of 120 validated/ })).toHaveAttribute(
      "href",
      "/dashboard/contacts?validation_status=valid",
    );
    expect(await screen.findByRole("link", { name: /Sent today\s*45 \/ 200\s*155 left/ })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Bounce rate\s*2\.9%\s*9 bounced, 300 sent in 30 days/ })).toBeInTheDocument();
    expect(screen.getByText("Reply rate").parentElement).toHaveTextContent("Reply rate—not tracked yet");
  });

  it("shows the trend and the category breakdown, and asks for another period", async () => {
    const asked: string[] = [];
    const ue = userEvent.setup();
    renderAt("/dashboard", handlers(asked));
    expect(screen.getByRole("heading", { name: "Activity per day (last 30 days)" })).toBeInTheDocument();
    const totals = await screen.findByRole("list", { name: "Totals" });
    await waitFor(() => expect(totals).toHaveTextContent("Emails sent: 300"));
    expect(totals).toHaveTextContent("Leads created: 60");
    expect(totals).toHaveTextContent("Contacts created: 90");
    expect(screen.getByRole("img", { name: /^Leads by source: jsearch 80, apollo 40, No source 2$/ })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: /^Leads by state \(top 10\): TX 60, CA 40, NY 20$/ })).toBeInTheDocument();
    expect(
      screen.getByRole("img", { name: /^Contacts by priority: P1 40, P2 60, P3 50, P4 30, P5 10, Not ranked 10$/ }),
    ).toBeInTheDocument();
    expect(asked.sort()).toEqual(["contacts:30", "leads:30", "outreach:30"]);

    const period = screen.getByRole("group", { name: "Trend period" });
    expect(within(period).getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");
    await ue.click(within(period).getByRole("button", { name: "7 days" }));
    await waitFor(() => expect(totals).toHaveTextContent("Emails sent: 70"));
    expect(asked).toEqual(expect.arrayContaining(["leads:7", "contacts:7", "outreach:7"]));
    expect(screen.getByRole("heading", { name: "Activity per day (last 7 days)" })).toBeInTheDocument();
    expect(within(period).getByRole("button", { name: "7 days" })).toHaveAttribute("aria-pressed", "true");
  });

  it("goes to the filtered leads from a card", async () => {
    const ue = userEvent.setup();
    renderAt("/dashboard", [
      ...handlers(),
      http.get(`${API}/leads`, () => json({ items: [], total: 0, page: 1, page_size: 25 })),
    ]);
    await ue.click(await screen.findByRole("link", { name: /Contacted\s*15/ }));
    expect(await screen.findByRole("heading", { name: "Leads" })).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue("CONTACTED");
  });

  it("shows a service's error where its numbers go and keeps the others", async () => {
    renderAt("/dashboard", [
      http.get(`${API}/leads/stats`, () => json(LEAD_STATS(30))),
      http.get(`${API}/contacts/stats`, () => json(CONTACT_STATS(30))),
      http.get(`${API}/outreach/stats`, () => new Response(null, { status: 503 })),
    ]);
    expect(await screen.findByRole("link", { name: /Contacted\s*15/ })).toBeInTheDocument();
    const alerts = await screen.findAllByRole("alert");
    expect(alerts[0]).toHaveTextContent("A service is not answering");
    expect(screen.queryByText("Sent today")).toBeNull();
    expect(screen.getByRole("link", { name: /Contacts\s*200/ })).toBeInTheDocument();
  });
});
