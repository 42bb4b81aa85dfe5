// Pipelines (SOP §13.2): one-click runs of the four pipelines, live progress of running runs (server-sent
// events from the gateway), stats cards, the run history, and cancel.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import type { PipelineName, PipelineRun } from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { ACTIVE, useLiveRuns } from "../components/pipelines/live";
import { DataTable, FilterSelect, Pagination, Toolbar, type Column } from "../components/table";
import { Badge, Button, Card, ErrorNote, inputClass, Notice, PageHeader, StatCard, StatGrid, StatusBadge } from "../components/ui";
import { formatDate, humanize } from "../lib/format";
import { useTableState } from "../lib/hooks";

export const PIPELINES: { name: PipelineName; label: string; what: string; path: string; cancellable: boolean }[] = [
  {
    name: "lead_sourcing",
    label: "Lead sourcing",
    what: "Find job postings at hiring companies from the enabled job sources.",
    path: "/api/v1/pipelines/lead-sourcing/run",
    cancellable: true,
  },
  {
    name: "contact_enrichment",
    label: "Contact enrichment",
    what: "Find decision-makers at the companies of new leads.",
    path: "/api/v1/pipelines/contact-enrichment/run",
    cancellable: false,
  },
  {
    name: "email_validation",
    label: "Email validation",
    what: "Verify the contacts' email addresses before anyone is mailed.",
    path: "/api/v1/pipelines/email-validation/run",
    cancellable: false,
  },
  {
    name: "outreach",
    label: "Outreach",
    what: "Mail-merge export or direct send, as the outreach settings say.",
    path: "/api/v1/pipelines/outreach/run",
    cancellable: true,
  },
];

const LABEL = Object.fromEntries(PIPELINES.map((p) => [p.name, p.label])) as Record<string, string>;

function duration(run: PipelineRun): string {
  if (!run.started_at) return "—";
  const end = run.finished_at ? new Date(run.finished_at) : new Date();
  const s = Math.max(0, Math.round((end.getTime() - new Date(run.started_at).getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function Counts({ counts }: { counts: Record<string, number> | undefined }) {
  const entries = Object.entries(counts ?? {});
  if (!entries.length) return <span className="text-slate-400">—</span>;
  return (
    <span className="flex flex-wrap gap-x-3 gap-y-0.5">
      {entries.map(([k, v]) => (
        <span key={k} className="whitespace-nowrap">
          <span className="text-slate-500">{humanize(k)}</span> <span className="font-medium tabular-nums">{v}</span>
        </span>
      ))}
    </span>
  );
}

function useStartRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ pipeline, maxResults }: { pipeline: (typeof PIPELINES)[number]; maxResults?: number }) => {
      if (pipeline.name === "lead_sourcing") {
        return call(api.POST("/api/v1/pipelines/lead-sourcing/run", { body: maxResults ? { max_results: maxResults } : {} }));
      }
      // The other run routes take an optional body; an empty one runs with the settings' defaults.
      return call(api.POST(pipeline.path as "/api/v1/pipelines/contact-enrichment/run", { body: {} }));
    },
    onSuccess: async (accepted) => {
      queryClient.setQueryData<PipelineRun>(["run", accepted.run_id], {
        run_id: accepted.run_id,
        pipeline: accepted.pipeline,
        status: "queued",
        counts: {},
      });
      await queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
  });
}

function useCancelRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) =>
      call(api.POST("/api/v1/pipelines/runs/{run_id}/cancel", { params: { path: { run_id: runId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["runs"] }),
  });
}

function LiveRun({ run, onCancel, cancelling }: { run: PipelineRun; onCancel?: () => void; cancelling: boolean }) {
  return (
    <div
      data-testid="live-run"
      data-status={run.status}
      aria-label={`${LABEL[run.pipeline] ?? run.pipeline} run ${run.status}`}
      className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-blue-200 bg-blue-50 px-3 py-2 text-sm"
    >
      <div className="flex items-center gap-2">
        <span className="font-medium">{LABEL[run.pipeline] ?? run.pipeline}</span>
        <StatusBadge status={run.status} />
        <span className="text-slate-500">{duration(run)}</span>
      </div>
      <div aria-live="polite" className="flex-1">
        <Counts counts={run.counts} />
      </div>
      {onCancel ? (
        <Button variant="secondary" busy={cancelling} onClick={onCancel}>
          Cancel
        </Button>
      ) : null}
    </div>
  );
}

