// Lists (SOP §13.3): sortable headers, page sizes 10/25/50/100 with page navigation, 300 ms debounced
// search, filters with "All", and loading / empty / error states in place of the rows.
import { useEffect, useState, type ReactNode } from "react";
import { useDebounced, PAGE_SIZES, type TableState } from "../lib/hooks";
import { Empty, ErrorNote, Loading, inputClass } from "./ui";

export interface Column<T> {
  key: string;
  header: ReactNode;
  /** The API's sort key, when the column can be sorted. */
  sort?: string;
  render: (row: T) => ReactNode;
  className?: string;
}

export function DataTable<T>({
  columns, rows, rowKey, state, isLoading, error, onRetry, empty, selection, label,
}: {
  columns: Column<T>[];
  /** The table's accessible name, when a page shows more than one. */
  label?: string;
  rows: T[] | undefined;
  rowKey: (row: T) => string;
  state?: Pick<TableState, "sortBy" | "sortDir" | "toggleSort">;
  isLoading?: boolean;
  error?: unknown;
  onRetry?: () => void;
  empty?: ReactNode;
  /** Checkboxes for bulk actions. */
  selection?: { selected: Set<string>; onChange: (next: Set<string>) => void };
}) {
  if (error) return <ErrorNote error={error} onRetry={onRetry} />;
  if (isLoading && !rows) return <Loading />;
  const list = rows ?? [];
  const allKeys = list.map(rowKey);
  const allSelected = !!selection && allKeys.length > 0 && allKeys.every((k) => selection.selected.has(k));
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table aria-label={label} className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50">
          <tr>
            {selection ? (
              <th className="w-8 px-3 py-2">
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={allSelected}
                  onChange={(e) => selection.onChange(new Set(e.target.checked ? allKeys : []))}
                />
              </th>
            ) : null}
            {columns.map((c) => {
              const sorted = state && c.sort && state.sortBy === c.sort;
              return (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={sorted ? (state.sortDir === "asc" ? "ascending" : "descending") : undefined}
                  className={`whitespace-nowrap px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 ${c.className ?? ""}`}
                >
                  {state && c.sort ? (
                    <button type="button" className="inline-flex items-center gap-1 hover:text-slate-900" onClick={() => state.toggleSort(c.sort!)}>
                      {c.header}
                      <span aria-hidden className="text-slate-400">{sorted ? (state.sortDir === "asc" ? "▲" : "▼") : "↕"}</span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {list.map((row) => {
            const key = rowKey(row);
            return (
              <tr key={key} className="hover:bg-slate-50">
                {selection ? (
                  <td className="px-3 py-2">
                    <input
                      type="checkbox"
                      aria-label="Select row"
                      checked={selection.selected.has(key)}
                      onChange={(e) => {
                        const next = new Set(selection.selected);
                        if (e.target.checked) next.add(key);
                        else next.delete(key);
                        selection.onChange(next);
                      }}
                    />
                  </td>
                ) : null}
                {columns.map((c) => (
                  <td key={c.key} className={`px-3 py-2 align-top ${c.className ?? ""}`}>{c.render(row)}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {list.length === 0 ? <Empty>{empty ?? "No records match."}</Empty> : null}
    </div>
  );
}

export function Pagination({
  total, state,
}: {
  total: number | undefined;
  state: Pick<TableState, "page" | "pageSize" | "setPage" | "setPageSize">;
}) {
  const pages = Math.max(1, Math.ceil((total ?? 0) / state.pageSize));
  const first = total ? (state.page - 1) * state.pageSize + 1 : 0;
  const last = Math.min(total ?? 0, state.page * state.pageSize);
  return (
    <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
      <div>
        {total === undefined ? "" : total === 0 ? "No records" : `${first}–${last} of ${total.toLocaleString()}`}
      </div>
      <div className="flex items-center gap-2">
        <label className="flex items-center gap-1">
          Rows
          <select
            aria-label="Rows per page"
            className="rounded-md border-0 py-1 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300"
            value={state.pageSize}
            onChange={(e) => state.setPageSize(Number(e.target.value))}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="button" className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40" disabled={state.page <= 1} onClick={() => state.setPage(1)} aria-label="First page">«</button>
        <button type="button" className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40" disabled={state.page <= 1} onClick={() => state.setPage(state.page - 1)} aria-label="Previous page">‹</button>
        <span>
          Page {Math.min(state.page, pages)} of {pages}
        </span>
        <button type="button" className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40" disabled={state.page >= pages} onClick={() => state.setPage(state.page + 1)} aria-label="Next page">›</button>
        <button type="button" className="rounded px-2 py-1 ring-1 ring-slate-300 disabled:opacity-40" disabled={state.page >= pages} onClick={() => state.setPage(pages)} aria-label="Last page">»</button>
      </div>
    </nav>
  );
}

/** A search box that reports its text once typing has paused for 300 ms. */
export function SearchInput({
  value, onSearch, placeholder = "Search…", label = "Search",
}: {
  value: string; onSearch: (text: string) => void; placeholder?: string; label?: string;
}) {
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, 300);
  useEffect(() => {
    if (debounced !== value) onSearch(debounced);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  useEffect(() => setText(value), [value]);
  return (
    <input
      type="search"
      aria-label={label}
      placeholder={placeholder}
      className={`${inputClass} w-64`}
      value={text}
      onChange={(e) => setText(e.target.value)}
    />
  );
}

/** A filter dropdown; "" is "All". */
export function FilterSelect({
  label, value, options, onChange,
}: {
  label: string; value: string; options: (string | { value: string; label: string })[]; onChange: (value: string) => void;
}) {
  return (
    <label className="flex items-center gap-1.5 text-sm text-slate-600">
      {label}
      <select
        aria-label={label}
        className="rounded-md border-0 py-1.5 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">All</option>
        {options.map((o) => {
          const { value: v, label: l } = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={v} value={v}>{l}</option>
          );
        })}
      </select>
    </label>
  );
}

export function Toolbar({ children }: { children: ReactNode }) {
  return <div className="mb-3 flex flex-wrap items-center gap-3">{children}</div>;
}
