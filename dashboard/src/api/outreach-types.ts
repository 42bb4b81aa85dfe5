// Short names for the schemas of the contacts, validation and outreach pages (generated types only).
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

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
