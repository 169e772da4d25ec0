import { parseAllowlist } from "../../src/recording-mirror/host-allowlist";
import { openSource, type Resolver } from "../../src/recording-mirror/safe-fetch";
import { file, startRecordingHost, type RecordingHost } from "./support/recording-host";

describe("fetching a recording by name", () => {
  let systemAnswer: RecordingHost;
  let checkedAnswer: RecordingHost;
  beforeAll(async () => {
    systemAnswer = await startRecordingHost("127.0.0.1");
    // the same port on another loopback address: where the checked answer points
    checkedAnswer = await startRecordingHost("127.0.0.2", systemAnswer.port);
    for (const host of [systemAnswer, checkedAnswer]) host.serve("/track.mp3", file(Buffer.from("audio")));
  });
  afterAll(() => Promise.all([systemAnswer.close(), checkedAnswer.close()]));

  it("resolves the name once and connects to exactly the address it checked", async () => {
    const lookups: string[] = [];
    const resolve: Resolver = async (name) => {
      lookups.push(name);
      return [{ address: "127.0.0.2", family: 4 }];
    };

    const source = await openSource(`http://localhost:${systemAnswer.port}/track.mp3`, {
      allowlist: parseAllowlist([`localhost:${systemAnswer.port}`]),
      idleTimeoutMs: 2000,
      resolve,
    });
    source.body.resume();

    expect(lookups).toEqual(["localhost"]);
    expect(checkedAnswer.requestsFor("/track.mp3")).toBe(1);
    expect(systemAnswer.totalRequests).toBe(0);
  });

  it("refuses a name under a .domain entry that resolves to the metadata address, without connecting", async () => {
    const resolve: Resolver = async () => [{ address: "169.254.169.254", family: 4 }];

    await expect(
      openSource("http://rebound.cos.ap-shanghai.myqcloud.com/x.mp3", { allowlist: parseAllowlist([".myqcloud.com"]), idleTimeoutMs: 2000, resolve }),
    ).rejects.toThrow("refused: rebound.cos.ap-shanghai.myqcloud.com resolves to non-public address 169.254.169.254");
  });
});
