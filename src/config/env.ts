import { isIP } from "node:net";
import { z } from "zod";
import { parseAllowlist } from "../recording-mirror/host-allowlist";
import { MAX_UPLOAD_BYTES } from "../recording-mirror/storage/s3-limits";
import { parseSdkAppId, SDK_APP_ID_RULE } from "../tccc/sdk-app-id";

/**
 * The one place configuration is read. Every variable is documented in .env.example; a wrong or missing value stops
 * the start with a message naming the variable.
 */
const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const DAY_SEC = 86_400;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: DAY_SEC } as const;

/** "90m", "36h", "7d" or plain seconds. */
const durationSec = z
  .string()
  .regex(/^\d+[smhd]?$/, "must be a duration like 3600, 90m, 36h or 7d")
  .transform((value) => {
    const unit = (/[smhd]$/.exec(value)?.[0] ?? "s") as keyof typeof SECONDS_PER_UNIT;
    return Number.parseInt(value, 10) * SECONDS_PER_UNIT[unit];
  });

/** TCCC application ids, comma-separated. */
const sdkAppIdList = z
  .string()
  .transform((value) => value.split(",").map((id) => id.trim()).filter((id) => id !== ""))
  .pipe(z.array(z.string()).min(1, "must be comma-separated application ids"))
  .transform((ids, ctx) => {
    const parsed = ids.map(parseSdkAppId);
    if (parsed.includes(undefined)) ctx.addIssue({ code: "custom", message: `must be comma-separated application ids (${SDK_APP_ID_RULE})` });
    return [...new Set(parsed.filter((id) => id !== undefined))];
  });

const port = z.coerce.number().int().min(0).max(65535);

/**
 * An IANA time zone name (Asia/Shanghai, UTC), as both the ICU data of Node.js and PostgreSQL's tz database know them.
 * Offsets (+08:00) and abbreviations (CST) are refused: PostgreSQL reads POSIX offsets with the sign reversed, and an
 * abbreviation means different zones in different places.
 */
const ianaTimeZone = z.string().refine(
  (name) => {
    if (!/^(UTC|[A-Z][A-Za-z_-]*(\/[A-Za-z0-9_+-]+)+)$/.test(name)) return false;
    try {
      new Intl.DateTimeFormat("en", { timeZone: name });
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be an IANA time zone name such as Asia/Shanghai or UTC" },
);

/** proxy-addr's names for address ranges, as express accepts them in "trust proxy". */
const PROXY_RANGE_NAMES = ["loopback", "linklocal", "uniquelocal"];

/**
 * Express's "trust proxy": which hops may tell us the client's address and protocol (X-Forwarded-For/-Proto).
 * `true` is refused: trusting every hop lets any client forge its address past the sign-in rate limit and the
 * loopback-only rules.
 */
const trustProxy = z
  .string()
  .transform((value, ctx): false | number | string[] => {
    if (value === "false" || value === "0") return false;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
    const invalid = entries.filter((entry) => {
      const [address = "", prefix, ...rest] = entry.split("/");
      const family = isIP(address);
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
      return !(PROXY_RANGE_NAMES.includes(entry) || (family !== 0 && prefixOk && rest.length === 0));
    });
    if (value === "true" || entries.length === 0 || invalid.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `must be the number of proxies in front (e.g. 1), or their addresses/subnets or loopback, linklocal, uniquelocal (not "true": that lets any client forge its address)${invalid.length ? `; not understood: ${invalid.join(", ")}` : ""}`,
      });
      return z.NEVER;
    }
    return entries;
  });

const configSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    ROLE: z.enum(["all", "api", "worker"]).default("all"),
    // HTTP processes sharing PORT (node:cluster) in ROLE all or api; see web-cluster.ts
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    HOST: z.string().min(1).default("0.0.0.0"),
    PORT: port.default(3000),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default("postgresql://postgres@127.0.0.1:5432/tccc"),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    MIGRATE_ON_START: booleanFlag.default(true),

    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
    // REDIS_URL then names one node of a Redis Cluster
    REDIS_CLUSTER: booleanFlag.default(false),
    // a hash tag keeps every key of a queue in one Redis Cluster slot
    QUEUE_PREFIX: z.string().min(1).default("{tccc}"),

    PUSH_AUTH: z.enum(["none", "basic", "oauth2"]).default("none"),
    PUSH_BASIC_USER: z.string().min(1).optional(),
    PUSH_BASIC_PASSWORD: z.string().min(1).optional(),
    OAUTH_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
    OAUTH_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    OAUTH_TOKEN_TTL_SEC: z.coerce.number().int().min(60).max(86_400).default(7200),
    PUSH_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    // like Redis' protected mode: without push authentication, only this host may push unless this says otherwise
    PUSH_ALLOW_UNAUTHENTICATED_REMOTE: booleanFlag.default(false),
    TRUST_PROXY: trustProxy.default(false),

    // --- recording mirror ---
    MIRROR_ENABLED: booleanFlag.default(true),
    STORAGE_URL: z
      .string()
      .regex(/^(file:.+|s3:\/\/[^/]+(\/.*)?)$/, "must be file:///absolute/dir, file:relative/dir or s3://bucket[/prefix]")
      .default("file:./data/recordings"),
    S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_FORCE_PATH_STYLE: booleanFlag.default(false),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    MIRROR_ALLOWED_HOSTS: z
      .string()
      .default(".myqcloud.com,.tencentcos.cn")
      .transform((value, ctx) => {
        try {
          return parseAllowlist(value.split(",").filter((entry) => entry.trim() !== ""));
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }),
    MIRROR_CUSTOM_RECORD_URL: z.enum(["skip", "mirror"]).default("skip"),
    MIRROR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    MIRROR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
    MIRROR_RETRY_DELAY_MS: z.coerce.number().int().min(10).default(60_000),
    MIRROR_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
    MIRROR_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_UPLOAD_BYTES, `must be at most ${MAX_UPLOAD_BYTES} (10,000 S3 parts of 5 MiB)`)
      .default(2 * 1024 ** 3),
    MIRROR_ATTEMPT_DEADLINE_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(7 * DAY_SEC * 1000, "must be at most 604800000 (7 days)")
      .default(3_600_000),
    // 0 turns the sweep off
    MIRROR_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
    MIRROR_SWEEP_MIN_AGE_MS: z.coerce.number().int().min(0).default(600_000),
    MIRROR_SWEEP_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),

    // --- reconciliation ---
    TCCC_SDK_APP_IDS: sdkAppIdList.optional(),
    TCCC_SECRET_ID: z.string().min(1).optional(),
    TCCC_SECRET_KEY: z.string().min(1).optional(),
    TCCC_API_ENDPOINT: z.url({ protocol: /^https?$/ }).default("https://ccc.tencentcloudapi.com"),
    TCCC_API_REGION: z.string().min(1).optional(),
    TCCC_API_TIMEOUT_SEC: z.coerce.number().int().min(1).max(300).default(30),
    RECONCILE_INTERVAL_SEC: z.coerce.number().int().min(1).default(900),
    RECONCILE_LAG_SEC: z.coerce.number().int().min(0).default(300),
    RECONCILE_OVERLAP_SEC: z.coerce.number().int().min(0).default(3600),
    RECONCILE_INITIAL_LOOKBACK: durationSec.pipe(z.number().int().min(60).max(180 * DAY_SEC, "must be at most 180d (the API keeps 180 days)")).default(DAY_SEC),
    // the API refuses windows of 90 days or more; smaller windows make smaller units of retry and progress
    RECONCILE_MAX_WINDOW_SEC: z.coerce.number().int().min(60).max(90 * DAY_SEC - 1).default(DAY_SEC),
    RECONCILE_MAX_RPS: z.coerce.number().int().min(1).max(1000).default(20),
    RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),

    // --- history (push_inbox, tel_cdr_records) ---
    // unset: keep everything. Whole month partitions go once entirely older than this; failed rows are kept
    PUSH_INBOX_RETENTION_DAYS: z.coerce.number().int().min(1).optional(),
    TEL_CDR_RECORDS_RETENTION_DAYS: z.coerce.number().int().min(1).optional(),
    HISTORY_MAINTENANCE_INTERVAL_SEC: z.coerce.number().int().min(60).default(3600),

    // --- admin and operations ---
    ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    ADMIN_SESSION_TTL_SEC: z.coerce.number().int().min(60).max(30 * DAY_SEC).default(8 * 3600),
    ADMIN_SIGNIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(10),
    ADMIN_SIGNIN_WINDOW_SEC: z.coerce.number().int().min(1).max(DAY_SEC).default(900),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    METRICS_PORT: port.optional(),
    METRICS_STATE_INTERVAL_SEC: z.coerce.number().int().min(1).max(3600).default(30),

    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25_000),

    // --- analysts' views ---
    // the zone whose calendar days every daily view and report counts in (the contact center's)
    ANALYTICS_TIME_ZONE: ianaTimeZone.default("Asia/Shanghai"),
  })
  .superRefine((config, ctx) => {
    const requireWhen = (condition: boolean, reason: string, names: (keyof typeof config)[]) => {
      for (const name of names) {
        if (condition && config[name] === undefined) ctx.addIssue({ code: "custom", path: [name], message: `required when ${reason}` });
      }
    };
    if (config.REDIS_CLUSTER && !/^\{[^{}]+\}/.test(config.QUEUE_PREFIX)) {
      ctx.addIssue({ code: "custom", path: ["QUEUE_PREFIX"], message: "must start with a hash tag such as {tccc} when REDIS_CLUSTER=true (a queue's keys must share one slot)" });
    }
    requireWhen(config.PUSH_AUTH === "basic", "PUSH_AUTH=basic", ["PUSH_BASIC_USER", "PUSH_BASIC_PASSWORD"]);
    requireWhen(config.PUSH_AUTH === "oauth2", "PUSH_AUTH=oauth2", ["OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_TOKEN_SECRET"]);
    const reconciling = config.TCCC_SDK_APP_IDS !== undefined || config.TCCC_SECRET_ID !== undefined || config.TCCC_SECRET_KEY !== undefined;
    requireWhen(reconciling, "reconciliation is configured", ["TCCC_SECRET_ID", "TCCC_SECRET_KEY"]);
    if (config.METRICS_PORT !== undefined && config.METRICS_PORT !== 0 && config.METRICS_PORT === config.PORT) {
      ctx.addIssue({ code: "custom", path: ["METRICS_PORT"], message: "must differ from PORT (leave it unset to serve /metrics on PORT)" });
    }
    if (config.METRICS_PORT !== undefined && config.WEB_CONCURRENCY > 1 && config.ROLE !== "worker") {
      // the HTTP processes share PORT, not a port of their own; their metrics are not aggregated (yet)
      ctx.addIssue({ code: "custom", path: ["METRICS_PORT"], message: "is not served with WEB_CONCURRENCY > 1: unset it (/metrics on PORT answers for the process that takes the connection)" });
    }
  });

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Empty strings count as unset, so `FOO=` in an env file falls back to the default instead of failing. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = configSchema.safeParse(withoutEmptyValues(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(config)"}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
}
