# One image for every role: `relay ingress | worker | all`.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/ingress/package.json apps/ingress/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
COPY packages/config/package.json packages/config/
COPY packages/domain/package.json packages/domain/
COPY packages/chatwoot-client/package.json packages/chatwoot-client/
COPY packages/waha-client/package.json packages/waha-client/
COPY packages/queue/package.json packages/queue/
COPY packages/observability/package.json packages/observability/
COPY packages/testing/package.json packages/testing/
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS check
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=check /app/package.json ./
COPY --from=check /app/bin ./bin
COPY --from=check /app/apps ./apps
COPY --from=check /app/packages ./packages
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/relay.js"]
CMD ["all"]
