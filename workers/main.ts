/** Worker-only entry point: the same service with ROLE=worker (no HTTP server). */
process.env.ROLE = "worker";
require("../src/main");
