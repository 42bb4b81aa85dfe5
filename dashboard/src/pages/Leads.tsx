// Leads (SOP §13.2): stat cards by status that filter the table, search, status/source/state filters,
// sortable columns, page sizes, status change per row, CSV/XLSX import and CSV export, a lead's contacts.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, call, download } from "../api/client";
import {
  LEAD_STATUSES, pageSize, type LeadListQuery, type LeadRow, type LeadSort, type LeadStatus,
} from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { ImportLeadsModal } from "../components/leads/ImportLeadsModal";
import { LeadContactsModal } from "../components/leads/LeadContactsModal";
import { DataTable, FilterSelect, Pagination, SearchInput, Toolbar, type Column } from "../components/table";
import {
  Badge, Button, ErrorNote, Notice, PageHeader, StatCard, StatGrid, StatusBadge, toneOf,
} from "../components/ui";
import { formatDate, formatNumber, humanize, text } from "../lib/format";
import { useTableState } from "../lib/hooks";

const SORTS: readonly string[] = [
  "created_at", "updated_at", "posted_at", "company_name", "job_title", "city", "state", "status", "industry",
  "salary_min", "salary_max", "contact_count", "quality_score",
] satisfies LeadSort[];

function keysOf(counts: Record<string, number> | undefined): string[] {
  return Object.keys(counts ?? {})
    .filter((k) => k && k !== "none")
    .sort();
}

/** The API's query for the table's URL state (the URL says sort_by/sort_dir, the API sort/order). */
function leadQuery(state: ReturnType<typeof useTableState>): LeadListQuery {
  const q: LeadListQuery = {
    page: state.page,
    page_size: pageSize(state.pageSize),
    sort: (SORTS.includes(state.sortBy) ? state.sortBy : "created_at") as LeadSort,
    order: state.sortDir,
  };
  if (state.search) q.search = state.search;
  if (state.filters.status) q.status = state.filters.status;
  if (state.filters.source) q.source = state.filters.source;
  if (state.filters.state) q.state = state.filters.state;
  if (state.filters.lead_id) q.lead_id = state.filters.lead_id;
  return q;
}

function exportPath(q: LeadListQuery): string {
  const params = new URLSearchParams();
  for (const key of ["status", "source", "state", "search", "sort", "order"] as const) {
    const v = q[key];
    if (v) params.set(key, String(v));
  }
  const qs = params.toString();
  return `/api/v1/leads/export/csv${qs ? `?${qs}` : ""}`;
}

