#!/usr/bin/env bash
# Exports what auditpack reads from a Kubernetes cluster into a snapshot folder that
# `auditpack run --snapshot DIR` reads offline, with the provenance auditpack records:
#   <kind>.json        one `kubectl get <kind> -A -o json` List per resource auditpack reads
#   cluster-identity   JSON: API server URL (no credentials), kube-system namespace uid, server version, context
#   collected-at       when the export started, ISO 8601 UTC (written last: an interrupted export has none)
# Usage: scripts/export-snapshot.sh OUT_DIR [--context CONTEXT]
# Needs kubectl with read access (deploy/rbac.yaml). Never reads Secrets.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR [--context CONTEXT]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out=$1; shift
context=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --context) [[ $# -ge 2 ]] || usage; context=$2; shift 2 ;;
    *) usage ;;
  esac
done

kc=(kubectl)
[[ -n $context ]] && kc+=(--context "$context")

# The resources auditpack's collector reads (src/collectors/kubernetes/resources.ts; a test keeps them equal).
RESOURCES=(
  namespaces
  pods
  services
  configmaps
  deployments.apps
  statefulsets.apps
  daemonsets.apps
  replicasets.apps
  jobs.batch
  cronjobs.batch
  networkpolicies.networking.k8s.io
  peerauthentications.security.istio.io
  authorizationpolicies.security.istio.io
  requestauthentications.security.istio.io
  destinationrules.networking.istio.io
  gateways.networking.istio.io
  sidecars.networking.istio.io
  istiooperators.install.istio.io
  servers.policy.linkerd.io
  authorizationpolicies.policy.linkerd.io
  meshtlsauthentications.policy.linkerd.io
  networkauthentications.policy.linkerd.io
  serverauthorizations.policy.linkerd.io
  httproutes.policy.linkerd.io
  serviceintentions.consul.hashicorp.com
  meshes.consul.hashicorp.com
  proxydefaults.consul.hashicorp.com
  servicedefaults.consul.hashicorp.com
)

mkdir -p "$out"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
err=$(mktemp)
trap 'rm -f "$err"' EXIT

for r in "${RESOURCES[@]}"; do
  if "${kc[@]}" get "$r" --all-namespaces -o json > "$out/$r.json.tmp" 2> "$err"; then
    mv "$out/$r.json.tmp" "$out/$r.json"
  else
    rm -f "$out/$r.json.tmp"
    # A CRD that is not installed is expected (that mesh is absent); anything else (a denied list)
    # must stop the export, or the snapshot would silently miss evidence.
    if grep -q "the server doesn't have a resource type" "$err"; then
      echo "not installed: $r" >&2
    else
      echo "export failed for $r:" >&2
      cat "$err" >&2
      exit 1
    fi
  fi
done

json_string() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
server=$("${kc[@]}" config view --minify -o 'jsonpath={.clusters[0].cluster.server}' | sed -E 's#://[^/@]*@#://#')
uid=$("${kc[@]}" get namespace kube-system -o 'jsonpath={.metadata.uid}')
version=$("${kc[@]}" get --raw /version | sed -nE 's/.*"gitVersion": *"([^"]*)".*/\1/p' | head -n 1)
ctx=${context:-$("${kc[@]}" config current-context)}
{
  printf '{"server":%s,"kubeSystemUid":%s,"serverVersion":%s,"context":%s}\n' \
    "$(json_string "$server")" "$(json_string "$uid")" "$(json_string "$version")" "$(json_string "$ctx")"
} > "$out/cluster-identity"
echo "$started" > "$out/collected-at"
echo "exported ${#RESOURCES[@]} resource kinds from $server (kube-system uid $uid) to $out at $started" >&2
