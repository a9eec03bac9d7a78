# One image for the worker, the producer commands and the simulator.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` compiles with TypeScript, a dev dependency; without
# dist/ the CLI runs the sources through tsx (a runtime dependency).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY jobs ./jobs
COPY examples ./examples
COPY tsconfig.json ./
ENV NODE_ENV=production
# Reports (customer data) go to /app/reports, owned by the user that writes them;
# mount a volume there to keep them (docker-compose.yml does).
RUN mkdir -p /app/reports && chown node:node /app/reports
VOLUME ["/app/reports"]
USER node
ENTRYPOINT ["node", "bin/connect-backfill.js"]
CMD ["help"]
