import pino, { type Logger } from "pino";

export type { Logger };

/** Paths that may carry credentials; pino replaces them before a line is written. */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "password",
  "client_secret",
  "access_token",
  "*.password",
  "*.client_secret",
  "*.access_token",
  "config.PUSH_BASIC_PASSWORD",
  "config.OAUTH_CLIENT_SECRET",
  "config.OAUTH_TOKEN_SECRET",
  "config.TCCC_SECRET_KEY",
  "config.S3_SECRET_ACCESS_KEY",
];

/** Keys that hold customers' phone numbers, at the top of a log line or one level down; masked, not removed. */
const PHONE_KEYS = ["caller", "callee", "phone", "endpointUser", "Caller", "Callee", "Phone", "EndpointUser", "TelNumber"];
const PHONE_PATHS = PHONE_KEYS.flatMap((key) => [key, `*.${key}`]);

/** To stdout (pino's default destination) for the service; the CLI passes stderr, keeping stdout for its results. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "tccc-push-receiver", ...bindings },
    redact: {
      paths: [...REDACTED_PATHS, ...PHONE_PATHS],
      censor: (value, path) => (PHONE_KEYS.includes(path[path.length - 1] ?? "") ? maskPhone(typeof value === "string" ? value : String(value)) : "[redacted]"),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Keeps enough of a phone number to recognise it, never the whole of it. */
export function maskPhone(phone: string | undefined): string | undefined {
  if (!phone) return phone;
  if (phone.includes("@")) return phone;
  return phone.length <= 4 ? "****" : `${"*".repeat(phone.length - 4)}${phone.slice(-4)}`;
}
