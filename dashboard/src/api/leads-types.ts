// Short names for the leads / clients / home pages (all generated from the gateway's OpenAPI document).
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type LeadStats = Schemas["LeadStats"];
export type LeadStatus = Schemas["LeadStatus"];
export type ContactStats = Schemas["ContactStats"];
export type OutreachStats = Schemas["OutreachStats"];
export type ImportResult = Schemas["ImportResult"];
export type ClientInput = Schemas["ClientInput"];
export type ClientPatch = Schemas["ClientPatch"];
export type ClientStatus = Schemas["ClientStatus"];
export type ClientCategory = Schemas["ClientCategory"];
export type PageSize = Schemas["PageSize"];

export type LeadListQuery = NonNullable<paths["/api/v1/leads"]["get"]["parameters"]["query"]>;
export type LeadSort = NonNullable<LeadListQuery["sort"]>;
export type ClientListQuery = NonNullable<paths["/api/v1/clients"]["get"]["parameters"]["query"]>;
export type ClientSort = NonNullable<ClientListQuery["sort"]>;

export const LEAD_STATUSES: LeadStatus[] = [
  "NEW", "ENRICHED", "VALIDATED", "CONTACTED", "RESPONDED", "CONVERTED", "ARCHIVED",
];
export const CLIENT_STATUSES: ClientStatus[] = ["PROSPECT", "ACTIVE", "INACTIVE", "DO_NOT_CONTACT"];
export const CLIENT_CATEGORIES: ClientCategory[] = ["REGULAR", "OCCASIONAL", "PROSPECT"];

/** A lead row of GET /leads (the table's columns; the API sends every column but the description). */
export interface LeadRow {
  lead_id: string;
  company_name: string;
  job_title: string;
  city?: string | null;
  state?: string | null;
  country?: string | null;
  industry?: string | null;
  job_link?: string | null;
  sources?: string[] | null;
  status: string;
  posted_at?: string | null;
  created_at?: string | null;
  contact_count?: number | null;
  quality_score?: number | null;
  [key: string]: unknown;
}

/** A client row of GET /clients. */
export interface ClientRow {
  client_id: string;
  company_name: string;
  industry?: string | null;
  status: string;
  category?: string | null;
  lead_count?: number | null;
  recent_lead_count?: number | null;
  website?: string | null;
  notes?: string | null;
  origin?: string | null;
  first_seen_at?: string | null;
  last_seen_at?: string | null;
  [key: string]: unknown;
}

/** A contact row of GET /contacts. */
export interface ContactRow {
  contact_id: string;
  lead_id: string;
  first_name?: string | null;
  last_name?: string | null;
  email: string;
  title?: string | null;
  priority?: string | null;
  validation_status?: string | null;
  source?: string | null;
  [key: string]: unknown;
}

/** One problem of an import row (``errors`` of the import answer). */
export interface ImportRowError {
  row: number;
  field?: string | null;
  message: string;
  value?: string | null;
}

/** One row of an import's preview: the lead as it will be stored, or the cells as read. */
export interface ImportPreviewRow {
  row: number;
  values: Record<string, unknown>;
  errors: string[];
}

/** A page size the API accepts (anything else falls back to 25). */
export function pageSize(n: number): PageSize {
  return n === 10 || n === 25 || n === 50 || n === 100 ? n : 25;
}
