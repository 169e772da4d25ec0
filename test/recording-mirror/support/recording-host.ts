import { createHash, randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the host does with one request. */
export type Behaviour = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * A real HTTP server standing in for the vendor's recording storage. Each path answers its requests with a script of
 * behaviours (the first request gets the first one, and the last one repeats), and every request is counted, so a
 * test can prove that a refused URL was never asked for.
 */
export interface RecordingHost {
  readonly port: number;
  /** `host:port` as an allowlist entry names it. */
  readonly authority: string;
  url(path: string): string;
  serve(path: string, ...script: Behaviour[]): void;
  requestsFor(path: string): number;
  readonly totalRequests: number;
  close(): Promise<void>;
}

export async function startRecordingHost(address = "127.0.0.1", port = 0): Promise<RecordingHost> {
  const scripts = new Map<string, Behaviour[]>();
  const counts = new Map<string, number>();
  let total = 0;
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://host").pathname;
    const seen = counts.get(path) ?? 0;
    counts.set(path, seen + 1);
    total += 1;
    const script = scripts.get(path);
    const behaviour = script?.[Math.min(seen, script.length - 1)] ?? status(404);
    behaviour(request, response);
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    port: actualPort,
    authority: `${address}:${actualPort}`,
    url: (path) => `http://${address}:${actualPort}${path}`,
    serve: (path, ...script) => scripts.set(path, script),
    requestsFor: (path) => counts.get(path) ?? 0,
    get totalRequests() {
      return total;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function audio(sizeBytes: number): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(sizeBytes);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

export function file(body: Buffer, contentType = "application/octet-stream"): Behaviour {
  return (_request, response) => {
    response.writeHead(200, { "content-type": contentType, "content-length": body.length });
    response.end(body);
  };
}

export function status(code: number): Behaviour {
  return (_request, response) => {
    response.writeHead(code, { "content-type": "text/plain" });
    response.end(`status ${code}`);
  };
}

export function redirect(location: string, code = 302): Behaviour {
  return (_request, response) => {
    response.writeHead(code, { location });
    response.end();
  };
}

/** Promises the whole body, sends `afterBytes` of it, then drops the connection. */
export function cutAfter(body: Buffer, afterBytes: number): Behaviour {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "audio/mpeg", "content-length": body.length });
    response.write(body.subarray(0, afterBytes), () => setTimeout(() => response.socket?.destroy(), 20));
  };
}

/** Sends `afterBytes` and then nothing more, keeping the connection open. */
export function stallAfter(body: Buffer, afterBytes: number): Behaviour {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "audio/mpeg", "content-length": body.length });
    response.write(body.subarray(0, afterBytes));
  };
}

/** Sends the body in `pieces` parts, `pauseMs` apart: slow, but never silent for long. */
export function trickle(body: Buffer, pieces: number, pauseMs: number): Behaviour {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "audio/mpeg", "content-length": body.length });
    const size = Math.ceil(body.length / pieces);
    let offset = 0;
    const next = () => {
      if (response.destroyed) return;
      response.write(body.subarray(offset, offset + size));
      offset += size;
      if (offset >= body.length) response.end();
      else setTimeout(next, pauseMs);
    };
    next();
  };
}

/** Sends the body without a Content-Length (chunked), as a source that does not say how much is coming. */
export function chunked(body: Buffer, chunkBytes = 16 * 1024): Behaviour {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "audio/mpeg" });
    for (let offset = 0; offset < body.length; offset += chunkBytes) response.write(body.subarray(offset, offset + chunkBytes));
    response.end();
  };
}

/** A chunked body that never ends: `chunkBytes` every `pauseMs` until the client goes away. */
export function endless(chunkBytes: number, pauseMs: number): Behaviour {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "audio/mpeg" });
    const chunk = Buffer.alloc(chunkBytes, 0x55);
    const next = () => {
      if (response.destroyed) return;
      response.write(chunk);
      setTimeout(next, pauseMs);
    };
    next();
  };
}
