import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { craftedCdr } from "../analysts/crafted-calls";
import { launchChromium } from "../support/browser";
import { sampleRecord } from "../support/payloads";
import { nowSec } from "../support/reconcile-fixture";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

jest.setTimeout(60_000);

const ADMIN_TOKEN = "admin-token-for-analytics-pages-01";
const storageRoot = path.join(tmpdir(), `analytics-pages-${process.pid}`);

/** The completeness charts and the call page as a person uses them, in headless Chromium. */
describe("the admin's completeness report and call pages in a browser", () => {
  let service: TestService;
  let browser: Browser;
  const appId = uniqueSdkAppId();
  const start = nowSec() - 3600;
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date(start * 1000));
  const [first, second, unanswered] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
  const caller = `00862${String(Date.now()).slice(-10)}`;
  const iso = (unixSec: number) => new Date(unixSec * 1000).toISOString();

  beforeAll(async () => {
    browser = await launchChromium();
    service = await startTestService({ ADMIN_TOKEN, STORAGE_URL: `file://${storageRoot}` });
    for (const [sessionId, accepted] of [[first, true], [second, true], [unanswered, false]] as const) {
      const cdr = craftedCdr(appId, sessionId, { direction: 0, skillGroup: [501, "Sales"], start: iso(start), queued: iso(start + 5), accept: accepted ? iso(start + 10) : undefined, ended: iso(start + 70), endStatus: accepted ? "ok" : "waitingGiveUp" });
      cdr.Caller = caller;
      expect((await service.push("cdr", cdr)).body.ErrCode).toBe(0);
    }
    // the first call's track, in storage as the mirror (not running here) would have left it
    expect((await service.push("record", sampleRecord(appId, first, { RecordId: "first-track", Timestamp: start }))).body.ErrCode).toBe(0);
    await mkdir(path.join(storageRoot, String(appId)), { recursive: true });
    await writeFile(path.join(storageRoot, String(appId), "first-track.mp3"), "ID3 recorded audio");
    await service.database.prisma.recording.updateMany({
      where: { sdkAppId: BigInt(appId), sessionId: first },
      data: { mirrorStatus: "mirrored", storageKey: `${appId}/first-track.mp3`, sizeBytes: 18, mirroredAt: new Date() },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await rm(storageRoot, { recursive: true, force: true });
  });

  async function signedIn(): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${service.url}/admin/login`);
    await page.fill("input[name=token]", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${service.url}/admin`);
    return page;
  }

  it("draws each application's days as charts: three calls pushed, none found only by reconciliation", async () => {
    const page = await signedIn();
    await page.click("text=Completeness");
    await page.goto(`${service.url}/admin/ui/report?from=${day}&to=${day}`);
    const app = page.locator(`section.app-report[data-sdk-app-id="${appId}"]`);

    await expect(app.locator("svg").count()).resolves.toBe(3);
    const bar = app.locator(`svg rect[data-day="${day}"][data-series="pushed"]`);
    await expect(bar.getAttribute("data-value")).resolves.toBe("3");
    // 3 calls on an axis that tops at 5: three fifths of the 150 px plot
    await expect(bar.getAttribute("height")).resolves.toBe("90.0");
    await expect(app.locator('svg rect[data-series="found only by reconciliation"]').count()).resolves.toBe(0);
    await expect(app.locator(`tr[data-day="${day}"] td`).nth(1).textContent()).resolves.toBe("3");
    await page.screenshot({ path: ".tmp/admin-report.png", fullPage: true }).catch(() => undefined);
    await page.close();
  });

  it("finds calls by the caller's number and opens one call's timeline and raw push", async () => {
    const page = await signedIn();
    await page.click("text=Calls");
    await page.fill("input[name=q]", caller);
    await page.click("button[type=submit]");
    await expect(page.locator("tr[data-session-id]").count()).resolves.toBe(3);

    await page.click(`tr[data-session-id="${first}"] a`);
    expect(page.url()).toBe(`${service.url}/admin/ui/calls/${first}`);
    const story = page.locator(`section.call-story[data-sdk-app-id="${appId}"]`);
    await expect(story.locator('table.timeline tr[data-source="call"] td').nth(2).textContent()).resolves.toBe("call started");
    const push = story.locator("details.push").first();
    await push.locator("summary").click();
    await expect(push.locator("pre").textContent()).resolves.toContain(`"SessionId": "${first}"`);

    // the mirrored track links to our copy of it
    const link = story.locator("table.tracks tr[data-recording-id] a");
    await expect(link.textContent()).resolves.toBe(`file://${storageRoot}/${appId}/first-track.mp3`);
    const object = await page.request.get(`${service.url}${await link.getAttribute("href")}`);
    expect(object.status()).toBe(200);
    await expect(object.text()).resolves.toBe("ID3 recorded audio");

    // a session id alone leads straight to its page
    await page.goto(`${service.url}/admin/ui/calls?q=${unanswered}`);
    expect(page.url()).toBe(`${service.url}/admin/ui/calls/${unanswered}`);
    await expect(page.locator("section.call-story p").first().textContent()).resolves.toContain("not answered");
    await page.close();
  });
});
