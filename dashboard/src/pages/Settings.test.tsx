import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { SettingOut } from "../api/types";
import { API, http, json, renderAt } from "../test/harness";

function setting(over: Partial<SettingOut> & Pick<SettingOut, "key" | "type" | "section" | "description">): SettingOut {
  return {
    value: null,
    is_set: true,
    is_default: false,
    secret: over.type === "secret",
    default: null,
    choices: [],
    minimum: null,
    maximum: null,
    unit: "",
    updated_by: null,
    updated_at: null,
    ...over,
  };
}

const SETTINGS: SettingOut[] = [
  setting({ key: "warmup_skip_weekends", type: "bool", section: "warmup", description: "Send no warmup emails on Saturdays and Sundays", value: true, default: true }),
  setting({ key: "jsearch_api_key", type: "secret", section: "job_sources", description: "JSearch (RapidAPI) key", value: "ab••••1234", default: "" }),
  setting({
    key: "target_states", type: "string_list", section: "job_sources", description: "Target US states (two-letter codes)",
    value: ["CA", "TX"], default: ["CA", "NY", "TX"], choices: ["CA", "NY", "TX"],
  }),
  setting({ key: "target_job_titles", type: "string_list", section: "job_sources", description: "Target job titles", value: ["HR Manager", "Recruiter"], default: ["HR Manager"] }),
  setting({ key: "warmup_ai_provider", type: "enum", section: "ai", description: "AI provider for warmup content", value: "groq", default: "groq", choices: ["groq", "openai", "anthropic", "gemini"] }),
  setting({ key: "groq_api_key", type: "secret", section: "ai", description: "Groq API key", value: "", is_set: false, default: "" }),
  setting({ key: "max_contacts_per_job", type: "int", section: "contact_discovery", description: "Contacts kept per lead", value: 4, default: 4, minimum: 1, maximum: 25 }),
  setting({ key: "validation_reuse_days", type: "int", section: "email_validation", description: "A result for an address is reused this long", value: 30, default: 30, minimum: 0, maximum: 365, unit: "days" }),
  setting({ key: "smtp_host", type: "string", section: "outreach", description: "SMTP server host", value: "", default: "" }),
  setting({ key: "odd_thing", type: "string", section: "misc_things", description: "Something new", value: "x", default: "" }),
];

function listHandler(items = SETTINGS) {
  return http.get(`${API}/settings`, () => json({ items }));
}

function region(name: string) {
  return within(screen.getByRole("region", { name }));
}

