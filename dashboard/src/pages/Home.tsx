// Dashboard home (SOP §13.1 "KPIs, trends, category breakdown"): lead, contact and outreach KPIs that
// link to the filtered pages, activity per day over 7/30/90 days, and counts by source, state, priority.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { CategoryChart, TrendChart, type Category, type TrendPoint } from "../components/home/Charts";
import { KpiCard } from "../components/home/KpiCard";
import { Card, ErrorNote, PageHeader, StatGrid, toneOf } from "../components/ui";
import { formatNumber, formatPercent, humanize } from "../lib/format";

const PERIODS = [7, 30, 90] as const;
const LEAD_CARDS = ["NEW", "ENRICHED", "VALIDATED", "CONTACTED", "RESPONDED"] as const;
const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"];

function useDays(): [number, (days: number) => void] {
  const [params, setParams] = useSearchParams();
  const asked = Number(params.get("days"));
  const days = (PERIODS as readonly number[]).includes(asked) ? asked : 30;
  const setDays = (next: number) =>
    setParams(
      (prev) => {
        const p = new URLSearchParams(prev);
        if (next === 30) p.delete("days");
        else p.set("days", String(next));
        return p;
      },
      { replace: true },
    );
  return [days, setDays];
}

/** The three stats answers' trends, one row per day. */
function mergeTrends(
  leads: { date: string; created: number }[] | undefined,
  contacts: { date: string; created: number }[] | undefined,
  outreach: { date: string; sent: number; bounced: number }[] | undefined,
): TrendPoint[] {
  const byDay = new Map<string, TrendPoint>();
  const at = (date: string) => {
    let p = byDay.get(date);
    if (!p) byDay.set(date, (p = { date }));
    return p;
  };
  for (const d of leads ?? []) at(d.date).leads = d.created;
  for (const d of contacts ?? []) at(d.date).contacts = d.created;
  for (const d of outreach ?? []) {
    const p = at(d.date);
    p.sent = d.sent;
    p.bounced = d.bounced;
  }
  return [...byDay.values()].sort((a, b) => a.date.localeCompare(b.date));
}

