import { startFakeTcccApi, type FakeTcccApi, type FakeTcccApiOptions } from "./fake-tccc-api";
import { startTestService, type TestService } from "./test-service";

export const TEST_SECRET_ID = "AKIDtestReconcile0000000000000000";
export const TEST_SECRET_KEY = "test-secret-key-for-the-fake-endpoint";

export interface ReconcileFixture {
  fake: FakeTcccApi;
  /** Started against the fake with reconciliation enabled and no scheduled application. */
  startService(env?: Record<string, string>): Promise<TestService>;
  stop(): Promise<void>;
}

/** A fake TCCC API, and services pointed at it; stop() stops them all. */
export async function startReconcileFixture(fakeOptions: Partial<FakeTcccApiOptions> = {}): Promise<ReconcileFixture> {
  const fake = await startFakeTcccApi({ secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY, ...fakeOptions });
  const services: TestService[] = [];
  return {
    fake,
    async startService(env = {}) {
      const service = await startTestService({ TCCC_SECRET_ID: TEST_SECRET_ID, TCCC_SECRET_KEY: TEST_SECRET_KEY, TCCC_API_ENDPOINT: fake.url, ...env });
      services.push(service);
      return service;
    },
    async stop() {
      await Promise.all(services.map((service) => service.stop()));
      await fake.close();
    },
  };
}

export const nowSec = () => Math.floor(Date.now() / 1000);

export interface ReconcileContext {
  fixture: ReconcileFixture;
  service: TestService;
}

/** For a describe block: a fake API and one service pointed at it, started before the tests and stopped after. */
export function useReconcileService(env: Record<string, string> = {}, fakeOptions: Partial<FakeTcccApiOptions> = {}): ReconcileContext {
  const context = {} as ReconcileContext;
  beforeAll(async () => {
    context.fixture = await startReconcileFixture(fakeOptions);
    context.service = await context.fixture.startService(env);
  });
  afterAll(() => context.fixture.stop());
  return context;
}
