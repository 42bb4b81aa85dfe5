// The signed-in session: tokens kept in localStorage so a reload stays signed in, and one refresh at a
// time (a refresh token works once: two parallel refreshes would end the session).
import type { components } from "../api/schema";

export type User = components["schemas"]["UserOut"];
export type TokenResponse = components["schemas"]["TokenResponse"];

const KEY = "ra.session";

interface Stored {
  access: string;
  refresh: string;
  user: User;
}

type Listener = (user: User | null) => void;
const listeners = new Set<Listener>();

function read(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

export function currentUser(): User | null {
  return read()?.user ?? null;
}

export function accessToken(): string | null {
  return read()?.access ?? null;
}

export function saveTokens(tokens: TokenResponse): void {
  localStorage.setItem(
    KEY,
    JSON.stringify({ access: tokens.access_token, refresh: tokens.refresh_token, user: tokens.user }),
  );
  listeners.forEach((l) => l(tokens.user));
}

/** Forget the session (logout, or a refresh that failed): the app goes back to the login page. */
export function endSession(): void {
  localStorage.removeItem(KEY);
  listeners.forEach((l) => l(null));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let refreshing: Promise<boolean> | null = null;

/** Trade the refresh token for a new pair; concurrent callers share the one request. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const stored = read();
    if (!stored) return false;
    try {
      const res = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: stored.refresh }),
      });
      if (!res.ok) return false;
      saveTokens((await res.json()) as TokenResponse);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export type Role = User["role"];

/** Operators and admins run pipelines and change records; viewers only read. */
export function canOperate(user: User | null): boolean {
  return user?.role === "admin" || user?.role === "operator";
}

export function isAdmin(user: User | null): boolean {
  return user?.role === "admin";
}
