# syntax=docker/dockerfile:1
# One image for every app of the platform; docker-compose.yml picks the app with `command`
# (node dist/apps/<app>/src/main.js). The `build` stage also runs the one-shot migrations.

ARG NODE_IMAGE=node:20.19-bookworm-slim

# Everything, dev dependencies included: the SWC/Prisma build and `npm run db:migrate` need them.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
# Generates each app's Prisma client and compiles apps, libs and scripts into dist/.
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# apps/ota keeps firmware images here (a volume in docker-compose.yml).
RUN mkdir -p /data/firmware && chown node:node /data/firmware
USER node
# The app to run when none is given; docker-compose.yml sets one per service.
ARG APP=api
ENV APP=${APP}
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