export function HomePage() {
  const [days, setDays] = useDays();
  const leads = useQuery({
    queryKey: ["leads", "stats", { days }],
    queryFn: () => call(api.GET("/api/v1/leads/stats", { params: { query: { days } } })),
    placeholderData: keepPreviousData,
  });
  const contacts = useQuery({
    queryKey: ["contacts", "stats", { days }],
    queryFn: () => call(api.GET("/api/v1/contacts/stats", { params: { query: { days } } })),
    placeholderData: keepPreviousData,
  });
  const outreach = useQuery({
    queryKey: ["outreach", "stats", { days }],
    queryFn: () => call(api.GET("/api/v1/outreach/stats", { params: { query: { days } } })),
    placeholderData: keepPreviousData,
  });
  const l = leads.data;
  const c = contacts.data;
  const o = outreach.data;
  const dots = "…";

  const byValidation = c?.by_validation_status ?? {};
  const validated = c ? c.total - (byValidation.none ?? 0) : 0;
  const valid = byValidation.valid ?? 0;
  const validRate = validated > 0 ? valid / validated : null;

  const trend = mergeTrends(l?.trend, c?.trend, o?.trend);
  const trendError = leads.error ?? contacts.error ?? outreach.error;
  const trendLoading = leads.isLoading || contacts.isLoading || outreach.isLoading;

  const bySource: Category[] = Object.entries(l?.by_source ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) =>
      name === "none"
        ? { name: "No source", value }
        : { name, value, link: `/dashboard/leads?source=${encodeURIComponent(name)}` },
    );
  const byState: Category[] = Object.entries(l?.by_state ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, value]) =>
      name === "none" ? { name: "Unknown", value } : { name, value, link: `/dashboard/leads?state=${encodeURIComponent(name)}` },
    );
  const byPriority: Category[] = [
    ...PRIORITIES.map((p) => ({
      name: p,
      value: c?.by_priority?.[p] ?? 0,
      link: `/dashboard/contacts?priority=${p}`,
    })),
    ...(c?.by_priority?.none ? [{ name: "Not ranked", value: c.by_priority.none }] : []),
  ];

  return (
    <div className="space-y-5">
      <PageHeader title="Dashboard">
        <div role="group" aria-label="Trend period" className="inline-flex overflow-hidden rounded-md ring-1 ring-slate-300">
          {PERIODS.map((p) => (
            <button
              key={p}
              type="button"
              aria-pressed={days === p}
              onClick={() => setDays(p)}
              className={`px-3 py-1.5 text-sm font-medium ${
                days === p ? "bg-blue-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50"
              }`}
            >
              {p} days
            </button>
          ))}
        </div>
      </PageHeader>

      <section aria-labelledby="kpi-leads" className="space-y-2">
        <h2 id="kpi-leads" className="text-sm font-semibold text-slate-700">Leads</h2>
        {leads.error ? (
          <ErrorNote error={leads.error} onRetry={() => void leads.refetch()} />
        ) : (
          <StatGrid>
            <KpiCard label="All leads" value={l ? formatNumber(l.total) : dots} tone="blue" to="/dashboard/leads" />
            {LEAD_CARDS.map((s) => (
              <KpiCard
                key={s}
                label={humanize(s)}
                value={l ? formatNumber(l.by_status[s] ?? 0) : dots}
                tone={toneOf(s)}
                to={`/dashboard/leads?status=${s}`}
              />
            ))}
          </StatGrid>
        )}
      </section>

      <section aria-labelledby="kpi-outreach" className="space-y-2">
        <h2 id="kpi-outreach" className="text-sm font-semibold text-slate-700">Contacts and outreach</h2>
        {contacts.error ? <ErrorNote error={contacts.error} onRetry={() => void contacts.refetch()} /> : null}
        {outreach.error ? <ErrorNote error={outreach.error} onRetry={() => void outreach.refetch()} /> : null}
        <StatGrid>
          {contacts.error ? null : (
            <>
              <KpiCard
                label="Contacts"
                value={c ? formatNumber(c.total) : dots}
                hint={c ? `P1 ${formatNumber(c.by_priority.P1 ?? 0)} · P2 ${formatNumber(c.by_priority.P2 ?? 0)}` : undefined}
                tone="blue"
                to="/dashboard/contacts"
              />
              <KpiCard
                label="Valid rate"
                value={c ? formatPercent(validRate) : dots}
                hint={c ? `${formatNumber(valid)} valid of ${formatNumber(validated)} validated` : undefined}
                tone={validRate === null ? "gray" : validRate >= 0.7 ? "green" : validRate >= 0.4 ? "yellow" : "red"}
                to="/dashboard/contacts?validation_status=valid"
              />
            </>
          )}
          {outreach.error ? null : (
            <>
              <KpiCard
                label="Sent today"
                value={o ? `${formatNumber(o.sent_today)} / ${formatNumber(o.daily_limit)}` : dots}
                hint={o ? `${formatNumber(o.remaining_today)} left of the daily limit` : undefined}
                tone={o && o.daily_limit > 0 && o.sent_today >= o.daily_limit ? "red" : "green"}
                to="/dashboard/outreach"
              />
              <KpiCard
                label="Bounce rate"
                value={o ? formatPercent(o.bounce_rate) : dots}
                hint={o ? `${formatNumber(o.bounced_total)} bounced, ${formatNumber(o.sent_total)} sent in ${days} days` : undefined}
                tone={!o ? "gray" : o.bounce_rate >= 0.05 ? "red" : o.bounce_rate >= 0.02 ? "yellow" : "green"}
                to="/dashboard/outreach"
              />
              <KpiCard
                label="Reply rate"
                value={o && typeof o.reply_rate === "number" ? formatPercent(o.reply_rate) : "—"}
                hint={o && typeof o.reply_rate === "number" ? undefined : "not tracked yet"}
              />
              <KpiCard
                label="Ready mailboxes"
                value={o ? formatNumber(o.ready_mailboxes) : dots}
                hint={o ? `${formatNumber(o.suppressed)} addresses suppressed` : undefined}
                tone={o && o.ready_mailboxes === 0 ? "yellow" : "green"}
                to="/dashboard/mailboxes"
              />
            </>
          )}
        </StatGrid>
      </section>

      <Card title={`Activity per day (last ${days} days)`}>
        {trendError && !trend.length ? (
          <ErrorNote error={trendError} />
        ) : trendLoading && !trend.length ? (
          <p className="py-6 text-center text-sm text-slate-500">Loading…</p>
        ) : (
          <TrendChart data={trend} days={days} />
        )}
      </Card>

      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Leads by source">
          {leads.error ? <ErrorNote error={leads.error} /> : <CategoryChart title="Leads by source" data={bySource} />}
        </Card>
        <Card title="Leads by state (top 10)">
          {leads.error ? (
            <ErrorNote error={leads.error} />
          ) : (
            <CategoryChart title="Leads by state (top 10)" data={byState} color="#0891b2" />
          )}
        </Card>
        <Card title="Contacts by priority">
          {contacts.error ? (
            <ErrorNote error={contacts.error} />
          ) : (
            <CategoryChart title="Contacts by priority" data={c ? byPriority : []} color="#16a34a" />
          )}
        </Card>
      </div>
    </div>
  );
}
