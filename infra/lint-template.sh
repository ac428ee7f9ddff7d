#!/usr/bin/env bash
# Lints template.yaml offline: cfn-lint, then SAM's own transform check
# (`sam validate --lint` runs the SAM translator and cfn-lint locally and
# never calls CloudFormation). The credentials are dummies: nothing here
# may reach AWS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1
export SAM_CLI_TELEMETRY=0
export SAM_CLI_BETA_RUST_CARGO_LAMBDA=1

venv=.local/venv/bin

echo "==> cfn-lint template.yaml"
"$venv/cfn-lint" template.yaml

echo "==> sam validate --lint"
"$venv/sam" validate --lint --template-file template.yaml --region us-east-1
