// "Import leads": a CSV/XLSX file checked first (dry run: a preview, or every bad row with its errors),
// then imported (all of the file's new leads or none).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { ImportPreviewRow, ImportResult, ImportRowError } from "../../api/types";
import { humanize, text } from "../../lib/format";
import { DataTable, type Column } from "../table";
import { Button, ErrorNote, Field, Modal, Notice, inputClass } from "../ui";

function sendImport(file: File, dryRun: boolean): Promise<ImportResult> {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("dry_run", dryRun ? "true" : "false");
  return call(
    api.POST("/api/v1/leads/import", { body: { file: file.name, dry_run: dryRun }, bodySerializer: () => form }),
  );
}

const ERROR_COLUMNS: Column<ImportRowError>[] = [
  { key: "row", header: "Row", render: (e) => e.row },
  { key: "field", header: "Field", render: (e) => text(e.field) },
  { key: "value", header: "Value", render: (e) => text(e.value), className: "max-w-48 truncate" },
  { key: "error", header: "Error", render: (e) => e.message, className: "text-red-700" },
];

const PREVIEW_COLUMNS: Column<ImportPreviewRow>[] = [
  { key: "row", header: "Row", render: (r) => r.row },
  { key: "company", header: "Company", render: (r) => text(r.values.company_name) },
  { key: "title", header: "Job title", render: (r) => text(r.values.job_title) },
  {
    key: "location",
    header: "Location",
    render: (r) => [r.values.city, r.values.state].filter(Boolean).map(String).join(", ") || "—",
  },
  { key: "problems", header: "Problems", render: (r) => r.errors.join("; "), className: "text-red-700" },
];

export function ImportLeadsModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const run = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) => sendImport(file as File, dryRun),
    onSuccess: (result) => {
      if (result.status === "imported") void queryClient.invalidateQueries({ queryKey: ["leads"] });
    },
  });
  const close = () => {
    run.reset();
    setFile(null);
    onClose();
  };
  const pending = run.isPending ? run.variables?.dryRun : undefined;
  return (
    <Modal
      title="Import leads"
      open={open}
      onClose={close}
      wide
      footer={
        <>
          <Button onClick={close}>Close</Button>
          <Button disabled={!file || run.isPending} busy={pending === true} onClick={() => run.mutate({ dryRun: true })}>
            Check file
          </Button>
          <Button
            variant="primary"
            disabled={!file || run.isPending}
            busy={pending === false}
            onClick={() => run.mutate({ dryRun: false })}
          >
            Import
          </Button>
        </>
      }
    >
      <div className="space-y-3">
        <p className="text-sm text-slate-600">
          A .csv or .xlsx file with a header row (company_name and job_title are required). Every row is checked
          first: a file with any bad row changes nothing. Duplicates are skipped and counted.
        </p>
        <Field label="File">
          <input
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            className={inputClass}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              run.reset();
            }}
          />
        </Field>
        {run.error ? <ErrorNote error={run.error} /> : null}
        {run.data ? <ImportOutcome result={run.data} /> : null}
      </div>
    </Modal>
  );
}

function ImportOutcome({ result }: { result: ImportResult }) {
  const errors = (result.errors ?? []) as unknown as ImportRowError[];
  const preview = (result.preview ?? []) as unknown as ImportPreviewRow[];
  const skipped = Object.entries(result.skipped ?? {}).filter(([, n]) => n > 0);
  const errorCount = typeof result.error_count === "number" ? result.error_count : errors.length;
  const unknown = Array.isArray(result.unknown_columns) ? (result.unknown_columns as string[]) : [];
  return (
    <div className="space-y-3">
      {result.status === "imported" ? (
        <Notice>
          Imported {result.inserted.toLocaleString()} of {result.rows.toLocaleString()} rows
          {skipped.length
            ? `; skipped ${skipped.map(([k, n]) => `${n.toLocaleString()} ${humanize(k).toLowerCase()}`).join(", ")}`
            : ""}
          .
        </Notice>
      ) : result.status === "rejected" ? (
        <Notice tone="red">
          The file was not imported: {result.invalid.toLocaleString()} of {result.rows.toLocaleString()} rows have
          errors ({errorCount.toLocaleString()} in all). Fix them and try again.
        </Notice>
      ) : result.invalid > 0 ? (
        <Notice tone="yellow">
          {result.rows.toLocaleString()} rows: {result.valid.toLocaleString()} valid, {result.invalid.toLocaleString()}{" "}
          with errors. The file would be rejected as it is.
        </Notice>
      ) : (
        <Notice tone="blue">
          {result.rows.toLocaleString()} rows, all valid. Press Import to store them.
        </Notice>
      )}
      {unknown.length ? (
        <p className="text-xs text-slate-500">Columns ignored: {unknown.join(", ")}</p>
      ) : null}
      {errors.length ? (
        <div>
          <h3 className="mb-1 text-sm font-semibold text-slate-800">Rows with errors</h3>
          <DataTable
            label="Rows with errors"
            columns={ERROR_COLUMNS}
            rows={errors}
            rowKey={(e) => `${e.row}-${e.field ?? ""}-${e.message}`}
          />
        </div>
      ) : null}
      {result.status !== "rejected" && preview.length ? (
        <div>
          <h3 className="mb-1 text-sm font-semibold text-slate-800">
            {result.status === "imported" ? "First rows imported" : "Preview"}
          </h3>
          <DataTable label="Preview" columns={PREVIEW_COLUMNS} rows={preview} rowKey={(r) => String(r.row)} />
        </div>
      ) : null}
    </div>
  );
}
