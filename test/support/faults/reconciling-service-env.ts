import type { FakeTcccApi } from "../fake-tccc-api";
import { TEST_SECRET_ID, TEST_SECRET_KEY } from "../reconcile-fixture";

/**
 * Variables that make a service process reconcile `sdkAppIds` against the fake TCCC API every `intervalSec`, with no
 * lag, so that calls the fake lists are read within seconds.
 */
export function reconcilingServiceEnv(fake: FakeTcccApi, sdkAppIds: number[], intervalSec = 2): Record<string, string> {
  return {
    TCCC_SECRET_ID: TEST_SECRET_ID,
    TCCC_SECRET_KEY: TEST_SECRET_KEY,
    TCCC_API_ENDPOINT: fake.url,
    TCCC_SDK_APP_IDS: sdkAppIds.join(","),
    RECONCILE_INTERVAL_SEC: String(intervalSec),
    RECONCILE_LAG_SEC: "0",
    RECONCILE_INITIAL_LOOKBACK: "1h",
  };
}

/** How many call_sessions rows an application has. */
export const SESSION_COUNT_SQL = "SELECT count(*)::int AS count FROM call_sessions WHERE sdk_app_id = $1";
