// "Run outreach" (SOP §5.1): mail merge or send (optionally a dry run), then the run followed until it
// ends — its status and counts, and the mail merge's files to download.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import type { OutreachMode, OutreachRunRequest, PipelineRun } from "../../api/types";
import { humanize } from "../../lib/format";
import { Button, Card, ErrorNote, Field, inputClass, StatusBadge } from "../ui";
import { ExportButtons, hasExport } from "./ExportButtons";

export const ACTIVE_RUN = new Set(["queued", "running", "cancelling"]);
export const POLL_MS = 1500;

export function RunCounts({ counts }: { counts: Record<string, number> | undefined }) {
  const entries = Object.entries(counts ?? {});
  if (!entries.length) return <span className="text-slate-500">—</span>;
  return (
    <span className="flex flex-wrap gap-x-3 gap-y-0.5">
      {entries.map(([k, v]) => (
        <span key={k} className="whitespace-nowrap">
          {humanize(k)}: <strong>{v.toLocaleString()}</strong>
        </span>
      ))}
    </span>
  );
}

/** The run just started, asked for every 1.5 s until it is no longer queued or running. */
function TrackedRun({ runId, mode, dryRun }: { runId: string; mode: OutreachMode; dryRun: boolean }) {
  const queryClient = useQueryClient();
  const run = useQuery({
    queryKey: ["pipelines", "runs", runId],
    queryFn: () => call(api.GET("/api/v1/pipelines/runs/{run_id}", { params: { path: { run_id: runId } } })),
    refetchInterval: (q) => (q.state.error || (q.state.data && !ACTIVE_RUN.has(q.state.data.status)) ? false : POLL_MS),
    staleTime: 0,
  });
  const status = run.data?.status;
  const finished = !!status && !ACTIVE_RUN.has(status);
  useEffect(() => {
    if (finished) {
      void queryClient.invalidateQueries({ queryKey: ["pipelines", "runs", { pipeline: "outreach" }] });
      void queryClient.invalidateQueries({ queryKey: ["outreach"] });
    }
  }, [finished, queryClient]);
  return (
    <div className="mt-4 space-y-2 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm" aria-live="polite">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{mode === "mailmerge" ? "Mail merge" : dryRun ? "Send (dry run)" : "Send"} run</span>
        {status ? <StatusBadge status={status} /> : <StatusBadge status="queued" />}
        {!finished ? <span className="text-slate-500">updating every 1.5 s…</span> : null}
      </div>
      {run.error ? <ErrorNote error={run.error} onRetry={() => void run.refetch()} /> : null}
      {run.data ? <RunCounts counts={run.data.counts} /> : null}
      {run.data?.error_message ? <ErrorNote error={run.data.error_message} /> : null}
      {run.data && hasExport(run.data as PipelineRun, mode) ? <ExportButtons runId={runId} /> : null}
    </div>
  );
}

export function RunOutreach() {
  // The API's default mode is the outreach_send_mode setting (smtp → send, mailmerge → mailmerge).
  const setting = useQuery({
    queryKey: ["settings", "outreach_send_mode"],
    queryFn: () => call(api.GET("/api/v1/settings/{key}", { params: { path: { key: "outreach_send_mode" } } })),
    retry: false,
  });
  const templates = useQuery({
    queryKey: ["outreach", "templates"],
    queryFn: () => call(api.GET("/api/v1/outreach/templates")),
  });
  const [chosen, setChosen] = useState<OutreachMode | null>(null);
  const mode: OutreachMode = chosen ?? (setting.data?.value === "smtp" ? "send" : "mailmerge");
  const [dryRun, setDryRun] = useState(false);
  const [limit, setLimit] = useState("");
  const [templateId, setTemplateId] = useState("");
  const [started, setStarted] = useState<{ runId: string; mode: OutreachMode; dryRun: boolean } | null>(null);

  const run = useMutation({
    mutationFn: (body: OutreachRunRequest) => call(api.POST("/api/v1/pipelines/outreach/run", { body })),
    onSuccess: (accepted, body) =>
      setStarted({ runId: accepted.run_id, mode: body.mode ?? "mailmerge", dryRun: !!body.dry_run }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const send = mode === "send";
    const body: OutreachRunRequest = { mode, dry_run: send && dryRun };
    if (limit.trim()) body.limit = Number(limit);
    if (send && templateId) body.template_id = templateId;
    run.mutate(body);
  };
  const send = mode === "send";
  return (
    <section aria-label="Run outreach">
      <Card title="Run outreach">
        <form onSubmit={submit} className="space-y-3">
          <div className="grid grid-cols-2 items-end gap-3 lg:grid-cols-[1fr_10rem_1fr_auto]">
            <Field label="Mode">
              <select className={inputClass} value={mode} onChange={(e) => setChosen(e.target.value as OutreachMode)}>
                <option value="mailmerge">Mail merge (CSV + guide)</option>
                <option value="send">Send (through the ready mailboxes)</option>
              </select>
            </Field>
            <Field label="Limit">
              <input className={inputClass} type="number" min={1} max={100000} placeholder="All eligible" value={limit}
                onChange={(e) => setLimit(e.target.value)} />
            </Field>
            <Field label="Template">
              <select className={inputClass} value={templateId} disabled={!send} onChange={(e) => setTemplateId(e.target.value)}>
                <option value="">The default template</option>
                {(templates.data?.items ?? []).map((t) => (
                  <option key={t.template_id} value={t.template_id}>{t.name}{t.is_default ? " (default)" : ""}</option>
                ))}
              </select>
            </Field>
            <label className="flex items-center gap-2 pb-2 text-sm">
              <input type="checkbox" checked={send && dryRun} disabled={!send} onChange={(e) => setDryRun(e.target.checked)} />
              Dry run
            </label>
          </div>
          <p className="text-xs text-slate-500">
            {send
              ? "Sends to every eligible contact (valid, not suppressed, not cooling down) within the daily limit. A dry run works out who would be written to and sends nothing."
              : "Exports every eligible contact to a CSV and a mail-merge guide for your email client. Template and dry run apply to send mode."}
          </p>
          <Button type="submit" variant="primary" busy={run.isPending}>Run outreach</Button>
        </form>
        {run.error ? <div className="mt-3"><ErrorNote error={run.error} /></div> : null}
        {started ? <TrackedRun key={started.runId} {...started} /> : null}
      </Card>
    </section>
  );
}
