import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { ApiError } from "./api/client";
import { AuthProvider, RequireAuth } from "./auth/AuthProvider";
import { Layout } from "./components/Layout";
import { ClientsPage } from "./pages/Clients";
import { ContactsPage } from "./pages/Contacts";
import { HomePage } from "./pages/Home";
import { LeadsPage } from "./pages/Leads";
import { LoginPage } from "./pages/Login";
import { MailboxesPage } from "./pages/Mailboxes";
import { OutreachPage } from "./pages/Outreach";
import { PipelinesPage } from "./pages/Pipelines";
import { SettingsPage } from "./pages/Settings";
import { ValidationPage } from "./pages/Validation";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A refusal (4xx) will not change by asking again; a service restarting (5xx, network) may.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

/** The page routes (SOP §13.1), shared by the app and the tests. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        path="/dashboard"
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<HomePage />} />
        <Route path="leads" element={<LeadsPage />} />
        <Route path="clients" element={<ClientsPage />} />
        <Route path="contacts" element={<ContactsPage />} />
        <Route path="validation" element={<ValidationPage />} />
        <Route path="outreach" element={<OutreachPage />} />
        <Route path="mailboxes" element={<MailboxesPage />} />
        <Route path="pipelines" element={<PipelinesPage />} />
        <Route path="settings" element={<SettingsPage />} />
      </Route>
      <Route path="*" element={<Navigate to="/dashboard" replace />} />
    </Routes>
  );
}

export function App({ queryClient = makeQueryClient() }: { queryClient?: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </AuthProvider>
    </QueryClientProvider>
  );
}
