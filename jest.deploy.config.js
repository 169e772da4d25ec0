/**
 * npm run test:deploy — the production install (build, prune, start from dist/ on a fresh database). Kept out of
 * `npm test`: it builds a copy of the project, which takes a minute on two cores. CI runs it.
 */
const { globalSetup: _sharedDatabaseSetup, ...base } = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ["**/*.deploy.ts"], testTimeout: 300_000, maxWorkers: 1 };
