# One image for every role: `relay ingress | worker | dashboard | all | dlq …` (the role is the command).
# Node 22 LTS, runs as uid 1000 (`node`), no build output: tsx runs the TypeScript sources (see README, Layout).

# Production dependencies only; the workspace manifests must all be here or `npm ci` rejects the lock file
# (test/deploy.test.ts checks that every apps/* and packages/* manifest is copied).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
COPY apps/ingress/package.json apps/ingress/
COPY apps/worker/package.json apps/worker/
COPY packages/chatwoot-client/package.json packages/chatwoot-client/
COPY packages/config/package.json packages/config/
COPY packages/domain/package.json packages/domain/
COPY packages/lead-rules/package.json packages/lead-rules/
COPY packages/observability/package.json packages/observability/
COPY packages/queue/package.json packages/queue/
COPY packages/rate-limit/package.json packages/rate-limit/
COPY packages/testing/package.json packages/testing/
COPY packages/waha-client/package.json packages/waha-client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Type-check the sources with the dev dependencies; the runtime stage copies its sources from here, so an image
# never ships code that does not compile.
FROM deps AS check
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DASHBOARD_PORT=3001
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=check --chown=root:root /app/package.json ./
COPY --from=check --chown=root:root /app/bin ./bin
COPY --from=check --chown=root:root /app/apps ./apps
COPY --from=check --chown=root:root /app/packages ./packages
# Sources are root-owned and read-only for the app; tsx keeps its compile cache under /tmp (mount an emptyDir there
# when the root filesystem is read-only).
USER 1000:1000
EXPOSE 3000 3001 9464
# The port to probe: ingress PORT (default), dashboard DASHBOARD_PORT, worker WORKER_PORT; set HEALTH_PORT to pick.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "const p=process.env.HEALTH_PORT||process.env.PORT||3000;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/relay.js"]
CMD ["all"]
