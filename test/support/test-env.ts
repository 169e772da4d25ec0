import { loadConfig, type AppConfig } from "../../src/config/env";

/** Tests use their own database (created and migrated once by global-setup) on the machine's PostgreSQL and Redis. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc_test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    // each test run gets its own queues, so parallel files and earlier runs never see each other's jobs
    QUEUE_PREFIX: `{tccc-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}}`,
    MIGRATE_ON_START: "false",
    // a worker fetching the sample pushes' RecordURLs would reach for the internet; mirror tests turn it on
    MIRROR_ENABLED: "false",
    ...overrides,
  });
}
