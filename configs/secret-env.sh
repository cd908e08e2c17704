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
_se_names=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*$/\1/p' | sort -u)
for _se_name in $_se_names; do
  _se_file=
  eval "_se_file=\${${_se_name}_FILE-}"
  case $_se_file in
    "$SECRETS_DIR"/*) ;;
    *) continue ;;
  esac
  if eval "[ -n \"\${${_se_name}+set}\" ]"; then
    fail "both $_se_name and ${_se_name}_FILE are set; set only ${_se_name}_FILE"
  fi
  [ -f "$_se_file" ] || fail "${_se_name}_FILE: $_se_file does not exist (is the secret listed under secrets: of this service?)"
  [ -r "$_se_file" ] || fail "${_se_name}_FILE: $_se_file is not readable by uid $(id -u)"
  _se_value=$(cat "$_se_file") || fail "${_se_name}_FILE: cannot read $_se_file"
  [ -n "$_se_value" ] || fail "${_se_name}_FILE: $_se_file is empty"
  export "$_se_name=$_se_value"
  unset "${_se_name}_FILE"
done
unset _se_value _se_file _se_names _se_name

exec "$@"
