#!/usr/bin/env bash
# schemathesis 4.x (PyPI) in a virtualenv of its own under ~/.cache/haaas, for the GraphQL fuzz run
# of `npm test` (test/e2e/schema-fuzz.e2e-spec.ts). Idempotent and offline once cached: when a 4.x
# is there it does nothing else. pip reaches PyPI with the machine's own pip configuration
# (`pip config list`: index, certificates, local wheels).
set -euo pipefail
venv="${HAAAS_SCHEMATHESIS_VENV:-$HOME/.cache/haaas/schemathesis-venv}"
if "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
  "$venv/bin/schemathesis" --version
  exit 0
fi
# a venv cannot be moved (its scripts name their python by path): an interrupted install is
# started over, and the version check above only passes once pip has installed everything
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
"$venv/bin/schemathesis" --version
