// Short names for the API's schemas, generated from the gateway's OpenAPI document (src/api/schema.ts), and
// the row shapes of the lists whose routes answer untyped pages.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type PipelineRun = Schemas["PipelineRun"];
export type PipelineRunList = Schemas["PipelineRunList"];
export type PipelineName = NonNullable<
  NonNullable<paths["/api/v1/pipelines/runs"]["get"]["parameters"]["query"]>["pipeline"]
>;
export type LeadPage = Schemas["LeadPage"];
export type Lead = LeadPage["items"][number];
export type SettingOut = Schemas["SettingOut"];
export type MailboxView = Schemas["MailboxView"];
export type MailboxPage = Schemas["MailboxPage"];
export type ConnectionTestResult = Schemas["ConnectionTestResult"];
export type OutreachStats = Schemas["OutreachStats"];
export type Template = Schemas["Template"];

/** A row of a generic page (clients, contacts, validation results, outreach events). */
export type Row = Record<string, unknown>;
export interface Page<T = Row> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export type ContactStats = Schemas["ContactStats"];
export type ContactInput = Schemas["ContactInput"];
export type ContactPatch = Schemas["ContactPatch"];
export type Priority = NonNullable<ContactInput["priority"]>;
export const PRIORITIES: Priority[] = ["P1", "P2", "P3", "P4", "P5"];

export type ContactSort = NonNullable<
  NonNullable<paths["/api/v1/contacts"]["get"]["parameters"]["query"]>["sort"]
>;
export type ContactValidationFilter = NonNullable<
  NonNullable<paths["/api/v1/contacts"]["get"]["parameters"]["query"]>["validation_status"]
>;
export const CONTACT_VALIDATION_FILTERS: ContactValidationFilter[] = ["valid", "invalid", "catch_all", "unknown", "none"];

export type ResultStatus = NonNullable<
  NonNullable<paths["/api/v1/validation/results"]["get"]["parameters"]["query"]>["status"]
>;
export const RESULT_STATUSES: ResultStatus[] = ["valid", "invalid", "catch_all", "unknown"];
/** The validators the email_validation_provider setting can name (the results' ``provider``). */
export const VALIDATION_PROVIDERS = [
  "builtin", "demo", "neverbounce", "zerobounce", "hunter", "clearout", "emailable", "mailboxvalidator", "reacher",
];

export type OutreachRunRequest = Schemas["OutreachRunRequest"];
export type OutreachMode = NonNullable<OutreachRunRequest["mode"]>;
export type EventStatus = NonNullable<
  NonNullable<paths["/api/v1/outreach/events"]["get"]["parameters"]["query"]>["status"]
>;
export const EVENT_STATUSES: EventStatus[] = [
  "claimed", "sending", "sent", "skipped", "failed", "deferred", "uncertain", "cancelled",
];
export type Channel = NonNullable<NonNullable<paths["/api/v1/outreach/events"]["get"]["parameters"]["query"]>["channel"]>;
export const CHANNELS: Channel[] = ["smtp", "mailmerge"];
export type SuppressionPage = Schemas["SuppressionPage"];
export type SuppressedAddress = Schemas["SuppressedAddress"];
export type SuppressionAdded = Schemas["SuppressionAdded"];
export type TemplateInput = Schemas["TemplateInput"];
export type TemplatePatch = Schemas["TemplatePatch"];

/** A contact as the enrichment service shapes it (a row of GET /contacts). */
export interface ContactRow {
  contact_id: string;
  lead_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string;
  phone: string | null;
  title: string | null;
  priority: Priority | null;
  source: string;
  company_name: string | null;
  state: string | null;
  validation_status: string | null;
  last_outreach_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One address's latest check (a row of GET /validation/results, or the answer of POST /validation/check). */
export interface ValidationResult {
  email: string;
  status: string;
  sub_status: string | null;
  provider: string;
  raw: Record<string, unknown>;
  checked_at: string | null;
  retry_after?: string | null;
}

/** An outreach event (a row of GET /outreach/events). */
export interface OutreachEventRow {
  event_id: string;
  run_id: string | null;
  contact_id: string;
  lead_id: string;
  email: string;
  channel: string;
  status: string;
  skip_reason: string | null;
  mailbox_id: string | null;
  template_id: string | null;
  attempts: number;
  retry_at: string | null;
  smtp_code: number | null;
  smtp_reply: string | null;
  created_at: string;
  sent_at: string | null;
}

export type MailboxStats = Schemas["MailboxStats"];
export type MailboxInput = Schemas["MailboxInput"];
export type MailboxPatch = Schemas["MailboxPatch"];
export type MailboxStatusChange = Schemas["ra_gateway__api__mailboxes_routes__StatusChange"];
export type ConnectionCheck = Schemas["ConnectionCheck"];
export type ConnectionTestSummary = Schemas["ConnectionTestSummary"];
export type BulkDeleteResult = Schemas["BulkDeleteResult"];

export type MailboxStatus = MailboxView["warmup_status"];
export type ConnectionStatus = MailboxView["connection_status"];
export type MailSecurity = NonNullable<MailboxView["smtp_security"]>;
type MailboxQuery = NonNullable<paths["/api/v1/mailboxes"]["get"]["parameters"]["query"]>;
export type MailboxSort = NonNullable<MailboxQuery["sort"]>;
export type MailboxListParams = MailboxQuery;

export type SettingList = Schemas["SettingList"];
export type SettingsInitialized = Schemas["SettingsInitialized"];
export type ProviderTestResult = Schemas["ProviderTestResult"];

export type LeadStats = Schemas["LeadStats"];
export type LeadStatus = Schemas["LeadStatus"];
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
