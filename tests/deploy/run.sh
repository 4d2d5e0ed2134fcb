#!/usr/bin/env bash
# make deploy-check: the Kubernetes, ECS and ACI manifests in deploy/ checked
# offline against each platform's published schema and against what the
# images and dev8-init do (tests/deploy/); the validators come from
# scripts/deploy-tools.sh. DEV8_INIT is the binary whose `plan` reads each
# manifest's environment (default build/dev8-init).
set -euo pipefail

cd "$(dirname "$0")/../.."
tools=$(scripts/deploy-tools.sh)
eval "$tools"
export DEV8_INIT=${DEV8_INIT:-$PWD/build/dev8-init}
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/deploy "$@"