describe("Settings page", () => {
  it("shows every section in the SOP's order with each setting labelled by its description", async () => {
    renderAt("/dashboard/settings", [listHandler()]);
    await screen.findByRole("region", { name: "Job sources" });
    const headings = screen.getAllByRole("heading", { level: 2 }).map((h) => h.textContent);
    expect(headings).toEqual(["Job sources", "AI", "Contact discovery", "Email validation", "Outreach", "Warmup", "Misc things"]);
    expect(screen.getByLabelText("Contacts kept per lead")).toHaveValue(4);
    expect(screen.getByLabelText("A result for an address is reused this long")).toHaveAttribute("max", "365");
    expect(screen.getByText("max_contacts_per_job")).toBeInTheDocument();
    expect(screen.getByText("default: 30 days")).toBeInTheDocument();
    expect(screen.getByLabelText("Send no warmup emails on Saturdays and Sundays")).toBeChecked();
    expect(screen.getByLabelText("AI provider for warmup content")).toHaveValue("groq");
    const states = screen.getByRole("group", { name: "Target US states (two-letter codes)" });
    expect(within(states).getByLabelText("NY")).not.toBeChecked();
    expect(within(states).getByLabelText("TX")).toBeChecked();
  });

  it("saves a changed number as a number and says Saved", async () => {
    const puts: [string, unknown][] = [];
    const user = userEvent.setup();
    renderAt("/dashboard/settings", [
      listHandler(),
      http.put(`${API}/settings/:key`, async ({ params, request }) => {
        puts.push([String(params.key), await request.json()]);
        return json(setting({ ...SETTINGS[6], value: 7 }));
      }),
    ]);
    const input = await screen.findByLabelText("Contacts kept per lead");
    await user.clear(input);
    await user.type(input, "7");
    await user.click(region("Contact discovery").getByRole("button", { name: "Save changes" }));
    expect(await region("Contact discovery").findByText("Saved")).toBeInTheDocument();
    expect(puts).toEqual([["max_contacts_per_job", { value: 7 }]]);
  });

  it("shows a 422 under the field it refuses", async () => {
    const user = userEvent.setup();
    renderAt("/dashboard/settings", [
      listHandler(),
      http.put(`${API}/settings/validation_reuse_days`, () =>
        json({ detail: [{ loc: ["body", "value"], msg: "validation_reuse_days must be at most 365, got 400", type: "value_error" }] }, 422),
      ),
    ]);
    const input = await screen.findByLabelText("A result for an address is reused this long");
    await user.clear(input);
    await user.type(input, "400");
    await user.click(region("Email validation").getByRole("button", { name: "Save changes" }));
    const message = await screen.findByText("validation_reuse_days must be at most 365, got 400");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAttribute("aria-describedby", message.id);
    expect(region("Email validation").queryByText("Saved")).not.toBeInTheDocument();
  });

  it("never shows a secret's mask as its value; typing replaces it and Clear sends an empty string", async () => {
    const puts: [string, unknown][] = [];
    const user = userEvent.setup();
    renderAt("/dashboard/settings", [
      listHandler(),
      http.put(`${API}/settings/:key`, async ({ params, request }) => {
        puts.push([String(params.key), await request.json()]);
        return json(SETTINGS[1]);
      }),
    ]);
    const key = await screen.findByLabelText("JSearch (RapidAPI) key");
    expect(key).toHaveAttribute("type", "password");
    expect(key).toHaveValue("");
    expect(key).toHaveAttribute("placeholder", "ab••••1234");
    const jobs = region("Job sources");
    expect(jobs.getByText("Set")).toBeInTheDocument();
    expect(screen.getByLabelText("Groq API key")).toHaveAttribute("placeholder", "Not set");

    await user.click(jobs.getByRole("button", { name: "Clear" }));
    expect(jobs.getByText(/will be removed when you save/)).toBeInTheDocument();
    await user.click(jobs.getByRole("button", { name: "Save changes" }));
    await jobs.findByText("Saved");
    expect(puts).toEqual([["jsearch_api_key", { value: "" }]]);

    const groq = screen.getByLabelText("Groq API key");
    await user.type(groq, "gsk-new");
    await user.click(region("AI").getByRole("button", { name: "Save changes" }));
    await region("AI").findByText("Saved");
    expect(puts.at(-1)).toEqual(["groq_api_key", { value: "gsk-new" }]);
  });

  it("edits lists: chips are removed and added with Enter, choices with All / None", async () => {
    const puts: Record<string, unknown> = {};
    const user = userEvent.setup();
    renderAt("/dashboard/settings", [
      listHandler(),
      http.put(`${API}/settings/:key`, async ({ params, request }) => {
        puts[String(params.key)] = await request.json();
        return json(SETTINGS[2]);
      }),
    ]);
    await user.click(await screen.findByRole("button", { name: "Remove Recruiter" }));
    await user.type(screen.getByLabelText("Target job titles"), "Plant Manager{Enter}");
    expect(screen.getByRole("button", { name: "Remove Plant Manager" })).toBeInTheDocument();
    expect(screen.getByLabelText("Target job titles")).toHaveValue("");
    const states = within(screen.getByRole("group", { name: "Target US states (two-letter codes)" }));
    await user.click(states.getByRole("button", { name: "None" }));
    await user.click(states.getByLabelText("NY"));
    await user.click(region("Job sources").getByRole("button", { name: "Save changes" }));
    await region("Job sources").findByText("Saved");
    expect(puts).toEqual({
      target_job_titles: { value: ["HR Manager", "Plant Manager"] },
      target_states: { value: ["NY"] },
    });
  });

  it("tests a provider's saved key and shows the answer", async () => {
    const user = userEvent.setup();
    renderAt("/dashboard/settings", [
      listHandler(),
      http.post(`${API}/settings/test-connection/jsearch`, () =>
        json({ provider: "jsearch", ok: false, status: "auth", detail: "the key was refused (403)", latency_ms: 180 }),
      ),
      http.post(`${API}/settings/test-connection/groq`, () =>
        json({ provider: "groq", ok: true, status: "ok", detail: "key accepted", latency_ms: 95 }),
      ),
    ], "operator");
    await user.click(await screen.findByRole("button", { name: "Test jsearch" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("jsearch: Key refused — the key was refused (403) (180 ms)");
    await user.click(region("AI").getByRole("button", { name: "Test selected provider" }));
    expect(await region("AI").findByText("groq: Connected — key accepted (95 ms)")).toBeInTheDocument();
  });

  it("lets an admin initialize the defaults", async () => {
    const user = userEvent.setup();
    let lists = 0;
    renderAt("/dashboard/settings", [
      http.get(`${API}/settings`, () => {
        lists += 1;
        return json({ items: SETTINGS });
      }),
      http.post(`${API}/settings/initialize`, () => json({ initialized: ["cooldown_days", "smtp_port"] })),
    ]);
    await user.click(await screen.findByRole("button", { name: "Initialize defaults" }));
    expect(await screen.findByText("Initialized 2 settings with their defaults: cooldown_days, smtp_port.")).toBeInTheDocument();
    await waitFor(() => expect(lists).toBe(2));
  });

  it("is read only for operators, who may still test providers", async () => {
    renderAt("/dashboard/settings", [listHandler()], "operator");
    expect(await screen.findByText("Read only: only admins change settings.")).toBeInTheDocument();
    expect(await screen.findByLabelText("Contacts kept per lead")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save changes" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Initialize defaults" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Test jsearch" })).toBeEnabled();
  });

  it("is read only for viewers: every input disabled, no Save, no tests", async () => {
    renderAt("/dashboard/settings", [listHandler()], "viewer");
    expect(await screen.findByText("Read only: only admins change settings.")).toBeInTheDocument();
    await screen.findByRole("region", { name: "Job sources" });
    const main = screen.getByRole("main");
    expect(main.querySelectorAll("input, select").length).toBeGreaterThan(10);
    for (const el of [...main.querySelectorAll("input, select, textarea")]) expect(el).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save changes" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Clear" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Test/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Remove/ })).not.toBeInTheDocument();
  });

  it("shows the API's error when the settings cannot be read", async () => {
    renderAt("/dashboard/settings", [http.get(`${API}/settings`, () => json({ detail: "database unavailable" }, 503))]);
    expect(await screen.findByText("database unavailable")).toBeInTheDocument();
  });
});
