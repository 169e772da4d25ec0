/**
 * Baseline A of bench:ingest: what a user would write instead of this service, express 5 reading the raw body, then
 * baseline-receiver.ts's one INSERT before answering.
 */
import express from "express";
import { openBaselineInbox, serveBaseline } from "./baseline-receiver";

const inbox = openBaselineInbox();
const app = express();

app.post("/tccc/push", express.raw({ type: () => true, limit: "1mb" }), async (req, res) => {
  try {
    await inbox.store(req.get("x-tccc-push-uuid") ?? "", (req.body as Buffer).toString("utf8"));
    res.json({ ErrCode: 0, ErrMsg: "" });
  } catch (error) {
    res.status(503).json({ ErrCode: 1503, ErrMsg: (error as Error).message });
  }
});

void serveBaseline("express receiver", inbox, (port, host) => app.listen(port, host));
