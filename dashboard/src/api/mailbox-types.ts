// Short names for the mailbox and settings schemas the Mailboxes and Settings pages use.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type MailboxView = Schemas["MailboxView"];
export type MailboxPage = Schemas["MailboxPage"];
export type MailboxStats = Schemas["MailboxStats"];
export type MailboxInput = Schemas["MailboxInput"];
export type MailboxPatch = Schemas["MailboxPatch"];
export type MailboxStatusChange = Schemas["ra_gateway__api__mailboxes_routes__StatusChange"];
export type ConnectionCheck = Schemas["ConnectionCheck"];
export type ConnectionTestResult = Schemas["ConnectionTestResult"];
export type ConnectionTestSummary = Schemas["ConnectionTestSummary"];
export type BulkDeleteResult = Schemas["BulkDeleteResult"];

export type MailboxStatus = MailboxView["warmup_status"];
export type ConnectionStatus = MailboxView["connection_status"];
export type MailSecurity = NonNullable<MailboxView["smtp_security"]>;
type MailboxQuery = NonNullable<paths["/api/v1/mailboxes"]["get"]["parameters"]["query"]>;
export type MailboxSort = NonNullable<MailboxQuery["sort"]>;
export type MailboxListParams = MailboxQuery;

export type SettingOut = Schemas["SettingOut"];
export type SettingList = Schemas["SettingList"];
export type SettingsInitialized = Schemas["SettingsInitialized"];
export type ProviderTestResult = Schemas["ProviderTestResult"];
