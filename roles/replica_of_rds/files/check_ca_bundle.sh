#!/usr/bin/env bash
# Check a PEM bundle: every certificate is a CA, at least one is valid now.
# Prints one line per certificate; exits 1 naming the problem.
set -euo pipefail
bundle="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
awk -v dir="$work" '/-----BEGIN CERTIFICATE-----/ {n++} n {print > (dir "/cert" n ".pem")}' "$bundle"
total=0
valid=0
for cert in "$work"/cert*.pem; do
  [ -e "$cert" ] || continue
  total=$((total + 1))
  subject="$(openssl x509 -in "$cert" -noout -subject -nameopt oneline)"
  if ! openssl x509 -in "$cert" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE'; then
    echo "not a CA certificate: $subject" >&2
    exit 1
  fi
  if openssl x509 -in "$cert" -noout -checkend 0 >/dev/null; then
    valid=$((valid + 1))
    echo "ok: $subject, until $(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)"
  else
    echo "expired: $subject"
  fi
done
if [ "$total" -eq 0 ]; then
  echo "$bundle holds no PEM certificate: check replica_of_rds_ca_bundle_src/url" >&2
  exit 1
fi
if [ "$valid" -eq 0 ]; then
  echo "every certificate in $bundle has expired: fetch the current RDS global bundle" >&2
  exit 1
fi
echo "$valid of $total CA certificate(s) valid in $bundle"
