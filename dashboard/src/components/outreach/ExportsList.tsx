// Recent outreach runs (GET /pipelines/runs?pipeline=outreach), with the files of completed mail merges.
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { PipelineRun } from "../../api/types";
import { formatDate } from "../../lib/format";
import { DataTable, type Column } from "../table";
import { Card, Notice, StatusBadge } from "../ui";
import { ExportButtons, hasExport } from "./ExportButtons";
import { ACTIVE_RUN, POLL_MS, RunCounts } from "./RunOutreach";

const modeOf = (r: PipelineRun) => {
  if (r.mode === "mailmerge") return "Mail merge";
  if (r.mode === "send") return r.dry_run ? "Send (dry run)" : "Send";
  return "—";
};

export function ExportsList() {
  const runs = useQuery({
    queryKey: ["pipelines", "runs", { pipeline: "outreach" }],
    queryFn: () => call(api.GET("/api/v1/pipelines/runs", { params: { query: { pipeline: "outreach", limit: 20 } } })),
    // Runs still going are followed until they end.
    refetchInterval: (q) => (q.state.data?.items.some((r) => ACTIVE_RUN.has(r.status)) ? POLL_MS * 2 : false),
  });
  const columns: Column<PipelineRun>[] = [
    {
      key: "when",
      header: "Started",
      render: (r) => (
        <div className="whitespace-nowrap">
          <div>{formatDate(r.started_at ?? r.requested_at)}</div>
          {r.requested_by ? <div className="text-xs text-slate-500">by {r.requested_by}</div> : null}
        </div>
      ),
    },
    { key: "mode", header: "Mode", render: modeOf },
    { key: "status", header: "Status", render: (r) => <StatusBadge status={r.status} /> },
    { key: "counts", header: "Counts", render: (r) => <RunCounts counts={r.counts} /> },
    {
      key: "files",
      header: "Files",
      render: (r) => (hasExport(r) ? <ExportButtons runId={r.run_id} /> : <span className="text-slate-500">—</span>),
    },
  ];
  return (
    <section aria-label="Exports">
      <Card title="Exports">
        {runs.data?.unavailable?.length ? (
          <div className="mb-3">
            <Notice tone="yellow">The outreach service is not answering: its runs are missing.</Notice>
          </div>
        ) : null}
        <DataTable
          columns={columns}
          rows={runs.data?.items}
          rowKey={(r) => r.run_id}
          isLoading={runs.isLoading}
          error={runs.error}
          onRetry={() => void runs.refetch()}
          empty="No outreach runs yet."
        />
      </Card>
    </section>
  );
}
