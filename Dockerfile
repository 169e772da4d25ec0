# syntax=docker/dockerfile:1
# The production image, built the way README "Deploying" describes (and test/deploy/pruned-install.deploy.ts checks):
# the locked dependencies, `npm run build`, `npm prune --omit=dev`; the runtime stage keeps package.json, node_modules,
# dist/ and prisma/ (migrations are applied at start) and runs as the image's unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lock file leaves out other platforms' optional binaries, which npm ci refuses (see
# .ci/run). No install scripts: the build runs `prisma generate` itself, and nothing needs a downloaded engine.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma prisma
COPY src src
COPY workers workers
COPY scripts scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/prisma prisma
# STORAGE_URL's default, file:./data/recordings: the one folder the service writes to (a volume in compose.yaml)
RUN mkdir -p data/recordings && chown -R node:node data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# the worker role runs from the same image: node dist/workers/main.js; the CLI: node dist/src/cli/main.js status
CMD ["node", "dist/src/main.js"]
