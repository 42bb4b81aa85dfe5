// Clients (SOP §13.1 "Company/client management"): the companies lead sourcing has seen (or people added),
// searchable, filtered by status and category, sortable; operators add, edit and delete them.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, call } from "../api/client";
import {
  CLIENT_CATEGORIES, CLIENT_STATUSES, pageSize, type ClientCategory, type ClientListQuery, type ClientRow,
  type ClientSort, type ClientStatus, type Page,
} from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { ClientFormModal } from "../components/clients/ClientFormModal";
import { DataTable, FilterSelect, Pagination, SearchInput, Toolbar, type Column } from "../components/table";
import { Badge, Button, ErrorNote, Modal, Notice, PageHeader, StatusBadge, type Tone } from "../components/ui";
import { formatDate, formatNumber, humanize, text } from "../lib/format";
import { useTableState } from "../lib/hooks";

const SORTS: readonly string[] = [
  "company_name", "lead_count", "recent_lead_count", "category", "status", "industry", "first_seen_at", "last_seen_at",
] satisfies ClientSort[];

const STATUS_TONE: Record<string, Tone> = { ACTIVE: "green", PROSPECT: "blue", INACTIVE: "gray", DO_NOT_CONTACT: "red" };
const CATEGORY_TONE: Record<string, Tone> = { REGULAR: "green", OCCASIONAL: "yellow", PROSPECT: "gray" };
const CATEGORY_HINT: Record<string, string> = {
  REGULAR: "10 or more postings in 90 days",
  OCCASIONAL: "3–9 postings in 90 days",
  PROSPECT: "1–2 postings in 90 days, or none recently",
};

