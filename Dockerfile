# kong-upgrade-bot: the bot (npm start) and the workers (npm run worker) share this image.
# Build: docker build -t kong-upgrade-bot .   Run: see docker-compose.yml.
FROM node:22-bookworm-slim

# pg_dump / pg_restore for the backup and restore jobs. Their major version must be >= the major
# version of the Kong database servers (pg_dump refuses newer servers, and the preflight job checks
# it), so the client comes from the PostgreSQL project's apt repository rather than Debian's (15).
# Raise PG_CLIENT_MAJOR when a Kong database runs a newer PostgreSQL.
ARG PG_CLIENT_MAJOR=17
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
  && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
  && apt-get install -y --no-install-recommends "postgresql-client-${PG_CLIENT_MAJOR}" tini \
  && rm -rf /var/lib/apt/lists/* \
  && pg_dump --version

WORKDIR /app

# Dependencies first, so source edits do not reinstall them. Dev dependencies are kept on purpose:
# `npm start` runs the TypeScript source through tsx's loader (docs/contract.md#commands).
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY jobs ./jobs

# Backups are written under backup.dir of the config file (the example uses this path); mount a
# volume there so dumps outlive the container.
RUN mkdir -p /var/lib/kong-upgrade/backups && chown -R node:node /var/lib/kong-upgrade

ENV PORT=3000 \
  KONG_UPGRADE_CONFIG=/app/kong-upgrade.yaml \
  NPM_CONFIG_UPDATE_NOTIFIER=false
EXPOSE 3000
USER node

# Healthy when PostgreSQL and Redis answer (GET /healthz). Workers do not listen: compose disables it there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# npm start is npm → sh → node (tsx as a loader, not its CLI, whose signal relay SIGKILLs a child
# that is busy for 60 ms), and npm does not pass SIGTERM on to its grandchildren: tini -g signals the
# whole process group, so `docker stop` reaches the bot and it shuts down cleanly.
ENTRYPOINT ["/usr/bin/tini", "-g", "--"]
CMD ["npm", "start"]
