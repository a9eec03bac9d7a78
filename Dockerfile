# One image for the worker, the producer commands, the report follower and the simulator.
# Three stages: `build` compiles TypeScript with the dev dependencies; `deps` installs the
# production dependencies only; `runtime` holds dist/, those dependencies and nothing else
# (no compiler, no sources), and runs as the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; no lifecycle scripts (`prepare` needs the compiler, which is not here).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY jobs ./jobs
COPY examples ./examples
# Reports (customer data) go to /app/reports, owned by the user that writes them;
# mount a volume there to keep them (docker-compose.yml does).
RUN mkdir -p /app/reports && chown node:node /app/reports
VOLUME ["/app/reports"]
USER node
# A worker's /metrics (set CONNECT_BACKFILL_METRICS_PORT, as docker-compose.yml does) answers 200 only while the
# process serves and Redis answers (each scrape reads the queues' counts). Without a metrics port (the simulator,
# one-off commands) there is nothing to probe and the check passes.
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const p=process.env.CONNECT_BACKFILL_METRICS_PORT;if(!p)process.exit(0);fetch(`http://127.0.0.1:${p}/metrics`,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/connect-backfill.js"]
CMD ["help"]
