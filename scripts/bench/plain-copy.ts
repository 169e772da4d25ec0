/**
 * The baseline for bench:mirror: a plain streamed copy of one URL into one file, nothing else. Prints the seconds.
 * Usage: node --import tsx scripts/bench/plain-copy.ts <url> <file>
 */
import { createWriteStream } from "node:fs";
import http from "node:http";
import { pipeline } from "node:stream/promises";

async function main(): Promise<void> {
  const [url, destination] = process.argv.slice(2);
  if (!url || !destination) throw new Error("usage: plain-copy.ts <url> <file>");
  const started = process.hrtime.bigint();
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).on("error", reject));
  await pipeline(response, createWriteStream(destination));
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
