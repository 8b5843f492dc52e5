# syntax=docker/dockerfile:1
#
# One production image for every shipping service; docker-compose.yml chooses the command per service:
#   node apps/ingest/dist/main.js           the webhook ingest (port 3000)
#   node apps/worker/dist/main.js           a worker (health and metrics on 9464)
#   node apps/cli/dist/main.js migrate      the one-shot migration (and every other CLI command)
#   node apps/console/dist/main.js          the operator console (3100; CONSOLE_TOKEN)
# The ingest and the worker run with the memory settings of packages/core/src/service-runtime.ts:
# MALLOC_ARENA_MAX below, and the Node flags in their commands.
# No secret is baked in: every setting comes from the environment at run time.
# The local Stripe emulator is tooling (tools/), not shipped: it has an image of its own, the
# `emulator` target (node tools/stripe-emulator/dist/main.js, port 12111).

# The shipping workspaces' manifests alone, so dependencies are reinstalled only when one changes.
# The production install sees only these: npm then installs no dependency of the tooling wing.
FROM node:24-slim AS shipping-manifests
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/broker/package.json packages/broker/
COPY packages/db/package.json packages/db/
COPY packages/stripe-events/package.json packages/stripe-events/
COPY apps/ingest/package.json apps/ingest/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
COPY apps/console/package.json apps/console/

# Every workspace's manifest, the tooling wing's too, for the build.
FROM shipping-manifests AS manifests
COPY tools/emulator-protocol/package.json tools/emulator-protocol/
COPY tools/testkit/package.json tools/testkit/
COPY tools/stripe-emulator/package.json tools/stripe-emulator/
COPY tools/stack/package.json tools/stack/
COPY tools/bench/package.json tools/bench/

# Compiles every workspace's src/ to dist/ (tsc -b tsconfig.build.json).
FROM manifests AS build
RUN npm ci
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages packages
COPY apps apps
COPY tools tools
RUN npm run build

# The local Stripe API emulator, for development and tests only (docker-compose.yml builds
# this target for its stripe-emulator service): the emulator and the packages it uses.
FROM node:24-slim AS emulator
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY tools/emulator-protocol/package.json tools/emulator-protocol/
COPY tools/stripe-emulator/package.json tools/stripe-emulator/
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/tools/emulator-protocol/dist tools/emulator-protocol/dist
COPY --from=build /app/tools/stripe-emulator/dist tools/stripe-emulator/dist
USER node
EXPOSE 12111
CMD ["node", "tools/stripe-emulator/dist/main.js"]

# Production dependencies of the shipping workspaces and compiled JavaScript only: no TypeScript
# sources, no dev tools, nothing of the tooling wing. The last stage, so the default target.
FROM node:24-slim AS production
ENV NODE_ENV=production
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=shipping-manifests /app ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/broker/dist packages/broker/dist
COPY --from=build /app/packages/db/dist packages/db/dist
COPY --from=build /app/packages/db/migrations packages/db/migrations
COPY --from=build /app/packages/stripe-events/dist packages/stripe-events/dist
COPY --from=build /app/packages/stripe-events/fixtures packages/stripe-events/fixtures
COPY --from=build /app/apps/ingest/dist apps/ingest/dist
COPY --from=build /app/apps/worker/dist apps/worker/dist
COPY --from=build /app/apps/cli/dist apps/cli/dist
COPY --from=build /app/apps/cli/bin apps/cli/bin
COPY --from=build /app/apps/console/dist apps/console/dist
USER node
EXPOSE 3000 9464
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=25", "apps/ingest/dist/main.js"]
