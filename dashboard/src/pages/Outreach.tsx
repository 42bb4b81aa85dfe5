// Outreach (SOP §5): today's sends against the daily limit, a run (mail merge or send) followed to its end
// with its files, the recent runs' exports, and the events, the do-not-contact list and the templates.
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { EventsTab } from "../components/outreach/EventsTab";
import { ExportsList } from "../components/outreach/ExportsList";
import { RunOutreach } from "../components/outreach/RunOutreach";
import { SuppressionTab } from "../components/outreach/SuppressionTab";
import { TemplatesTab } from "../components/outreach/TemplatesTab";
import { ErrorNote, PageHeader, StatCard, toneOf } from "../components/ui";
import { formatNumber, formatPercent, humanize } from "../lib/format";
import { useTableState } from "../lib/hooks";

const TABS = [
  { id: "events", label: "Events" },
  { id: "suppression", label: "Suppression list" },
  { id: "templates", label: "Templates" },
] as const;
type TabId = (typeof TABS)[number]["id"];

/** Sent today against the daily limit: yellow from 80 %, red when the limit is reached. */
function DailyBar({ sent, limit }: { sent: number; limit: number }) {
  const pct = limit > 0 ? Math.min(100, Math.round((sent / limit) * 100)) : 0;
  const color = pct >= 100 ? "bg-red-500" : pct >= 80 ? "bg-yellow-500" : "bg-green-500";
  return (
    <div role="progressbar" aria-label="Sent today of the daily limit" aria-valuenow={sent} aria-valuemin={0} aria-valuemax={limit}
      className="mt-1 h-2 w-full overflow-hidden rounded bg-slate-200">
      <div className={`h-full ${color}`} style={{ width: `${pct}%` }} />
    </div>
  );
}

export function OutreachPage() {
  const user = useUser();
  const writer = canOperate(user);
  const [params, setParams] = useSearchParams();
  const tab: TabId = TABS.some((t) => t.id === params.get("tab")) ? (params.get("tab") as TabId) : "events";
  const events = useTableState({}, ["status", "channel"]);
  const setTab = (id: TabId) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (id === "events") next.delete("tab");
        else next.set("tab", id);
        return next;
      },
      { replace: true },
    );

  const stats = useQuery({
    queryKey: ["outreach", "stats"],
    queryFn: () => call(api.GET("/api/v1/outreach/stats")),
  });
  const s = stats.data;
  // The status filter and the Events tab in one change of the address bar.
  const showStatus = (status: string) =>
    events.setFilters({ status: events.filters.status === status && tab === "events" ? "" : status, tab: "" });

  return (
    <div className="space-y-4">
      <PageHeader title="Outreach">{writer ? null : <span className="text-sm text-slate-500">Read only</span>}</PageHeader>

      {stats.error ? (
        <ErrorNote error={stats.error} onRetry={() => void stats.refetch()} />
      ) : (
        <section aria-label="Outreach stats" className="space-y-3">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5">
            <StatCard
              label="Sent today"
              value={s ? `${formatNumber(s.sent_today)} / ${formatNumber(s.daily_limit)}` : "…"}
              hint={s ? <DailyBar sent={s.sent_today} limit={s.daily_limit} /> : undefined}
              tone="blue"
            />
            <StatCard label="Remaining today" value={s ? formatNumber(s.remaining_today) : "…"} tone={s && s.remaining_today === 0 ? "red" : "green"} />
            <StatCard label="Suppressed" value={s ? formatNumber(s.suppressed) : "…"} hint="On the do-not-contact list" tone="gray"
              onClick={() => setTab("suppression")} active={tab === "suppression"} />
            <StatCard label="Ready mailboxes" value={s ? formatNumber(s.ready_mailboxes) : "…"} tone={s && s.ready_mailboxes === 0 ? "yellow" : "green"} />
            <StatCard label="Bounce rate" value={s ? formatPercent(s.bounce_rate) : "…"}
              hint={s ? `${formatNumber(s.bounced_total)} bounced of ${formatNumber(s.sent_total + s.bounced_total)}` : undefined}
              tone={s && s.bounce_rate >= 0.05 ? "red" : "gray"} />
          </div>
          {s && Object.keys(s.by_status).length ? (
            <div className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8">
              {Object.entries(s.by_status).map(([status, n]) => (
                <StatCard key={status} label={humanize(status)} value={formatNumber(n)} tone={toneOf(status) === "blue" ? "blue" : toneOf(status)}
                  active={tab === "events" && events.filters.status === status} onClick={() => showStatus(status)} />
              ))}
            </div>
          ) : null}
        </section>
      )}

      {writer ? <RunOutreach /> : null}
      <ExportsList />

      <section className="min-w-0">
        <div role="tablist" aria-label="Outreach records" className="mb-3 flex gap-1 border-b border-slate-200">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`outreach-tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls={`outreach-panel-${t.id}`}
              onClick={() => setTab(t.id)}
              className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${
                tab === t.id ? "border-blue-600 text-blue-700" : "border-transparent text-slate-600 hover:text-slate-900"
              }`}
            >
              {t.label}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`outreach-panel-${tab}`} aria-labelledby={`outreach-tab-${tab}`}>
          {tab === "events" ? <EventsTab state={events} /> : null}
          {tab === "suppression" ? <SuppressionTab writer={writer} /> : null}
          {tab === "templates" ? <TemplatesTab writer={writer} /> : null}
        </div>
      </section>
    </div>
  );
}
