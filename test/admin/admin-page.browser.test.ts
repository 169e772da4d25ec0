import { existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { chromium, type Browser } from "playwright-core";
import type { Prisma } from "../../src/generated/prisma/client";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

jest.setTimeout(60_000);

const ADMIN_TOKEN = "admin-token-for-browser-tests-0123";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The admin page as a person uses it, in headless Chromium (Debian's package; .ci/run installs it). */
describe("the admin page in a browser", () => {
  let service: TestService;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
    service = await startTestService({ ADMIN_TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it("signs in, shows a failed push with its error, and replays it with one click", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const pushUuid = `browser-${randomUUID()}`;
    // stored as failed by an older version of the service although the body is fine: a replay fixes it
    await service.database.prisma.pushInbox.create({
      data: { pushUuid, action: "cdr", sdkAppId: BigInt(appId), sessionId, body: sampleCdr(appId, sessionId) as Prisma.InputJsonObject, status: "failed", error: "mapping bug in v0.9" },
    });
    const page = await browser.newPage();

    await page.goto(`${service.url}/admin`);
    expect(page.url()).toMatch(/\/admin\/login$/);
    await page.fill("input[name=token]", "wrong-token");
    await page.click("button[type=submit]");
    await expect(page.getByRole("alert").textContent()).resolves.toContain("not the admin token");
    await page.fill("input[name=token]", ADMIN_TOKEN);
    await page.click("button[type=submit]");

    const row = page.locator(`tr[data-push-uuid="${pushUuid}"]`);
    await expect(row.locator("td.error").textContent()).resolves.toBe("mapping bug in v0.9");
    await row.getByRole("button", { name: "Replay" }).click();

    await expect(page.getByRole("status").textContent()).resolves.toBe(`Push ${pushUuid} replayed: processed.`);
    expect(await page.locator(`tr[data-push-uuid="${pushUuid}"]`).count()).toBe(0);
    await page.screenshot({ path: ".tmp/admin-page.png", fullPage: true }).catch(() => undefined);
    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } });
    expect(stored.status).toBe("processed");
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId), sessionId } })).toBe(1);
    await page.close();
  });

  it("keeps the queue board behind the same sign-in", async () => {
    const anonymous = await fetch(`${service.url}/admin/queues`);
    expect(anonymous.status).toBe(401);

    const page = await browser.newPage();
    await page.goto(`${service.url}/admin/login`);
    await page.fill("input[name=token]", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    const board = await page.goto(`${service.url}/admin/queues`);
    expect(board?.status()).toBe(200);
    await page.close();
  });
});
