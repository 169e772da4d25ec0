/** Worker-only entry point: the same service with ROLE=worker (no HTTP server). */
import { setFlagsFromString } from "node:v8";

// Prisma's query compiler is a WebAssembly module. By default V8 compiles its hot functions a second time with the
// optimising compiler in the background, which leaves 40-50 MB more resident in a process that mostly waits on the
// network and the disk; the baseline compiler's code is enough for the few queries a mirror or a reconciliation
// run sends (measured: no difference in per-query time against PostgreSQL). Must run before Prisma compiles it.
setFlagsFromString("--liftoff-only");

process.env.ROLE = "worker";
require("../src/main");
