#!/usr/bin/env bash
# The script a user writes without pins to find each image's newest version: for every pin, list
# the repository's tags with `skopeo list-tags`, keep the x.y.z ones, take the highest (sort -V).
# Usage: bench/baseline_oci_tags.sh REGISTRY PREFIX PINS_FILE [PARALLEL]
#   PINS_FILE holds one pin name a line; PARALLEL > 1 runs that many skopeo processes at once
#   (xargs -P), as a user who cared about speed would.
set -euo pipefail
registry="$1" prefix="$2" pins="$3" parallel="${4:-1}"
newest() {
  local tag
  tag="$(skopeo list-tags --tls-verify=false "docker://$1/$2/$3" | jq -r '.Tags[]' \
    | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -1)"
  echo "$3 $tag"
}
export -f newest
xargs -P "$parallel" -I{} bash -c 'newest "$@"' _ "$registry" "$prefix" {} <"$pins"
