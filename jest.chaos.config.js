/**
 * npm run test:chaos — fault injection on throwaway PostgreSQL and Redis instances and the service as a child process.
 * Slow by nature, so kept out of `npm test`; one file at a time, since each starts databases and services of its own.
 * No global setup: every file migrates its own throwaway database through the service's MIGRATE_ON_START.
 */
const { globalSetup: _sharedDatabaseSetup, ...base } = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ["**/*.chaos.ts"], testTimeout: 240_000, maxWorkers: 1 };
