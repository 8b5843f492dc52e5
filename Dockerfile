# syntax=docker/dockerfile:1
#
# One image for every service; docker-compose.yml chooses the command per service:
#   node apps/ingest/dist/main.js           the webhook ingest (port 3000)
#   node apps/worker/dist/main.js           a worker (health and metrics on 9464)
#   node apps/stripe-emulator/dist/main.js  the local Stripe API emulator (port 12111)
#   node apps/cli/dist/main.js migrate      the one-shot migration (and every other CLI command)
# The ingest and the worker run with the memory settings of packages/core/src/service-runtime.ts:
# MALLOC_ARENA_MAX below, and the Node flags in their commands.
# No secret is baked in: every setting comes from the environment at run time.

# The workspace manifests alone, so dependencies are reinstalled only when one changes.
FROM node:24-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/broker/package.json packages/broker/
COPY packages/db/package.json packages/db/
COPY packages/stripe-events/package.json packages/stripe-events/
COPY packages/testkit/package.json packages/testkit/
COPY apps/ingest/package.json apps/ingest/
COPY apps/worker/package.json apps/worker/
COPY apps/stripe-emulator/package.json apps/stripe-emulator/
COPY apps/cli/package.json apps/cli/
COPY apps/stack/package.json apps/stack/
COPY apps/bench/package.json apps/bench/

# Compiles every workspace's src/ to dist/ (tsc -b tsconfig.build.json).
FROM manifests AS build
RUN npm ci
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages packages
COPY apps apps
RUN npm run build

# Production dependencies and compiled JavaScript only: no TypeScript sources, no dev tools.
FROM node:24-slim AS production
ENV NODE_ENV=production
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/broker/dist packages/broker/dist
COPY --from=build /app/packages/db/dist packages/db/dist
COPY --from=build /app/packages/db/migrations packages/db/migrations
COPY --from=build /app/packages/stripe-events/dist packages/stripe-events/dist
COPY --from=build /app/packages/stripe-events/fixtures packages/stripe-events/fixtures
COPY --from=build /app/apps/ingest/dist apps/ingest/dist
COPY --from=build /app/apps/worker/dist apps/worker/dist
COPY --from=build /app/apps/stripe-emulator/dist apps/stripe-emulator/dist
COPY --from=build /app/apps/cli/dist apps/cli/dist
USER node
EXPOSE 3000 9464 12111
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=25", "apps/ingest/dist/main.js"]
