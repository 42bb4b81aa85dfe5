// The typed API client: paths and bodies come from src/api/schema.ts, generated from the gateway's
// OpenAPI document (`make api-types`); a route change the dashboard does not follow fails `tsc`.
import createClient from "openapi-fetch";
import { accessToken, endSession, refreshSession } from "../auth/session";
import type { paths } from "./schema";

const AUTH_FREE = ["/api/v1/auth/login", "/api/v1/auth/refresh"];

/** fetch with the session's token; a 401 refreshes the session once and retries, else ends it. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (req: Request) => {
    const token = accessToken();
    if (token) req.headers.set("Authorization", `Bearer ${token}`);
    return fetch(req);
  };
  const res = await send(input);
  if (res.status !== 401 || AUTH_FREE.some((p) => new URL(input.url).pathname === p)) return res;
  if (await refreshSession()) {
    const again = await send(retry);
    if (again.status !== 401) return again;
  }
  endSession();
  return res;
}

export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  fetch: authFetch,
});

/** An API refusal, with the gateway's message ready to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(describe(status, detail));
    this.name = "ApiError";
  }
}

interface FieldError {
  loc?: (string | number)[];
  msg?: string;
}

/** `{"detail": …}` as a sentence: a string as it is, a 422's field list as "field: problem; …". */
export function describe(status: number, detail: unknown): string {
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail)) {
    const parts = (detail as FieldError[]).map((e) => {
      const field = (e.loc ?? []).filter((p) => p !== "body" && p !== "query" && p !== "path").join(".");
      return field ? `${field}: ${e.msg ?? "invalid"}` : (e.msg ?? "invalid");
    });
    if (parts.length) return parts.join("; ");
  }
  if (detail && typeof detail === "object" && "message" in detail) return String(detail.message);
  if (status === 403) return "Your role does not allow this.";
  if (status === 503) return "A service is not answering; try again in a moment.";
  return `The server answered ${status}.`;
}

/** The data of an openapi-fetch answer, or an ApiError with the server's message. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) {
    const detail = error && typeof error === "object" && "detail" in error ? error.detail : error;
    throw new ApiError(response.status, detail);
  }
  return data as T;
}

/** Download a file the API serves (exports): fetched with the token, then saved under its own name. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await authFetch(new Request(new URL(path, window.location.origin)));
  if (!res.ok) {
    let detail: unknown = null;
    try {
      detail = ((await res.json()) as { detail?: unknown }).detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, detail);
  }
  const blob = await res.blob();
  const name = /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
