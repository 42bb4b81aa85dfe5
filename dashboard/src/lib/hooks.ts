import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";

/** `value`, once it has stopped changing for `ms` (search boxes: 300 ms). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

export const PAGE_SIZES = [10, 25, 50, 100] as const;

export interface TableState {
  page: number;
  pageSize: number;
  sortBy: string;
  sortDir: "asc" | "desc";
  search: string;
  filters: Record<string, string>;
  setPage: (page: number) => void;
  setPageSize: (size: number) => void;
  toggleSort: (column: string) => void;
  setSearch: (text: string) => void;
  /** A filter to a value, or back to "All" with "". Page goes back to 1. */
  setFilter: (name: string, value: string) => void;
  /** Several filters at once (two setFilter calls in one event would keep only the second). */
  setFilters: (values: Record<string, string>) => void;
}

/**
 * A list page's state (page, size, sort, search, filters), kept in the URL so a reload, the back
 * button and a link from another page (a stat card, "view the lead") keep it.
 */
export function useTableState(
  defaults: { sortBy?: string; sortDir?: "asc" | "desc"; pageSize?: number } = {},
  filterNames: string[] = [],
): TableState {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | number | null>, resetPage = true) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null || v === "") next.delete(k);
          else next.set(k, String(v));
        }
        if (resetPage && !("page" in changes)) next.delete("page");
        return next;
      },
      { replace: true },
    );
  const filtersKey = filterNames.map((n) => `${n}=${params.get(n) ?? ""}`).join("&");
  const filters = useMemo(
    () => Object.fromEntries(filterNames.map((n) => [n, params.get(n) ?? ""])),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [filtersKey],
  );
  const sortBy = params.get("sort_by") ?? defaults.sortBy ?? "";
  const sortDir = (params.get("sort_dir") as "asc" | "desc" | null) ?? defaults.sortDir ?? "desc";
  return {
    page: Math.max(1, Number(params.get("page") ?? 1) || 1),
    pageSize: Number(params.get("page_size") ?? defaults.pageSize ?? 25) || 25,
    sortBy,
    sortDir,
    search: params.get("search") ?? "",
    filters,
    setPage: (page) => update({ page: page > 1 ? page : null }, false),
    setPageSize: (size) => update({ page_size: size }),
    toggleSort: (column) =>
      update({ sort_by: column, sort_dir: column === sortBy && sortDir === "asc" ? "desc" : "asc" }),
    setSearch: (text) => update({ search: text }),
    setFilter: (name, value) => update({ [name]: value }),
    setFilters: (values) => update(values),
  };
}