export function LeadsPage() {
  const user = useUser();
  const writer = canOperate(user);
  const queryClient = useQueryClient();
  const state = useTableState({ sortBy: "created_at", sortDir: "desc" }, ["status", "source", "state", "lead_id"]);
  const query = leadQuery(state);
  const [importing, setImporting] = useState(false);
  const [contactsOf, setContactsOf] = useState<LeadRow | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const [exporting, setExporting] = useState(false);

  const stats = useQuery({
    queryKey: ["leads", "stats"],
    queryFn: () => call(api.GET("/api/v1/leads/stats")),
  });
  const leads = useQuery({
    queryKey: ["leads", query],
    queryFn: () => call(api.GET("/api/v1/leads", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const rows = leads.data?.items as LeadRow[] | undefined;

  const changeStatus = useMutation({
    mutationFn: ({ lead, status }: { lead: LeadRow; status: LeadStatus }) =>
      call(
        api.PUT("/api/v1/leads/{lead_id}/status", {
          params: { path: { lead_id: lead.lead_id } },
          body: { status },
        }),
      ),
    onSuccess: (_data, { lead, status }) => {
      setOutcome({ ok: true, message: `${lead.company_name} is now ${humanize(status)}.` });
      void queryClient.invalidateQueries({ queryKey: ["leads"] });
    },
    onError: (error, { lead }) => {
      setOutcome({ ok: false, message: `${lead.company_name}: ${error instanceof Error ? error.message : String(error)}` });
    },
  });

  const exportCsv = async () => {
    setExporting(true);
    setOutcome(null);
    try {
      await download(exportPath(query), "leads.csv");
    } catch (error) {
      setOutcome({ ok: false, message: `Export failed: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      setExporting(false);
    }
  };

  const byStatus = stats.data?.by_status ?? {};
  const statusOptions = [...LEAD_STATUSES, ...keysOf(byStatus).filter((s) => !LEAD_STATUSES.includes(s as LeadStatus))];

  const columns: Column<LeadRow>[] = [
    {
      key: "company",
      header: "Company",
      sort: "company_name",
      render: (l) => <span className="font-medium text-slate-900">{l.company_name}</span>,
    },
    {
      key: "job_title",
      header: "Job title",
      sort: "job_title",
      render: (l) =>
        l.job_link ? (
          <a href={l.job_link} target="_blank" rel="noreferrer" className="text-blue-700 hover:underline">
            {l.job_title}
          </a>
        ) : (
          l.job_title
        ),
    },
    {
      key: "location",
      header: "Location",
      sort: "state",
      render: (l) => [l.city, l.state].filter(Boolean).join(", ") || "—",
    },
    {
      key: "source",
      header: "Source",
      render: (l) => (l.sources?.length ? l.sources.join(", ") : text(l.origin)),
    },
    {
      key: "status",
      header: "Status",
      sort: "status",
      render: (l) =>
        writer ? (
          <select
            aria-label={`Status of ${l.company_name}`}
            className="rounded-md border-0 py-1 pl-2 pr-7 text-xs ring-1 ring-inset ring-slate-300"
            value={l.status}
            disabled={changeStatus.isPending && changeStatus.variables?.lead.lead_id === l.lead_id}
            onChange={(e) => changeStatus.mutate({ lead: l, status: e.target.value as LeadStatus })}
          >
            {(statusOptions.includes(l.status) ? statusOptions : [l.status, ...statusOptions]).map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </select>
        ) : (
          <StatusBadge status={l.status} />
        ),
    },
    { key: "posted", header: "Posted", sort: "posted_at", render: (l) => formatDate(l.posted_at) },
    { key: "created", header: "Created", sort: "created_at", render: (l) => formatDate(l.created_at) },
    {
      key: "contacts",
      header: "Contact count",
      sort: "contact_count",
      className: "text-right",
      render: (l) => (
        <div className="flex items-center justify-end gap-2">
          <span>{formatNumber(l.contact_count ?? 0)}</span>
          <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => setContactsOf(l)}>
            Contacts
          </Button>
        </div>
      ),
    },
  ];

  return (
    <div>
      <PageHeader title="Leads">
        {writer ? null : <Badge tone="gray">Read only</Badge>}
        <Button busy={exporting} onClick={() => void exportCsv()}>
          Export CSV
        </Button>
        {writer ? (
          <Button variant="primary" onClick={() => setImporting(true)}>
            Import leads
          </Button>
        ) : null}
      </PageHeader>

      <div className="mb-4">
        {stats.error ? (
          <ErrorNote error={stats.error} onRetry={() => void stats.refetch()} />
        ) : (
          <StatGrid>
            <StatCard
              label="All leads"
              value={stats.data ? formatNumber(stats.data.total) : "…"}
              tone="blue"
              active={!state.filters.status}
              onClick={() => state.setFilter("status", "")}
            />
            {statusOptions.map((s) => (
              <StatCard
                key={s}
                label={humanize(s)}
                value={stats.data ? formatNumber(byStatus[s] ?? 0) : "…"}
                tone={toneOf(s)}
                active={state.filters.status.toUpperCase() === s}
                onClick={() => state.setFilter("status", state.filters.status.toUpperCase() === s ? "" : s)}
              />
            ))}
          </StatGrid>
        )}
      </div>

      <Toolbar>
        <SearchInput
          label="Search leads"
          placeholder="Company, job title or city"
          value={state.search}
          onSearch={state.setSearch}
        />
        <FilterSelect
          label="Status"
          value={state.filters.status}
          options={statusOptions.map((s) => ({ value: s, label: humanize(s) }))}
          onChange={(v) => state.setFilter("status", v)}
        />
        <FilterSelect
          label="Source"
          value={state.filters.source}
          options={withCurrent(keysOf(stats.data?.by_source), state.filters.source)}
          onChange={(v) => state.setFilter("source", v)}
        />
        <FilterSelect
          label="State"
          value={state.filters.state}
          options={withCurrent(keysOf(stats.data?.by_state), state.filters.state)}
          onChange={(v) => state.setFilter("state", v)}
        />
      </Toolbar>

      {state.filters.lead_id ? (
        <div className="mb-3 flex items-center gap-2 text-sm text-slate-600">
          Showing one lead (from its contact).
          <Button variant="ghost" onClick={() => state.setFilter("lead_id", "")}>
            Show all leads
          </Button>
        </div>
      ) : null}
      {outcome ? (
        <div className="mb-3">
          {outcome.ok ? <Notice>{outcome.message}</Notice> : <Notice tone="red">{outcome.message}</Notice>}
        </div>
      ) : null}

      <DataTable
        columns={columns}
        rows={rows}
        rowKey={(l) => l.lead_id}
        state={state}
        isLoading={leads.isLoading}
        error={leads.error}
        onRetry={() => void leads.refetch()}
        empty={
          state.search || state.filters.status || state.filters.source || state.filters.state || state.filters.lead_id
            ? "No leads match these filters."
            : "No leads yet. Run lead sourcing or import a file."
        }
      />
      <Pagination total={leads.data?.total} state={state} />
      {leads.data && leads.data.total_exact === false ? (
        <p className="mt-1 text-xs text-slate-500">The total is an estimate (more than 10,000 matches).</p>
      ) : null}

      {writer ? <ImportLeadsModal open={importing} onClose={() => setImporting(false)} /> : null}
      <LeadContactsModal lead={contactsOf} onClose={() => setContactsOf(null)} />
    </div>
  );
}

/** The options, with the URL's current value kept even when the stats do not list it (yet). */
function withCurrent(options: string[], current: string): string[] {
  return current && !options.includes(current) ? [current, ...options] : options;
}
