#!/bin/sh
# What the production image runs, made from a built project (`npm run build`): the one list of
# it. The Dockerfile RUNs this in its build stage and copies DIR into the runtime stage;
# test/integration/image-steps.test.ts runs it outside Docker and starts what it made.
#
#   sh scripts/image-steps.sh runtime DIR    (in the project root)
#
# DIR gets the compiled code with its prebuilt workflow bundles, the migrations, the example flows
# (the start-up bot runs examples/flows/loyalty.json when TELEGRAM_BOT_FLOW is unset), and the
# production dependencies. Installed without install scripts: nothing the runtime loads needs one
# (the native Temporal bridge ships prebuilt; the embedded PostgreSQL's script is for `npm start`),
# and the project's own postinstall fetches the Temporal CLI for development.
set -eu

if [ "$#" -ne 2 ] || [ "$1" != runtime ]; then
  echo "usage: sh scripts/image-steps.sh runtime DIR" >&2
  exit 2
fi
dir=$2

mkdir -p "$dir"
cp -R package.json package-lock.json dist drizzle examples "$dir"/
cd "$dir"
npm ci --omit=dev --ignore-scripts --no-audit --no-fund
