// "Download CSV" / "Download guide" of a mail-merge run (GET /pipelines/runs/{id}/export?file=csv|guide).
import { useState } from "react";
import { download } from "../../api/client";
import type { PipelineRun } from "../../api/types";
import { Button, ErrorNote } from "../ui";

/** A run with files to download: a completed mail merge (an outreach run answers its own ``mode``). */
export function hasExport(run: PipelineRun, mode?: string): boolean {
  const runMode = typeof run.mode === "string" ? run.mode : mode;
  return run.status === "completed" && (runMode === "mailmerge" || typeof run.export_csv === "string");
}

export function ExportButtons({ runId }: { runId: string }) {
  const [busy, setBusy] = useState<"csv" | "guide" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const get = async (file: "csv" | "guide") => {
    setBusy(file);
    setError(null);
    try {
      await download(
        `/api/v1/pipelines/runs/${runId}/export?file=${file}`,
        file === "csv" ? `outreach-${runId}.csv` : `outreach-${runId}-mail-merge-guide.txt`,
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <Button busy={busy === "csv"} onClick={() => void get("csv")}>Download CSV</Button>
        <Button busy={busy === "guide"} onClick={() => void get("guide")}>Download guide</Button>
      </div>
      {error ? <ErrorNote error={error} /> : null}
    </div>
  );
}
