/** Baseline B of bench:ingest: node:http and nothing else around baseline-receiver.ts's one INSERT. */
import { createServer } from "node:http";
import { openBaselineInbox, serveBaseline } from "./baseline-receiver";

const inbox = openBaselineInbox();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    inbox.store(String(req.headers["x-tccc-push-uuid"] ?? ""), Buffer.concat(chunks).toString("utf8")).then(
      () => res.writeHead(200, { "Content-Type": "application/json" }).end('{"ErrCode":0,"ErrMsg":""}'),
      (error: Error) => res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ ErrCode: 1503, ErrMsg: error.message })),
    );
  });
});

void serveBaseline("minimal receiver", inbox, (port, host) => server.listen(port, host));
