// The whole pipeline driven from the browser, against the real system (see system.ts): every step is
// what an analyst does, and each page's screenshot is kept in e2e/artifacts/.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { launch, screenshot, signIn, signOut } from "./browser";

const system = inject("system");
const { baseURL, artifacts } = system;

let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
});

beforeEach(async () => {
  // A step that failed may have left a dialog open; the next step starts from the page itself.
  for (let i = 0; i < 3 && (await page.locator("dialog[open]").count()) > 0; i++) await page.keyboard.press("Escape");
});

afterAll(async () => {
  await browser?.close();
});

/** Open a page from the sidebar, as a user would. */
async function open(name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

describe("the dashboard, driven in Chromium against the whole system", () => {
  it("sends a visitor to the login page and signs the admin in", async () => {
    await page.goto(`${baseURL}/dashboard/leads`);
    await page.waitForURL(/\/login\?next=/);
    await screenshot(page, artifacts, "login");
    await page.getByLabel("Email").fill(system.admin.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/invalid email or password/i);
    await page.getByLabel("Password").fill(system.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Back where the visitor was going.
    await page.waitForURL(/\/dashboard\/leads/);
  });

  it("runs lead sourcing and shows its progress live", async () => {
    await open("Pipelines");
    await page.getByText("● Live").waitFor();
    // Record every state the live card goes through, as the browser renders it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenRuns: string[] }).seenRuns = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="live-run"]')) {
          const state = `${el.getAttribute("data-status")}|${el.textContent}`;
          if (seen[seen.length - 1] !== state) seen.push(state);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    // A big demo run: its leads are stored 1,000 at a time, each step published as progress.
    await page.getByLabel("Max postings per source").fill("8000");
    await page.getByRole("button", { name: "Run lead sourcing" }).click();
    await page.getByText(/Lead sourcing run queued/).waitFor();
    await page.getByTestId("live-run").first().waitFor();
    await screenshot(page, artifacts, "pipelines-running");
    // The run finishes: the history shows it completed with the leads it inserted — with no reload.
    const row = page.getByRole("row").filter({ hasText: "Lead sourcing" }).first();
    await expect.poll(() => row.textContent(), { timeout: 90_000 }).toMatch(/Completed/);
    expect(await row.textContent()).toMatch(/Inserted\s*[1-9]/);
    const seen = await page.evaluate(() => (window as unknown as { seenRuns: string[] }).seenRuns);
    // The live card showed the run while it was going, with counts below the final ones: they moved as the
    // run's events arrived. (Several events can arrive in one network read and be drawn once, so how many
    // intermediate counts are drawn is not fixed.)
    const running = seen
      .filter((s) => s.startsWith("running|"))
      .map((s) => Number(/Inserted\s*(\d+)/.exec(s)?.[1] ?? Number.NaN))
      .filter((n) => !Number.isNaN(n));
    const final = Number(/Inserted\s*(\d+)/.exec((await row.textContent()) ?? "")?.[1]);
    expect(running.length, `live states seen: ${seen.join(" / ")}`).toBeGreaterThan(0);
    expect(Math.min(...running)).toBeLessThan(final);
    await screenshot(page, artifacts, "pipelines-done");
  });

  it("enriches and validates from the Pipelines page", async () => {
    for (const [button, label] of [
      ["Run contact enrichment", "Contact enrichment"],
      ["Run email validation", "Email validation"],
    ] as const) {
      await page.getByRole("button", { name: button }).click();
      const row = page.getByRole("row").filter({ hasText: label }).first();
      await expect.poll(() => row.textContent(), { timeout: 90_000 }).toMatch(/Completed/);
    }
  });

  it("shows the KPIs on the home page", async () => {
    await open("Dashboard");
    // Every card and chart filled in: the leads just found are counted.
    await expect.poll(() => page.locator("main").textContent(), { timeout: 30_000 }).not.toMatch(/…|Loading/);
    expect(await page.getByRole("link", { name: /All leads/i }).textContent()).toMatch(/[1-9]/);
    await page.locator(".recharts-surface").first().waitFor();
    await screenshot(page, artifacts, "home");
  });

  it("finds a lead and opens its contacts", async () => {
    await open("Leads");
    // The stat card filters the table: validated leads have contacts.
    await page.getByRole("button", { name: /Validated/ }).click();
    await page.waitForURL(/status=VALIDATED/);
    const firstRow = page.getByRole("row").nth(1);
    await firstRow.waitFor();
    const company = ((await firstRow.getByRole("cell").first().textContent()) ?? "").trim();
    expect(company).not.toBe("");
    await page.getByLabel("Search leads").fill(company);
    await page.waitForURL(/search=/);
    // Search finds every lead whose company, title or city holds each word of the term (another branch of
    // the same company can match too): the lead is there, and every row holds every word.
    const words = company.toLowerCase().match(/[^\W_]+/gu) ?? [];
    await expect.poll(async () => {
      const rows = (await page.getByRole("row").allTextContents()).slice(1);
      return (
        rows.some((r) => r.includes(company)) &&
        rows.every((r) => words.every((w) => r.toLowerCase().includes(w)))
      );
    }).toBe(true);
    await screenshot(page, artifacts, "leads");
    await page.getByRole("button", { name: "Contacts" }).first().click();
    const modal = page.getByRole("dialog", { name: `Contacts of ${company}` });
    await modal.waitFor();
    await expect.poll(() => modal.getByText(/@/).count()).toBeGreaterThan(0);
    await screenshot(page, artifacts, "lead-contacts");
    await modal.getByRole("button", { name: "Close" }).click();
  });

  it("imports a CSV of leads: row errors first, then the fixed file", async () => {
    await open("Leads");
    await page.getByRole("button", { name: "Import leads" }).click();
    const dialog = page.getByRole("dialog", { name: "Import leads" });
    const header = "Company,Job Title,City,State,Job Link\n";
    const good = "Browser Import Co,Plant Manager,Dayton,OH,https://jobs.example.com/e2e/1\n";
    const bad = "Misspelt State Co,HR Manager,Austin,Texass,\n";
    const file = (rows: string) => ({ name: "leads.csv", mimeType: "text/csv", buffer: Buffer.from(header + rows) });

    await dialog.getByLabel("File").setInputFiles(file(good + bad));
    await dialog.getByRole("button", { name: "Check file" }).click();
    const errors = dialog.getByRole("table", { name: "Rows with errors" });
    await expect.poll(() => errors.textContent()).toMatch(/Texass/);
    await screenshot(page, artifacts, "leads-import-errors");

    await dialog.getByLabel("File").setInputFiles(file(good));
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await expect.poll(() => dialog.textContent()).toMatch(/Imported 1 of 1/);
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await page.getByLabel("Search leads").fill("Browser Import");
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Browser Import Co" }).count()).toBe(1);
  });

  it("lists contacts and clients", async () => {
    await open("Contacts");
    await expect.poll(() => page.getByRole("row").count()).toBeGreaterThan(1);
    await screenshot(page, artifacts, "contacts");
    await open("Clients");
    await screenshot(page, artifacts, "clients");
  });

  it("checks one address on the validation page", async () => {
    await open("Validation");
    await expect.poll(() => page.getByRole("row").count()).toBeGreaterThan(1);
    await page.getByLabel("Email address").fill("jane.doe@acme.demo.example");
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await page.getByTestId("check-result").waitFor();
    await screenshot(page, artifacts, "validation");
  });

  it("exports a mail merge and downloads the CSV", async () => {
    await open("Outreach");
    await page.getByLabel("Mode").selectOption("mailmerge");
    await page.getByRole("button", { name: "Run outreach" }).click();
    const csvButton = page.getByRole("button", { name: "Download CSV" }).first();
    await csvButton.waitFor({ timeout: 90_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), csvButton.click()]);
    const path = await download.path();
    const { readFileSync } = await import("node:fs");
    const csv = readFileSync(path, "utf8");
    // A byte-order mark first, so that Excel reads the file as UTF-8.
    expect(csv.replace(/^\uFEFF/, "").split(/\r?\n/)[0]).toBe("First Name,Last Name,Email,Title,Company,State,Job Title");
    expect(csv.split(/\r?\n/).filter(Boolean).length).toBeGreaterThan(1);
    await screenshot(page, artifacts, "outreach");
  });

  it("adds a mailbox whose connection test fails clearly", async () => {
    await open("Mailboxes");
    await page.getByRole("button", { name: "Add mailbox" }).click();
    const form = page.getByRole("dialog", { name: "Add mailbox" });
    await form.getByLabel("Email", { exact: true }).fill("sender@outreach.example.com");
    await form.getByLabel("SMTP host").fill("smtp.outreach.invalid");
    await form.getByLabel("SMTP port").fill("587");
    await form.getByLabel("Username").fill("sender@outreach.example.com");
    await form.getByLabel("Password").fill("app-password-123");
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    const row = page.getByRole("row").filter({ hasText: "sender@outreach.example.com" });
    await row.getByRole("button", { name: "Test" }).click();
    const failure = page.getByRole("alert").filter({ hasText: /dns|resolve|not found/i });
    await failure.first().waitFor({ timeout: 30_000 });
    await screenshot(page, artifacts, "mailbox-test");
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).first().click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await screenshot(page, artifacts, "mailboxes");
  });

  it("changes a setting as admin", async () => {
    await open("Settings");
    const section = page.getByRole("region", { name: "Outreach" });
    const limit = page.getByLabel("Most outreach emails sent per day").first();
    await limit.fill("45");
    await section.getByRole("button", { name: "Save changes" }).click();
    await section.getByText("Saved", { exact: true }).waitFor();
    await page.reload();
    await expect.poll(() => page.getByLabel("Most outreach emails sent per day").first().inputValue()).toBe("45");
    await screenshot(page, artifacts, "settings");
  });

  it("sends an ended session back to the login page", async () => {
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem("ra.session") ?? "{}");
      localStorage.setItem("ra.session", JSON.stringify({ ...stored, access: "expired", refresh: "revoked" }));
    });
    await page.goto(`${baseURL}/dashboard/contacts`);
    await page.waitForURL(/\/login/);
    await signIn(page, baseURL, system.admin);
  });

  it("lets a viewer read but not change", async () => {
    await signOut(page);
    await signIn(page, baseURL, system.viewer);
    await open("Pipelines");
    await expect.poll(() => page.getByRole("button", { name: "Run lead sourcing" }).isDisabled()).toBe(true);
    await open("Settings");
    await expect.poll(() => page.getByLabel("Most outreach emails sent per day").first().isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Save changes" }).count()).toBe(0);
    await screenshot(page, artifacts, "settings-viewer");
    // And the API refuses the viewer too: the dashboard only mirrors it.
    const status = await page.evaluate(async () => {
      const session = JSON.parse(localStorage.getItem("ra.session") ?? "{}");
      const res = await fetch("/api/v1/settings/daily_send_limit", {
        method: "PUT",
        headers: { Authorization: `Bearer ${session.access}`, "Content-Type": "application/json" },
        body: JSON.stringify({ value: 99 }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    await signOut(page);
    await signIn(page, baseURL, system.admin);
  });
});
