# syntax=docker/dockerfile:1
# Image for the api and worker services of docker-compose.yml: compiled code with prebuilt
# workflow bundles and production dependencies only. Debian-based: the Temporal worker's native
# module needs glibc (it does not run on Alpine/musl). Node 22 is an LTS release (engines: >=20.12).
# test/integration/image-steps.test.ts runs the same steps outside Docker, and the CMD below and
# the worker's command and health check in docker-compose.yml.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the postinstall fetches the Temporal CLI for `npm start`; building needs none.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY drizzle ./drizzle
COPY examples ./examples
COPY studio ./studio
# dist/ (compiled code, the simulator page, the workflow bundles), then the runtime folder.
RUN npm run build
RUN --mount=type=cache,target=/root/.npm sh scripts/image-steps.sh runtime /runtime

FROM node:22-bookworm-slim
# tini as PID 1: forwards SIGTERM to node (graceful shutdown: the worker drains) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, run as `node`: the process cannot change its own code.
COPY --from=build /runtime ./
USER node
EXPOSE 3000
# The API's /healthz on PORT. A worker container checks its own with `healthcheck.js worker`
# (needs WORKER_METRICS_PORT; docker-compose.yml does both).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/entrypoints/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/entrypoints/api.js"]
