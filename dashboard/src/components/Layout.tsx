import { useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useNavigate } from "react-router";
import { api } from "../api/client";
import { useUser } from "../auth/AuthProvider";
import { endSession } from "../auth/session";

export const NAV = [
  { to: "/dashboard", label: "Dashboard", end: true },
  { to: "/dashboard/leads", label: "Leads" },
  { to: "/dashboard/clients", label: "Clients" },
  { to: "/dashboard/contacts", label: "Contacts" },
  { to: "/dashboard/validation", label: "Validation" },
  { to: "/dashboard/outreach", label: "Outreach" },
  { to: "/dashboard/mailboxes", label: "Mailboxes" },
  { to: "/dashboard/pipelines", label: "Pipelines" },
  { to: "/dashboard/settings", label: "Settings" },
];

export function Layout() {
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const logout = async () => {
    try {
      await api.POST("/api/v1/auth/logout");
    } finally {
      endSession();
      queryClient.clear();
      navigate("/login", { replace: true });
    }
  };
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-52 shrink-0 flex-col border-r border-slate-200 bg-slate-900 text-slate-200">
        <div className="px-4 py-4 text-base font-semibold text-white">RA Outreach</div>
        <nav aria-label="Main" className="flex-1 space-y-0.5 px-2">
          {NAV.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              end={item.end}
              className={({ isActive }) =>
                `block rounded-md px-3 py-1.5 text-sm ${isActive ? "bg-slate-700 text-white" : "hover:bg-slate-800"}`
              }
            >
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="border-t border-slate-700 px-4 py-3 text-xs">
          <div className="truncate text-slate-300" title={user?.email}>{user?.email}</div>
          <div className="mb-2 text-slate-400">{user?.role}</div>
          <button type="button" onClick={logout} className="rounded bg-slate-700 px-2 py-1 text-white hover:bg-slate-600">
            Log out
          </button>
        </div>
      </aside>
      <main className="min-w-0 flex-1 p-6">
        <Outlet />
      </main>
    </div>
  );
}
