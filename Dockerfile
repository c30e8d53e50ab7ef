# auditpack runtime image: Node 20 on Debian bookworm, Debian's Chromium for the PDF report,
# poppler-utils for `pdfsig`-style checks by operators, and fonts for the report. No browser download.

# Compiles src/ to dist/ (TypeScript is a devDependency, left behind in this stage).
FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PUPPETEER_SKIP_DOWNLOAD=1 \
    AUDITPACK_CHROME=/usr/bin/chromium \
    HOME=/tmp

RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation poppler-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/auditpack
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY --from=build /build/dist ./dist
COPY controls ./controls
COPY templates ./templates
COPY schema ./schema
COPY demo ./demo

# Non-root, matching the chart's runAsUser/fsGroup; the code stays root-owned and read-only.
RUN groupadd --system --gid 10001 auditpack && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin auditpack
USER 10001:10001

ENTRYPOINT ["node", "/opt/auditpack/bin/auditpack.js"]
CMD ["--help"]