export function ClientsPage() {
  const user = useUser();
  const writer = canOperate(user);
  const queryClient = useQueryClient();
  const state = useTableState({ sortBy: "last_seen_at", sortDir: "desc" }, ["status", "category"]);
  const [editing, setEditing] = useState<{ client: ClientRow | null } | null>(null);
  const [deleting, setDeleting] = useState<ClientRow | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  const query: ClientListQuery = {
    page: state.page,
    page_size: pageSize(state.pageSize),
    sort: (SORTS.includes(state.sortBy) ? state.sortBy : "last_seen_at") as ClientSort,
    order: state.sortDir,
  };
  if (state.search) query.search = state.search;
  const status = state.filters.status.toUpperCase();
  if (CLIENT_STATUSES.includes(status as ClientStatus)) query.status = status as ClientStatus;
  const category = state.filters.category.toUpperCase();
  if (CLIENT_CATEGORIES.includes(category as ClientCategory)) query.category = category as ClientCategory;

  const clients = useQuery({
    queryKey: ["clients", query],
    queryFn: async () => (await call(api.GET("/api/v1/clients", { params: { query } }))) as unknown as Page<ClientRow>,
    placeholderData: keepPreviousData,
  });

  const remove = useMutation({
    mutationFn: (client: ClientRow) =>
      call(api.DELETE("/api/v1/clients/{client_id}", { params: { path: { client_id: client.client_id } } })),
    onSuccess: (_data, client) => {
      setDeleting(null);
      setOutcome(`${client.company_name} deleted.`);
      void queryClient.invalidateQueries({ queryKey: ["clients"] });
    },
  });

  const columns: Column<ClientRow>[] = [
    {
      key: "company",
      header: "Company",
      sort: "company_name",
      render: (c) => (
        <div>
          <div className="font-medium text-slate-900">{c.company_name}</div>
          {c.notes ? <div className="max-w-64 truncate text-xs text-slate-500" title={c.notes}>{c.notes}</div> : null}
        </div>
      ),
    },
    { key: "industry", header: "Industry", sort: "industry", render: (c) => text(c.industry) },
    {
      key: "status",
      header: "Status",
      sort: "status",
      render: (c) => <Badge tone={STATUS_TONE[c.status] ?? "gray"}>{humanize(c.status)}</Badge>,
    },
    {
      key: "category",
      header: "Category",
      sort: "category",
      render: (c) =>
        c.category ? (
          <Badge tone={CATEGORY_TONE[c.category] ?? "gray"} title={CATEGORY_HINT[c.category]}>
            {humanize(c.category)}
          </Badge>
        ) : (
          <StatusBadge status={null} />
        ),
    },
    { key: "leads", header: "Leads", sort: "lead_count", className: "text-right", render: (c) => formatNumber(c.lead_count ?? 0) },
    {
      key: "recent",
      header: "Leads (90 days)",
      sort: "recent_lead_count",
      className: "text-right",
      render: (c) => formatNumber(c.recent_lead_count ?? 0),
    },
    {
      key: "website",
      header: "Website",
      render: (c) =>
        c.website ? (
          <a
            href={/^https?:\/\//i.test(c.website) ? c.website : `https://${c.website}`}
            target="_blank"
            rel="noreferrer"
            className="text-blue-700 hover:underline"
          >
            {c.website.replace(/^https?:\/\//i, "")}
          </a>
        ) : (
          "—"
        ),
    },
    { key: "first_seen", header: "First seen", sort: "first_seen_at", render: (c) => formatDate(c.first_seen_at) },
    { key: "last_seen", header: "Last seen", sort: "last_seen_at", render: (c) => formatDate(c.last_seen_at) },
  ];
  if (writer) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      render: (c) => (
        <div className="flex justify-end gap-1">
          <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => { setOutcome(null); setEditing({ client: c }); }}>
            Edit
          </Button>
          <Button
            variant="ghost"
            className="!px-2 !py-0.5 text-xs text-red-700"
            onClick={() => { setOutcome(null); remove.reset(); setDeleting(c); }}
          >
            Delete
          </Button>
        </div>
      ),
    });
  }

  const filtered = !!(state.search || state.filters.status || state.filters.category);
  return (
    <div>
      <PageHeader title="Clients">
        {writer ? (
          <Button variant="primary" onClick={() => { setOutcome(null); setEditing({ client: null }); }}>
            Add client
          </Button>
        ) : (
          <Badge tone="gray">Read only</Badge>
        )}
      </PageHeader>

      <Toolbar>
        <SearchInput label="Search clients" placeholder="Name or industry" value={state.search} onSearch={state.setSearch} />
        <FilterSelect
          label="Status"
          value={query.status ?? ""}
          options={CLIENT_STATUSES.map((s) => ({ value: s, label: humanize(s) }))}
          onChange={(v) => state.setFilter("status", v)}
        />
        <FilterSelect
          label="Category"
          value={query.category ?? ""}
          options={CLIENT_CATEGORIES.map((s) => ({ value: s, label: humanize(s) }))}
          onChange={(v) => state.setFilter("category", v)}
        />
      </Toolbar>

      {outcome ? (
        <div className="mb-3">
          <Notice>{outcome}</Notice>
        </div>
      ) : null}

      <DataTable
        columns={columns}
        rows={clients.data?.items}
        rowKey={(c) => c.client_id}
        state={state}
        isLoading={clients.isLoading}
        error={clients.error}
        onRetry={() => void clients.refetch()}
        empty={filtered ? "No clients match these filters." : "No clients yet: lead sourcing adds the companies it finds."}
      />
      <Pagination total={clients.data?.total} state={state} />

      <ClientFormModal
        open={!!editing}
        client={editing?.client ?? null}
        onClose={() => setEditing(null)}
        onSaved={(message) => {
          setEditing(null);
          setOutcome(message);
        }}
      />
      <Modal
        title="Delete client"
        open={!!deleting}
        onClose={() => setDeleting(null)}
        footer={
          <>
            <Button onClick={() => setDeleting(null)}>Cancel</Button>
            <Button variant="danger" busy={remove.isPending} onClick={() => deleting && remove.mutate(deleting)}>
              Delete
            </Button>
          </>
        }
      >
        <p className="text-sm text-slate-700">
          Delete <strong>{deleting?.company_name}</strong>? A client that still has leads cannot be deleted.
        </p>
        {remove.error ? (
          <div className="mt-3">
            <ErrorNote error={remove.error} />
          </div>
        ) : null}
      </Modal>
    </div>
  );
}
