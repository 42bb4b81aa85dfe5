// Chromium for the browser tests: the system's own build (Debian's `chromium` package), driven by
// playwright-core. RA_CHROMIUM points at another binary.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.RA_CHROMIUM ?? "/usr/bin/chromium";

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set RA_CHROMIUM`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

let shot = 0;

/** A full-page screenshot kept as a test artefact (e2e/artifacts/NN-name.png). */
export async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  shot += 1;
  await page.screenshot({ path: join(dir, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

/** Sign in through the login page. */
export async function signIn(page: Page, baseURL: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseURL}/login`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard/);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(/\/login/);
}
