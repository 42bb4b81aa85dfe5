// Short names for the API's schemas (all generated from the gateway's OpenAPI document).
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
