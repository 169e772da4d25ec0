import { errorReason, StartupError } from "../errors/startup-error";
import type { Logger } from "../logging/logger";
import type { Sql } from "../persistence/database";
import { classifyDatabaseError, DatabaseUnavailableError } from "../persistence/database-errors";

/**
 * Writes ANALYTICS_TIME_ZONE into analytics_settings, the row the views' analytics_time_zone() reads: changing the
 * variable and restarting changes every daily view, without a migration. An unchanged zone writes nothing.
 * PostgreSQL unreachable: a warning, and the views keep the zone they had (pushes do not need it). A zone PostgreSQL's
 * tz database does not know stops the start, since every daily view would fail on it.
 */
export async function applyAnalyticsSettings(sql: Sql, timeZone: string, logger: Logger): Promise<void> {
  try {
    await sql.$executeRaw`
      UPDATE "analytics_settings" SET "time_zone" = ${timeZone}, "updated_at" = now()
      WHERE "singleton" AND "time_zone" IS DISTINCT FROM ${timeZone} AND (now() AT TIME ZONE ${timeZone}) IS NOT NULL`;
  } catch (error) {
    const failure = classifyDatabaseError(error);
    if (failure instanceof DatabaseUnavailableError) {
      logger.warn({ reason: errorReason(error) }, `ANALYTICS_TIME_ZONE ${timeZone} not applied: PostgreSQL is unreachable, the views keep their zone`);
      return;
    }
    // 22023 invalid_parameter_value: "time zone ... not recognized"
    if (failure?.sqlState === "22023") throw new StartupError(`ANALYTICS_TIME_ZONE ${timeZone} is unknown to PostgreSQL: ${errorReason(error)}`, { cause: error });
    throw error;
  }
}
