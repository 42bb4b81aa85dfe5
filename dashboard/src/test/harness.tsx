// Component tests: a page rendered as the app renders it (routes, query client, a signed-in user),
// with the API answered by msw handlers over the real fetch/openapi-fetch stack.
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { http, HttpResponse, type RequestHandler } from "msw";
import { setupServer } from "msw/node";
import { MemoryRouter } from "react-router";
import { AppRoutes, makeQueryClient } from "../App";
import { AuthProvider } from "../auth/AuthProvider";
import { saveTokens, type User } from "../auth/session";

export const server = setupServer();

export const API = "http://localhost:3000/api/v1";

export function user(role: User["role"] = "admin"): User {
  return {
    id: "00000000-0000-0000-0000-000000000001",
    email: `${role}@example.com`,
    full_name: role,
    role,
    is_active: true,
    created_at: "2026-11-01T00:00:00Z",
    last_login_at: null,
  };
}

export function signIn(role: User["role"] = "admin"): void {
  saveTokens({ access_token: "access", refresh_token: "refresh", token_type: "bearer", expires_in: 900, user: user(role) });
}

/** Render the app at `path`, signed in as `role` (or signed out with null), the API answered by `handlers`. */
export function renderAt(path: string, handlers: RequestHandler[] = [], role: User["role"] | null = "admin") {
  server.use(...handlers);
  if (role) signIn(role);
  const queryClient = makeQueryClient();
  queryClient.setDefaultOptions({ queries: { ...queryClient.getDefaultOptions().queries, retry: false } });
  return render(
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <MemoryRouter initialEntries={[path]}>
          <AppRoutes />
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
}

/** A JSON answer. */
export function json(body: unknown, status = 200) {
  return HttpResponse.json(body as Record<string, unknown>, { status });
}

export function page<T>(items: T[], total = items.length, pageSize = 25) {
  return { items, total, page: 1, page_size: pageSize };
}

export { http, HttpResponse };
