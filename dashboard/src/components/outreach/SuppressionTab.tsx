// The do-not-contact list (GET /outreach/suppression); operators add an address, import a CSV, remove one.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import type { SuppressedAddress, SuppressionAdded } from "../../api/types";
import { formatDate, humanize, text } from "../../lib/format";
import { DataTable, Pagination, SearchInput, Toolbar, type Column } from "../table";
import { Button, ErrorNote, Field, inputClass, Notice } from "../ui";

function Outcome({ result }: { result: SuppressionAdded }) {
  return (
    <Notice tone={result.invalid.length ? "yellow" : "green"}>
      Added {result.added.toLocaleString()}; {result.already.toLocaleString()} already on the list.
      {result.invalid.length ? (
        <ul className="mt-1 list-disc pl-5">
          {result.invalid.slice(0, 20).map((r, i) => (
            <li key={i}>
              {r.row ? `Row ${r.row}: ` : ""}
              {text(r.value)} — {r.error}
            </li>
          ))}
          {result.invalid.length > 20 ? <li>… and {result.invalid.length - 20} more</li> : null}
        </ul>
      ) : null}
    </Notice>
  );
}

export function SuppressionTab({ writer }: { writer: boolean }) {
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const [address, setAddress] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [outcome, setOutcome] = useState<SuppressionAdded | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);

  const query = { page, page_size: pageSize as 10 | 25 | 50 | 100, search: search || undefined };
  const list = useQuery({
    queryKey: ["outreach", "suppression", query],
    queryFn: () => call(api.GET("/api/v1/outreach/suppression", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const changed = () => void queryClient.invalidateQueries({ queryKey: ["outreach"] });

  const add = useMutation({
    mutationFn: (email: string) => call(api.POST("/api/v1/outreach/suppression", { body: { emails: [email], reason: "manual" } })),
    onSuccess: (result) => {
      setOutcome(result);
      setRemoved(null);
      if (result.added || result.already) setAddress("");
      changed();
    },
  });
  const importCsv = useMutation({
    mutationFn: (csv: File) => {
      const form = new FormData();
      form.append("file", csv, csv.name);
      return call(
        api.POST("/api/v1/outreach/suppression/import", {
          body: { file: "" },
          bodySerializer: () => form,
        }),
      );
    },
    onSuccess: (result) => {
      setOutcome(result);
      setRemoved(null);
      setFile(null);
      if (fileInput.current) fileInput.current.value = "";
      changed();
    },
  });
  const remove = useMutation({
    mutationFn: (email: string) => call(api.DELETE("/api/v1/outreach/suppression/{email}", { params: { path: { email } } })),
    onSuccess: (_, email) => {
      setRemoved(email);
      setOutcome(null);
      changed();
    },
  });

  const columns: Column<SuppressedAddress>[] = [
    { key: "email", header: "Email", render: (s) => <span className="font-medium text-slate-900">{s.email}</span> },
    { key: "reason", header: "Reason", render: (s) => humanize(s.reason) },
    { key: "by", header: "Added by", render: (s) => text(s.created_by) },
    { key: "at", header: "Added", render: (s) => <span className="whitespace-nowrap">{formatDate(s.created_at)}</span> },
  ];
  if (writer) {
    columns.push({
      key: "remove",
      header: "Actions",
      render: (s) => (
        <Button variant="ghost" className="text-red-700" busy={remove.isPending && remove.variables === s.email}
          aria-label={`Remove ${s.email}`} onClick={() => remove.mutate(s.email)}>
          Remove
        </Button>
      ),
    });
  }

  const submitAdd = (e: FormEvent) => {
    e.preventDefault();
    if (address.trim()) add.mutate(address.trim());
  };
  const submitImport = (e: FormEvent) => {
    e.preventDefault();
    if (file) importCsv.mutate(file);
  };

  return (
    <div className="space-y-3">
      {writer ? (
        <div className="grid gap-3 lg:grid-cols-2">
          <form onSubmit={submitAdd} className="flex items-end gap-2 rounded-lg border border-slate-200 bg-white p-3">
            <div className="flex-1">
              <Field label="Address to suppress">
                <input className={inputClass} value={address} placeholder="name@company.com" onChange={(e) => setAddress(e.target.value)} />
              </Field>
            </div>
            <Button type="submit" variant="primary" busy={add.isPending} disabled={!address.trim()}>Suppress</Button>
          </form>
          <form onSubmit={submitImport} className="flex items-end gap-2 rounded-lg border border-slate-200 bg-white p-3">
            <div className="flex-1">
              <Field label="Suppression CSV">
                <input ref={fileInput} type="file" accept=".csv,text/csv" className="block w-full text-sm"
                  onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
              </Field>
              <p className="mt-0.5 text-xs text-slate-500">A column named email (or the first column).</p>
            </div>
            <Button type="submit" busy={importCsv.isPending} disabled={!file}>Import</Button>
          </form>
        </div>
      ) : (
        <p className="text-sm text-slate-500">Read only: changing the list needs an operator or an admin.</p>
      )}
      {add.error ? <ErrorNote error={add.error} /> : null}
      {importCsv.error ? <ErrorNote error={importCsv.error} /> : null}
      {remove.error ? <ErrorNote error={remove.error} /> : null}
      {outcome ? <Outcome result={outcome} /> : null}
      {removed ? <Notice>Removed {removed} from the list: outreach may write to it again.</Notice> : null}

      <Toolbar>
        <SearchInput value={search} onSearch={(t) => { setSearch(t); setPage(1); }} label="Search suppression list" placeholder="Part of the email address…" />
      </Toolbar>
      <DataTable
        columns={columns}
        rows={list.data?.items}
        rowKey={(s) => s.email}
        isLoading={list.isLoading}
        error={list.error}
        onRetry={() => void list.refetch()}
        empty="No suppressed addresses match."
      />
      <Pagination total={list.data?.total} state={{ page, pageSize, setPage, setPageSize: (n) => { setPageSize(n); setPage(1); } }} />
    </div>
  );
}
