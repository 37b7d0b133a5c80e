#!/usr/bin/env bash
# `npm run build`: the typecheck (src, test, scripts, examples) beside the bundle and the
# library's declarations. On two cores that takes the time of the longest, not of the
# three one after the other; the build fails when any of them does.
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit &
typecheck=$!
node scripts/build.mjs && npx tsc -p tsconfig.build.json
built=$?
wait "$typecheck"
typechecked=$?
[ "$typechecked" -eq 0 ] || echo "build: the typecheck failed (above)" >&2
[ "$built" -eq 0 ] || echo "build: the bundle or the declarations failed (above)" >&2
exit $((built != 0 || typechecked != 0))
