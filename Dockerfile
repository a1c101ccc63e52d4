# syntax=docker/dockerfile:1
# rc-relay: the relay (signalling + embedded TURN/STUN + the browser console) as one container.
#   docker build -t rc-relay .
#   docker run -p 443:443/tcp -p 443:443/udp -p 49160-49200:49160-49200/udp \
#     -e RC_PUBLIC_HOST=relay.example.com -e RC_RELAY_PORTS=49160-49200 -v rc-data:/data rc-relay
# docker-compose.yml does the same with a named volume and a restart policy.
#
# Stages: `deps` installs the relay's production dependencies (better-sqlite3 builds here, with the
# compilers of the full image); `console` bundles the browser console; the runtime stage is slim and
# holds only protocol/, server/, turn/, the console bundle (console-client/dist) and their node_modules. The
# agent (agent-client/, with its WebRTC and image libraries) is not in the image.

ARG NODE_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# The workspace manifests only, so this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY server/package.json server/
COPY turn/package.json turn/
COPY console-client/package.json console-client/
COPY agent-client/package.json agent-client/
# `npm install`, not `npm ci`: the lockfile (npm 11) omits other platforms' optional Biome binaries and
# `npm ci` refuses it; install keeps the locked versions. Only the relay's workspaces, no dev tools.
RUN npm install --omit=dev --no-audit --no-fund \
      --workspace=protocol --workspace=server --workspace=turn \
      --include-workspace-root \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY server/package.json server/
COPY turn/package.json turn/
COPY console-client/package.json console-client/
COPY agent-client/package.json agent-client/
RUN npm install --no-audit --no-fund --workspace=protocol --workspace=console-client --include-workspace-root
COPY . .
# The console bundle is part of the product: a checkout without `build:console` is an error here,
# never an image that silently serves no console.
RUN node -e "const s = require('./package.json').scripts || {}; if (!s['build:console']) { \
      console.error('Dockerfile: package.json has no build:console script, so there is no console to serve'); \
      process.exit(1); }"
RUN npm run build:console
RUN test -f console-client/dist/index.html \
 || { echo 'Dockerfile: npm run build:console left no console-client/dist/index.html' >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
# Port 443 as a non-root user: the file capability cap_net_bind_service on the node binary (what the
# official Caddy image does for its binary). It works under `docker run` and Kubernetes alike, with no
# sysctl and no root; the container keeps NET_BIND_SERVICE in its bounding set (Docker's default,
# and docker-compose.yml drops every other capability). It does not survive no-new-privileges, so
# the compose file does not set that (README: "Why not no-new-privileges").
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcap2-bin \
 && setcap cap_net_bind_service=+ep /usr/local/bin/node \
 && getcap /usr/local/bin/node | grep -q cap_net_bind_service \
 && apt-get purge -y --auto-remove libcap2-bin \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 rc-relay \
 && useradd --system --uid 10001 --gid rc-relay --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin rc-relay \
 && mkdir -p /data \
 && chown rc-relay:rc-relay /data \
 && chmod 700 /data

WORKDIR /app
# Code and dependencies belong to root and are read-only for the relay's user.
COPY --from=deps /app/node_modules node_modules
COPY package.json ./
COPY protocol/ protocol/
COPY server/ server/
COPY turn/ turn/
COPY --from=console /app/console-client/dist console-client/dist
COPY scripts/healthcheck.mjs scripts/backup.mjs scripts/

ENV NODE_ENV=production \
    RC_PORT=443 \
    RC_HOST=0.0.0.0 \
    RC_DATA_DIR=/data \
    RC_RELAY_PORTS=49160-49200
VOLUME ["/data"]
EXPOSE 443/tcp 443/udp 49160-49200/udp
USER rc-relay:rc-relay

# Verifies TLS against the relay's own certificate (scripts/healthcheck.mjs), never with checks off.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]

# tsx runs the TypeScript sources as in development (its cache goes to /tmp); SIGTERM drains.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "server/src/main.ts"]
