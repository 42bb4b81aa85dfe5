// Outreach events (GET /outreach/events): one per contact reached, skipped, failed or deferred.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { CHANNELS, EVENT_STATUSES, type Channel, type EventStatus, type OutreachEventRow } from "../../api/types";
import { formatDate, humanize, text } from "../../lib/format";
import type { TableState } from "../../lib/hooks";
import { DataTable, FilterSelect, Pagination, SearchInput, Toolbar, type Column } from "../table";
import { StatusBadge } from "../ui";

const columns: Column<OutreachEventRow>[] = [
  { key: "created", header: "When", render: (e) => <span className="whitespace-nowrap">{formatDate(e.sent_at ?? e.created_at)}</span> },
  { key: "email", header: "Email", render: (e) => <span className="whitespace-nowrap font-medium text-slate-900">{e.email}</span> },
  { key: "channel", header: "Channel", render: (e) => (e.channel === "mailmerge" ? "Mail merge" : e.channel === "smtp" ? "SMTP" : text(e.channel)) },
  { key: "status", header: "Status", render: (e) => <StatusBadge status={e.status} /> },
  { key: "reason", header: "Reason", render: (e) => (e.skip_reason ? humanize(e.skip_reason) : "—") },
  {
    key: "smtp",
    header: "Server reply",
    render: (e) => (e.smtp_code || e.smtp_reply ? <span className="text-xs">{[e.smtp_code, e.smtp_reply].filter(Boolean).join(" ")}</span> : "—"),
  },
  { key: "attempts", header: "Attempts", render: (e) => String(e.attempts ?? 0) },
];

/** `state` is the page's URL-kept table state (filters status and channel). */
export function EventsTab({ state }: { state: TableState }) {
  const { status, channel } = state.filters;
  const query = {
    page: state.page,
    page_size: state.pageSize as 10 | 25 | 50 | 100,
    status: (status || undefined) as EventStatus | undefined,
    channel: (channel || undefined) as Channel | undefined,
    search: state.search || undefined,
  };
  const events = useQuery({
    queryKey: ["outreach", "events", query],
    queryFn: () => call(api.GET("/api/v1/outreach/events", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  return (
    <div>
      <Toolbar>
        <SearchInput value={state.search} onSearch={state.setSearch} label="Search events" placeholder="Part of the email address…" />
        <FilterSelect label="Status" value={status} options={EVENT_STATUSES.map((s) => ({ value: s, label: humanize(s) }))}
          onChange={(v) => state.setFilter("status", v)} />
        <FilterSelect label="Channel" value={channel}
          options={CHANNELS.map((c) => ({ value: c, label: c === "smtp" ? "SMTP" : "Mail merge" }))}
          onChange={(v) => state.setFilter("channel", v)} />
      </Toolbar>
      <DataTable
        columns={columns}
        rows={events.data?.items as OutreachEventRow[] | undefined}
        rowKey={(e) => e.event_id}
        isLoading={events.isLoading}
        error={events.error}
        onRetry={() => void events.refetch()}
        empty="No outreach events match."
      />
      <Pagination total={events.data?.total} state={state} />
    </div>
  );
}
