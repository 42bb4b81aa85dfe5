import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { currentUser, onSessionChange, type User } from "./session";

const AuthContext = createContext<User | null>(null);

/** The signed-in user (null when signed out); follows logins, refreshes and ended sessions. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(currentUser);
  useEffect(() => onSessionChange(setUser), []);
  return <AuthContext.Provider value={user}>{children}</AuthContext.Provider>;
}

export function useUser(): User | null {
  return useContext(AuthContext);
}

/** Pages behind the login: a signed-out visitor (or an ended session, any 401) goes to /login. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const user = useUser();
  const location = useLocation();
  if (!user) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
