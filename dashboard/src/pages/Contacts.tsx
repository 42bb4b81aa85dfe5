// Contacts (SOP §13.2 "Contacts Page"): the decision-makers enrichment found, filtered by priority (P1–P5),
// validation status and source, each with a link to its lead; operators add, edit and delete them.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import {
  CONTACT_VALIDATION_FILTERS, PRIORITIES, type ContactRow, type ContactSort, type ContactValidationFilter, type Priority,
} from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { contactName, PriorityBadge, validationLabel } from "../components/contacts/bits";
import { ConfirmModal } from "../components/contacts/ConfirmModal";
import { ContactForm } from "../components/contacts/ContactForm";
import { DataTable, FilterSelect, Pagination, SearchInput, Toolbar, type Column } from "../components/table";
import { Button, ErrorNote, Notice, PageHeader, StatCard, StatusBadge, toneOf } from "../components/ui";
import { formatDate, formatDay, formatNumber, text } from "../lib/format";
import { useTableState } from "../lib/hooks";

export function ContactsPage() {
  const user = useUser();
  const writer = canOperate(user);
  const queryClient = useQueryClient();
  const state = useTableState({ sortBy: "priority", sortDir: "asc" }, ["priority", "validation_status", "source", "lead_id"]);
  const { priority, validation_status, source, lead_id } = state.filters;
  const [editing, setEditing] = useState<ContactRow | null>(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<ContactRow | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // The cards count the whole list (or the one lead's contacts), so a card stays visible once it filters.
  const stats = useQuery({
    queryKey: ["contacts", "stats", { lead_id }],
    queryFn: () => call(api.GET("/api/v1/contacts/stats", { params: { query: { lead_id: lead_id || undefined } } })),
  });

  const query = {
    page: state.page,
    page_size: state.pageSize as 10 | 25 | 50 | 100,
    sort: (state.sortBy || "priority") as ContactSort,
    order: state.sortDir,
    search: state.search || undefined,
    priority: (priority || undefined) as Priority | undefined,
    validation_status: (validation_status || undefined) as ContactValidationFilter | undefined,
    source: source || undefined,
    lead_id: lead_id || undefined,
  };
  const list = useQuery({
    queryKey: ["contacts", query],
    queryFn: () => call(api.GET("/api/v1/contacts", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.items as ContactRow[] | undefined;

  const remove = useMutation({
    mutationFn: (c: ContactRow) =>
      call(api.DELETE("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: c.contact_id } } })),
    onSuccess: (_, c) => {
      setDeleting(null);
      setNotice(`Deleted ${c.email}.`);
      void queryClient.invalidateQueries({ queryKey: ["contacts"] });
    },
  });

  // Both card filters off in one change of the address bar.
  const clearCards = () => state.setFilters({ priority: "", validation_status: "" });
  const toggle = (name: string, value: string) => state.setFilter(name, state.filters[name] === value ? "" : value);
  const byPriority = stats.data?.by_priority ?? {};
  const byValidation = stats.data?.by_validation_status ?? {};
  const sources = Object.keys(stats.data?.by_source ?? {}).sort();
  if (source && !sources.includes(source)) sources.push(source);

  const columns: Column<ContactRow>[] = [
    { key: "name", header: "Name", sort: "last_name", render: (c) => <span className="font-medium text-slate-900">{contactName(c)}</span> },
    { key: "title", header: "Title", sort: "title", render: (c) => text(c.title) },
    { key: "email", header: "Email", sort: "email", render: (c) => <span className="break-all">{c.email}</span> },
    {
      key: "company",
      header: "Company",
      sort: "company_name",
      render: (c) => (
        <div className="min-w-32">
          <div>{text(c.company_name)}</div>
          <Link
            className="text-xs text-blue-700 hover:underline"
            to={`/dashboard/leads?lead_id=${encodeURIComponent(c.lead_id)}`}
            title={`Lead ${c.lead_id}`}
          >
            View lead
          </Link>
        </div>
      ),
    },
    { key: "priority", header: "Priority", sort: "priority", render: (c) => <PriorityBadge priority={c.priority} /> },
    {
      key: "validation",
      header: "Validation",
      sort: "validation_status",
      render: (c) => <StatusBadge status={c.validation_status ?? "none"} label={validationLabel(c.validation_status)} />,
    },
    { key: "source", header: "Source", sort: "source", render: (c) => text(c.source) },
    { key: "created", header: "Created", sort: "created_at", render: (c) => <span className="whitespace-nowrap" title={formatDate(c.created_at)}>{formatDay(c.created_at)}</span> },
  ];
  if (writer) {
    columns.push({
      key: "actions",
      header: "Actions",
      render: (c) => (
        <div className="flex items-center gap-1 whitespace-nowrap">
          <Button variant="ghost" onClick={() => setEditing(c)} aria-label={`Edit ${c.email}`}>Edit</Button>
          <Button variant="ghost" className="text-red-700" onClick={() => { remove.reset(); setDeleting(c); }} aria-label={`Delete ${c.email}`}>
            Delete
          </Button>
        </div>
      ),
    });
  }

  return (
    <div className="space-y-4">
      <PageHeader title="Contacts">
        {writer ? (
          <Button variant="primary" onClick={() => setAdding(true)}>Add contact</Button>
        ) : (
          <span className="text-sm text-slate-500">Read only</span>
        )}
      </PageHeader>

      {notice ? <Notice>{notice}</Notice> : null}

      {stats.error ? (
        <ErrorNote error={stats.error} onRetry={() => void stats.refetch()} />
      ) : (
        <div className="space-y-3">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
            <StatCard label="All contacts" value={formatNumber(stats.data?.total)} tone="blue" active={!priority && !validation_status}
              onClick={clearCards} />
            {PRIORITIES.map((p) => (
              <StatCard key={p} label={p} value={formatNumber(byPriority[p] ?? (stats.data ? 0 : undefined))} tone={toneOf(p)}
                active={priority === p} onClick={() => toggle("priority", p)} />
            ))}
          </div>
          <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5">
            {CONTACT_VALIDATION_FILTERS.map((v) => (
              <StatCard key={v} label={validationLabel(v)} value={formatNumber(byValidation[v] ?? (stats.data ? 0 : undefined))}
                tone={toneOf(v === "none" ? "unknown" : v)} active={validation_status === v} onClick={() => toggle("validation_status", v)} />
            ))}
          </div>
        </div>
      )}

      <Toolbar>
        <SearchInput value={state.search} onSearch={state.setSearch} label="Search contacts" placeholder="Name, email, title, company…" />
        <FilterSelect label="Priority" value={priority} options={PRIORITIES} onChange={(v) => state.setFilter("priority", v)} />
        <FilterSelect label="Validation" value={validation_status}
          options={CONTACT_VALIDATION_FILTERS.map((v) => ({ value: v, label: validationLabel(v) }))}
          onChange={(v) => state.setFilter("validation_status", v)} />
        <FilterSelect label="Source" value={source} options={sources} onChange={(v) => state.setFilter("source", v)} />
        {lead_id ? (
          <span className="inline-flex items-center gap-2 rounded-md bg-blue-50 px-2 py-1 text-sm text-blue-800">
            One lead's contacts
            <Button variant="ghost" onClick={() => state.setFilter("lead_id", "")}>Show all leads</Button>
          </span>
        ) : null}
      </Toolbar>

      <DataTable
        columns={columns}
        rows={rows}
        rowKey={(c) => c.contact_id}
        state={state}
        isLoading={list.isLoading}
        error={list.error}
        onRetry={() => void list.refetch()}
        empty={lead_id ? "This lead has no contacts yet." : "No contacts match. Contacts appear after a contact-enrichment run."}
      />
      <Pagination total={list.data?.total} state={state} />

      {adding ? (
        <ContactForm open contact={null} leadId={lead_id} onClose={() => setAdding(false)}
          onSaved={(m) => { setAdding(false); setNotice(m); }} />
      ) : null}
      {editing ? (
        <ContactForm key={editing.contact_id} open contact={editing} onClose={() => setEditing(null)}
          onSaved={(m) => { setEditing(null); setNotice(m); }} />
      ) : null}
      <ConfirmModal
        title="Delete contact"
        open={!!deleting}
        busy={remove.isPending}
        error={remove.error}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        <p>
          Delete <strong>{deleting ? contactName(deleting) : ""}</strong> ({deleting?.email})? Outreach will no longer reach this
          address through this lead.
        </p>
      </ConfirmModal>
    </div>
  );
}
