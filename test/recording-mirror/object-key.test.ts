import fc from "fast-check";
import { objectFormat, objectKey, type TrackIdentity } from "../../src/recording-mirror/object-key";
import { COLLIDING_RECORD_IDS, COLLIDING_SESSION_IDS } from "./support/colliding-ids";

const MP3 = objectFormat(new URL("https://recorder.cos.ap-shanghai.myqcloud.com/a.mp3"), undefined);

function track(overrides: Partial<TrackIdentity> = {}): TrackIdentity {
  return {
    sdkAppId: 1400482256n,
    sessionId: "99a1c8f8-6d1e-4c3e-9f0b-2d7c1e3a5b40",
    kind: "call",
    trackKey: "1608130650",
    recordId: "1608130650",
    endpointUser: "13123456789",
    recordedAt: new Date("2026-05-17T08:00:00Z"),
    createdAt: new Date("2026-05-17T08:00:05Z"),
    ...overrides,
  };
}

/** Tracks of one app, date and RecordId whose session ids differ: exactly the case of the issue. */
const sessionTrack = (sessionId: string) => track({ sessionId });
const recordTrack = (recordId: string) => track({ trackKey: recordId, recordId });

describe("object keys", () => {
  it("stay readable and browsable, and are the same for the same track from one release to the next", () => {
    // a retry after a crash must find the object the crashed attempt wrote: this key must never change. The digest is
    // printf '%s' '["1400482256","99a1c8f8-6d1e-4c3e-9f0b-2d7c1e3a5b40","call","1608130650"]' | sha256sum | cut -c1-16
    expect(objectKey(track(), MP3)).toBe("1400482256/2026/05/17/99a1c8f8-6d1e-4c3e-9f0b-2d7c1e3a5b40/call-1608130650-_______6789-3ed8a3103b07dccf.mp3");
  });

  it.each(Object.entries(COLLIDING_SESSION_IDS))("differ for session ids that sanitize alike: %s", (_group, sessionIds) => {
    const keys = sessionIds.map((sessionId) => objectKey(sessionTrack(sessionId), MP3));

    expect(new Set(keys).size).toBe(sessionIds.length);
    // a case-insensitive file system (macOS, Windows shares) must see them as different names too
    expect(new Set(keys.map((key) => key.toLowerCase())).size).toBe(sessionIds.length);
  });

  it("differ for RecordIds that sanitize alike within one session", () => {
    const keys = COLLIDING_RECORD_IDS.map((recordId) => objectKey(recordTrack(recordId), MP3));

    expect(new Set(keys.map((key) => key.toLowerCase())).size).toBe(COLLIDING_RECORD_IDS.length);
  });

  it("differ between a call track and a voicemail with the same ids, and between applications", () => {
    const keys = [track(), track({ kind: "voicemail" }), track({ sdkAppId: 1400482257n })].map((identity) => objectKey(identity, MP3));

    expect(new Set(keys).size).toBe(3);
  });

  it("never leave a path segment that is empty, a dot name, or longer than a file system allows", () => {
    const all = [...Object.values(COLLIDING_SESSION_IDS).flat().map(sessionTrack), ...COLLIDING_RECORD_IDS.map(recordTrack), track({ endpointUser: "x".repeat(500) })];
    for (const identity of all) {
      const segments = objectKey(identity, MP3).split("/");
      expect(segments).toHaveLength(6);
      for (const segment of segments) {
        expect(segment).toMatch(/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/);
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
      }
    }
  });

  it("are one-to-one with track identities, whatever the ids contain", () => {
    const identity = fc.record({
      sessionId: fc.string({ unit: "grapheme", maxLength: 160 }),
      kind: fc.constantFrom("call", "voicemail"),
      trackKey: fc.string({ unit: "grapheme-ascii", maxLength: 120 }),
    });
    fc.assert(
      fc.property(identity, identity, (a, b) => {
        fc.pre(a.sessionId !== b.sessionId || a.kind !== b.kind || a.trackKey !== b.trackKey);
        const key = (ids: typeof a) => objectKey(track({ ...ids, recordId: ids.trackKey }), MP3).toLowerCase();
        return key(a) !== key(b);
      }),
      { numRuns: 2000 },
    );
  });
});
