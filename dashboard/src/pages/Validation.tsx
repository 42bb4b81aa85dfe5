// Validation (SOP §4): how many contacts are valid, invalid, catch-all, unknown or not validated yet; the
// latest result per address with what the validator saw; a validation run; a check of one address now.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, call } from "../api/client";
import { RESULT_STATUSES, VALIDATION_PROVIDERS, type ResultStatus, type ValidationResult } from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { validationLabel } from "../components/contacts/bits";
import { DataTable, FilterSelect, Pagination, Toolbar, type Column } from "../components/table";
import { Button, ErrorNote, Modal, Notice, PageHeader, StatCard, StatusBadge, toneOf } from "../components/ui";
import { CheckAddress } from "../components/validation/CheckAddress";
import { ResultDetails } from "../components/validation/ResultDetails";
import { formatDate, formatNumber, humanize, text } from "../lib/format";
import { useTableState } from "../lib/hooks";

export function ValidationPage() {
  const user = useUser();
  const writer = canOperate(user);
  const navigate = useNavigate();
  const state = useTableState({}, ["status", "provider"]);
  const { status, provider } = state.filters;
  const [shown, setShown] = useState<ValidationResult | null>(null);

  const stats = useQuery({
    queryKey: ["contacts", "stats", {}],
    queryFn: () => call(api.GET("/api/v1/contacts/stats")),
  });
  const query = {
    page: state.page,
    page_size: state.pageSize as 10 | 25 | 50 | 100,
    status: (status || undefined) as ResultStatus | undefined,
    provider: provider || undefined,
  };
  const results = useQuery({
    queryKey: ["validation", "results", query],
    queryFn: () => call(api.GET("/api/v1/validation/results", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const rows = results.data?.items as ValidationResult[] | undefined;

  const run = useMutation({
    mutationFn: () => call(api.POST("/api/v1/pipelines/email-validation/run")),
  });

  const byStatus = stats.data?.by_validation_status ?? {};
  const total = stats.data?.total ?? 0;
  const validated = total - (byStatus.none ?? 0);
  const providers = [...VALIDATION_PROVIDERS];
  for (const r of rows ?? []) if (!providers.includes(r.provider)) providers.push(r.provider);
  if (provider && !providers.includes(provider)) providers.push(provider);

  const columns: Column<ValidationResult>[] = [
    { key: "email", header: "Email", render: (r) => <span className="whitespace-nowrap font-medium text-slate-900">{r.email}</span> },
    { key: "status", header: "Status", render: (r) => <StatusBadge status={r.status} /> },
    { key: "reason", header: "Reason", render: (r) => (r.sub_status ? humanize(r.sub_status) : "—") },
    { key: "provider", header: "Provider", render: (r) => text(r.provider) },
    { key: "checked", header: "Checked", render: (r) => <span className="whitespace-nowrap">{formatDate(r.checked_at)}</span> },
    {
      key: "details",
      header: "Details",
      render: (r) => (
        <Button variant="ghost" onClick={() => setShown(r)} aria-label={`Details of ${r.email}`}>Details</Button>
      ),
    },
  ];

  return (
    <div className="space-y-4">
      <PageHeader title="Validation">
        {writer ? (
          <Button variant="primary" busy={run.isPending} onClick={() => run.mutate()}>Run validation</Button>
        ) : (
          <span className="text-sm text-slate-500">Read only</span>
        )}
      </PageHeader>

      {run.error ? <ErrorNote error={run.error} /> : null}
      {run.data ? (
        <Notice>
          Run queued: it validates every contact not validated yet. Follow it on{" "}
          <Link className="font-medium underline" to="/dashboard/pipelines">the Pipelines page</Link>.
        </Notice>
      ) : null}

      {stats.error ? (
        <ErrorNote error={stats.error} onRetry={() => void stats.refetch()} />
      ) : (
        <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
          <StatCard
            label="Contacts validated"
            value={stats.data ? formatNumber(validated) : "…"}
            hint={stats.data ? `of ${formatNumber(total)} contacts` : undefined}
            tone="blue"
            active={!status}
            onClick={() => state.setFilter("status", "")}
          />
          {RESULT_STATUSES.map((s) => (
            <StatCard
              key={s}
              label={validationLabel(s)}
              value={stats.data ? formatNumber(byStatus[s] ?? 0) : "…"}
              tone={toneOf(s)}
              active={status === s}
              onClick={() => state.setFilter("status", status === s ? "" : s)}
            />
          ))}
          <StatCard
            label="Not validated"
            value={stats.data ? formatNumber(byStatus.none ?? 0) : "…"}
            hint="Show these contacts"
            onClick={() => navigate("/dashboard/contacts?validation_status=none")}
          />
        </div>
      )}

      <CheckAddress canCheck={writer} />

      <section aria-label="Results" className="min-w-0">
          <Toolbar>
            <h2 className="mr-auto text-sm font-semibold text-slate-800">Latest result per address</h2>
            <FilterSelect label="Status" value={status}
              options={RESULT_STATUSES.map((s) => ({ value: s, label: validationLabel(s) }))}
              onChange={(v) => state.setFilter("status", v)} />
            <FilterSelect label="Provider" value={provider} options={providers} onChange={(v) => state.setFilter("provider", v)} />
          </Toolbar>
          <DataTable
            columns={columns}
            rows={rows}
            rowKey={(r) => r.email}
            isLoading={results.isLoading}
            error={results.error}
            onRetry={() => void results.refetch()}
            empty="No results match. Results appear after a validation run or a check."
          />
          <Pagination total={results.data?.total} state={state} />
      </section>

      <Modal title={shown ? `Result for ${shown.email}` : "Result"} open={!!shown} onClose={() => setShown(null)} wide>
        {shown ? <ResultDetails result={shown} /> : null}
      </Modal>
    </div>
  );
}
