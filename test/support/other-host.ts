import { execFile, execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A second host on this machine: a network namespace joined to ours by a veth pair, with addresses from 198.18.0.0/15
 * (RFC 2544's range for test networks, routed nowhere). Requests from it reach the service from a non-loopback address,
 * as TCCC's would. Needs root and iproute2; `unavailable` says why when it cannot be made.
 */
export interface OtherHost {
  /** Our address as the other host sees it. */
  ourAddress: string;
  /** The other host's own address. */
  address: string;
  /** fetch(), run from inside the other host. */
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }>;
  destroy(): void;
}

const CLIENT = `
const [url, init] = process.argv.slice(1);
fetch(url, JSON.parse(init)).then(async (response) => console.log(JSON.stringify({ status: response.status, body: await response.text() })),
  (error) => { console.log(JSON.stringify({ status: 0, body: String(error.cause ?? error) })); });
`;

export function createOtherHost(): OtherHost | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: "creating a network namespace needs root" };
  const tag = `${process.pid % 10_000}${randomInt(100, 999)}`;
  const namespace = `tccc-test-${tag}`;
  const [ours, theirs] = [`tv${tag}a`, `tv${tag}b`];
  const subnet = `198.${18 + randomInt(0, 2)}.${randomInt(0, 256)}.${randomInt(0, 64) * 4}`;
  const [a, b, c, d] = subnet.split(".").map(Number) as [number, number, number, number];
  const ourAddress = `${a}.${b}.${c}.${d + 1}`;
  const address = `${a}.${b}.${c}.${d + 2}`;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
  try {
    ip("netns", "add", namespace);
  } catch (error) {
    return { unavailable: `cannot create a network namespace (ip netns add): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
  try {
    ip("link", "add", ours, "type", "veth", "peer", "name", theirs);
    ip("link", "set", theirs, "netns", namespace);
    ip("addr", "add", `${ourAddress}/30`, "dev", ours);
    ip("link", "set", ours, "up");
    ip("-n", namespace, "addr", "add", `${address}/30`, "dev", theirs);
    ip("-n", namespace, "link", "set", theirs, "up");
    ip("-n", namespace, "link", "set", "lo", "up");
  } catch (error) {
    execFileSync("ip", ["netns", "del", namespace], { stdio: "ignore" });
    return { unavailable: `cannot set up a veth pair: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
  return {
    ourAddress,
    address,
    async fetch(url, init = {}) {
      // asynchronously: the service under test runs in this very process and must keep answering
      const { stdout } = await run("ip", ["netns", "exec", namespace, process.execPath, "-e", CLIENT, url, JSON.stringify(init)], { env: { PATH: process.env.PATH ?? "" }, timeout: 20_000 });
      return JSON.parse(stdout) as { status: number; body: string };
    },
    destroy() {
      // the veth pair goes with the namespace
      execFileSync("ip", ["netns", "del", namespace], { stdio: "ignore" });
    },
  };
}