export function PipelinesPage() {
  const user = useUser();
  const operate = canOperate(user);
  const connected = useLiveRuns();
  const table = useTableState({ pageSize: 25 }, ["pipeline", "status"]);
  const start = useStartRun();
  const cancel = useCancelRun();
  const [started, setStarted] = useState<string | null>(null);
  const [maxResults, setMaxResults] = useState("");

  // Stats and live cards: the newest 200 runs of every pipeline.
  const recent = useQuery({
    queryKey: ["runs", "recent"],
    queryFn: () => call(api.GET("/api/v1/pipelines/runs", { params: { query: { limit: 200 } } })),
    // Without the live stream (a proxy that buffers it, say), the lists are read again every 5 s; with it,
    // every 15 s while a run is going, as a safety net for an update lost between reconnects.
    refetchInterval: (query) =>
      !connected ? 5000 : query.state.data?.items.some((r) => ACTIVE.has(r.status)) ? 15_000 : false,
  });
  const pipeline = (table.filters.pipeline || undefined) as PipelineName | undefined;
  const history = useQuery({
    queryKey: ["runs", "history", pipeline, table.page, table.pageSize],
    queryFn: () =>
      call(
        api.GET("/api/v1/pipelines/runs", {
          params: { query: { pipeline, limit: table.pageSize, offset: (table.page - 1) * table.pageSize } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: connected ? false : 5000,
  });

  const runs = recent.data?.items ?? [];
  const active = runs.filter((r) => ACTIVE.has(r.status));
  const byStatus = (s: string) => runs.filter((r) => r.status === s).length;
  const lastOf = (name: string) => runs.find((r) => r.pipeline === name);
  const statusFilter = table.filters.status;
  // The runs API pages by pipeline only; a status filter looks through the latest 200 runs here.
  const matching = statusFilter
    ? runs.filter((r) => r.status === statusFilter && (!pipeline || r.pipeline === pipeline))
    : undefined;
  const shown = matching
    ? { rows: matching.slice((table.page - 1) * table.pageSize, table.page * table.pageSize), total: matching.length }
    : { rows: history.data?.items, total: history.data?.total };
  const source = matching ? recent : history;

  const columns: Column<PipelineRun>[] = [
    { key: "pipeline", header: "Pipeline", render: (r) => LABEL[r.pipeline] ?? r.pipeline },
    { key: "status", header: "Status", render: (r) => <StatusBadge status={r.status} /> },
    { key: "started", header: "Started", render: (r) => formatDate(r.started_at ?? r.requested_at) },
    { key: "finished", header: "Finished", render: (r) => formatDate(r.finished_at) },
    { key: "duration", header: "Duration", render: duration },
    { key: "counts", header: "Records", render: (r) => <Counts counts={r.counts} /> },
    { key: "by", header: "Requested by", render: (r) => r.requested_by ?? "schedule" },
    {
      key: "error",
      header: "Error",
      render: (r) => (r.error_message ? <span className="text-red-700">{r.error_message}</span> : ""),
    },
    {
      key: "actions",
      header: "",
      render: (r) =>
        r.pipeline === "outreach" && r.status === "completed" ? <Link className="text-blue-700 hover:underline" to="/dashboard/outreach">Exports</Link> : null,
    },
  ];

  return (
    <div className="space-y-5">
      <PageHeader title="Pipelines">
        <Badge tone={connected ? "green" : "gray"} title="Run progress arrives as it happens while this is live">
          {connected ? "● Live" : "○ Connecting…"}
        </Badge>
      </PageHeader>

      <StatGrid>
        <StatCard label="Runs (latest 200)" value={runs.length} onClick={() => table.setFilter("status", "")} active={!statusFilter} />
        <StatCard label="Running" tone="blue" value={active.length} onClick={() => table.setFilter("status", "running")} active={statusFilter === "running"} />
        <StatCard label="Completed" tone="green" value={byStatus("completed")} onClick={() => table.setFilter("status", "completed")} active={statusFilter === "completed"} />
        <StatCard label="Failed" tone="red" value={byStatus("failed")} onClick={() => table.setFilter("status", "failed")} active={statusFilter === "failed"} />
        <StatCard label="Cancelled" value={byStatus("cancelled")} onClick={() => table.setFilter("status", "cancelled")} active={statusFilter === "cancelled"} />
        <StatCard
          label="Leads found"
          tone="green"
          value={runs.filter((r) => r.pipeline === "lead_sourcing").reduce((n, r) => n + (r.counts?.inserted ?? 0), 0)}
          hint="new leads, latest runs"
        />
      </StatGrid>

      <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-4">
        {PIPELINES.map((p) => {
          const last = lastOf(p.name);
          return (
            <Card key={p.name} title={p.label}>
              <p className="mb-3 min-h-10 text-sm text-slate-600">{p.what}</p>
              <div className="mb-3 text-xs text-slate-500">
                Last run: {last ? <><StatusBadge status={last.status} /> {formatDate(last.started_at ?? last.requested_at)}</> : "never"}
              </div>
              {p.name === "lead_sourcing" ? (
                <label className="mb-3 flex items-center gap-2 text-xs text-slate-600">
                  Max postings per source
                  <input
                    type="number"
                    min={1}
                    max={100000}
                    placeholder="default"
                    disabled={!operate}
                    value={maxResults}
                    onChange={(e) => setMaxResults(e.target.value)}
                    className={`${inputClass} w-24`}
                  />
                </label>
              ) : null}
              <Button
                variant="primary"
                disabled={!operate}
                title={operate ? undefined : "Viewers cannot start runs"}
                busy={start.isPending && start.variables?.pipeline.name === p.name}
                onClick={() =>
                  start.mutate(
                    { pipeline: p, maxResults: Number(maxResults) || undefined },
                    { onSuccess: (accepted) => setStarted(`${p.label} run queued (${accepted.run_id.slice(0, 8)})`) },
                  )
                }
              >
                Run {p.label.toLowerCase()}
              </Button>
            </Card>
          );
        })}
      </div>
      {!operate ? <Notice tone="gray">Read only: viewers see runs but cannot start or cancel them.</Notice> : null}
      {started ? <Notice>{started}</Notice> : null}
      {start.error ? <ErrorNote error={start.error} /> : null}
      {cancel.error ? <ErrorNote error={cancel.error} /> : null}

      <Card title="Running now">
        {recent.error ? (
          <ErrorNote error={recent.error} onRetry={() => recent.refetch()} />
        ) : active.length === 0 ? (
          <p className="text-sm text-slate-500">No run in progress.</p>
        ) : (
          <div className="space-y-2">
            {active.map((run) => {
              const cancellable = operate && PIPELINES.find((p) => p.name === run.pipeline)?.cancellable && run.status !== "cancelling";
              return (
                <LiveRun
                  key={run.run_id}
                  run={run}
                  cancelling={cancel.isPending && cancel.variables === run.run_id}
                  onCancel={cancellable ? () => cancel.mutate(run.run_id) : undefined}
                />
              );
            })}
          </div>
        )}
      </Card>

      <section>
        <h2 className="mb-2 text-sm font-semibold text-slate-800">Run history</h2>
        <Toolbar>
          <FilterSelect
            label="Pipeline"
            value={table.filters.pipeline}
            options={PIPELINES.map((p) => ({ value: p.name, label: p.label }))}
            onChange={(v) => table.setFilter("pipeline", v)}
          />
          <FilterSelect
            label="Status"
            value={statusFilter}
            options={["queued", "running", "completed", "failed", "cancelled"].map((s) => ({ value: s, label: humanize(s) }))}
            onChange={(v) => table.setFilter("status", v)}
          />
        </Toolbar>
        <DataTable
          columns={columns}
          rows={shown.rows}
          rowKey={(r) => r.run_id}
          isLoading={source.isLoading}
          error={source.error}
          onRetry={() => source.refetch()}
          empty={statusFilter ? "No run with this status among the latest 200." : "No runs yet: start one above."}
        />
        <Pagination total={shown.total} state={table} />
      </section>
    </div>
  );
}
