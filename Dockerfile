# Image for the api and worker services of docker-compose.yml. Debian-based: the Temporal
# worker's native module needs glibc (it does not run on Alpine/musl).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The embedded Temporal CLI is not needed in production (TEMPORAL_ADDRESS is set), so the
# postinstall step's Python install is skipped with a warning when Python is absent.
RUN npm ci --include=dev && npm cache clean --force
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY drizzle ./drizzle
USER node
CMD ["npm", "run", "api"]
