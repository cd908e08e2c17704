#!/bin/sh
# secret-env.sh: Docker secrets to environment variables, then the image's own entrypoint.
#
# Swarm mounts secrets as files under /run/secrets; most images read their settings from
# environment variables only. For every variable NAME_FILE whose value is a path under
# $SECRETS_DIR (default /run/secrets), this exports NAME with the file's content (trailing
# newlines removed, so `openssl rand -hex 32 > file` works), unsets NAME_FILE, then execs its
# arguments. The secret is then in the process environment of that container only: not in the
# service definition (`docker service inspect`, Portainer), not in a label, not in the logs.
#
# NAME_FILE variables pointing elsewhere are left alone (images have their own, e.g. LiteLLM's
# AZURE_FEDERATED_TOKEN_FILE). Setting both NAME and NAME_FILE is an error, as in the postgres
# image's entrypoint: one of them would silently win.
#
# Usage (stack file):  entrypoint: ["/bin/sh", "/run/llmproxy/secret-env.sh", <original entrypoint>]
#                      environment: {LITELLM_MASTER_KEY_FILE: /run/secrets/litellm-master-key}
# Messages name variables and files, never a value.
set -eu

SECRETS_DIR=${SECRETS_DIR:-/run/secrets}

fail() {
  printf 'secret-env: %s\n' "$*" >&2
  exit 1
}

[ "$#" -gt 0 ] || fail "usage: secret-env.sh COMMAND [ARG...]"

# Names only: `env` prints NAME=value lines; a value spanning lines cannot fake a name here
# because every candidate is checked against the real environment below.
names=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*$/\1/p' | sort -u)
for name in $names; do
  file=
  eval "file=\${${name}_FILE-}"
  case $file in
    "$SECRETS_DIR"/*) ;;
    *) continue ;;
  esac
  if eval "[ -n \"\${${name}+set}\" ]"; then
    fail "both $name and ${name}_FILE are set; set only ${name}_FILE"
  fi
  [ -f "$file" ] || fail "${name}_FILE: $file does not exist (is the secret listed under secrets: of this service?)"
  [ -r "$file" ] || fail "${name}_FILE: $file is not readable by uid $(id -u)"
  value=$(cat "$file") || fail "${name}_FILE: cannot read $file"
  [ -n "$value" ] || fail "${name}_FILE: $file is empty"
  export "$name=$value"
  unset "${name}_FILE"
done
unset value file names name

exec "$@"
