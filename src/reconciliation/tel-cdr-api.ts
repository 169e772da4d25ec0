import type { AppConfig } from "../config/env";
import { ccc } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc";
import type { DescribeTelCdrRequest, DescribeTelCdrResponse } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import { classifyTelCdrError } from "./tel-cdr-errors";

/** The largest page DescribeTelCdr serves. */
export const TEL_CDR_PAGE_SIZE = 100;

export interface TelCdrQuery {
  sdkAppId: number;
  /** Unix seconds. */
  start: number;
  end: number;
  pageNumber: number;
}

export interface TelCdrPage {
  totalCount: number;
  /** TelCdrInfo objects as the API sent them, unchecked: src/tccc/tel-cdr-info.ts parses them. */
  records: unknown[];
}

export interface TelCdrApi {
  /** One page. Throws TelCdrApiError. */
  describeTelCdr(query: TelCdrQuery, signal?: AbortSignal): Promise<TelCdrPage>;
}

export interface TelCdrApiOptions {
  secretId: string;
  secretKey: string;
  /** e.g. https://ccc.tencentcloudapi.com or http://127.0.0.1:PORT */
  endpoint: string;
  region?: string;
  timeoutSec: number;
}

export function createTelCdrApi(options: TelCdrApiOptions): TelCdrApi {
  const endpoint = new URL(options.endpoint);
  const client = new ccc.v20200210.Client({
    credential: { secretId: options.secretId, secretKey: options.secretKey },
    region: options.region,
    profile: { httpProfile: { endpoint: endpoint.host, protocol: endpoint.protocol + "//", reqTimeout: options.timeoutSec } },
  });

  return {
    async describeTelCdr(query, signal) {
      const request: DescribeTelCdrRequest = {
        SdkAppId: query.sdkAppId,
        StartTimeStamp: query.start,
        EndTimeStamp: query.end,
        PageSize: TEL_CDR_PAGE_SIZE,
        PageNumber: query.pageNumber,
      };
      try {
        // request() rather than DescribeTelCdr(): only request() passes an AbortSignal down to the HTTP call
        const response = (await client.request("DescribeTelCdr", request, { signal })) as DescribeTelCdrResponse;
        return { totalCount: response.TotalCount ?? 0, records: response.TelCdrList ?? response.TelCdrs ?? [] };
      } catch (error) {
        throw classifyTelCdrError(error);
      }
    },
  };
}

/** The SDK client the config describes; undefined without API credentials (reconciliation is then off). */
export function telCdrApiFromConfig(
  config: Pick<AppConfig, "TCCC_SECRET_ID" | "TCCC_SECRET_KEY" | "TCCC_API_ENDPOINT" | "TCCC_API_REGION" | "TCCC_API_TIMEOUT_SEC">,
): TelCdrApi | undefined {
  if (!config.TCCC_SECRET_ID || !config.TCCC_SECRET_KEY) return undefined;
  return createTelCdrApi({
    secretId: config.TCCC_SECRET_ID,
    secretKey: config.TCCC_SECRET_KEY,
    endpoint: config.TCCC_API_ENDPOINT,
    region: config.TCCC_API_REGION,
    timeoutSec: config.TCCC_API_TIMEOUT_SEC,
  });
}
