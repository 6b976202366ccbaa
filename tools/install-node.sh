#!/usr/bin/env bash
# Installs the newest Node.js <major> from the npm registry (the official binaries, packaged as
# node-<os>-<arch>) under .tools/node-<major> in the repository, unless it is already there, and
# prints its bin folder:   PATH="$(tools/install-node.sh 24):$PATH" npm test
# CI uses it to run the tests on a second Node version; developers can do the same.
set -euo pipefail

major="${1:-}"
if [[ ! "$major" =~ ^[0-9]+$ ]]; then
  echo "usage: tools/install-node.sh <major>   (for example: tools/install-node.sh 24)" >&2
  exit 2
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "install-node.sh: no Node.js package for $(uname -s); install Node $major yourself" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-node.sh: no Node.js package for $(uname -m); install Node $major yourself" >&2; exit 2 ;;
esac

tools="$(cd "$(dirname "$0")/.." && pwd)/.tools"
target="$tools/node-$major"

# Already installed (and it runs): nothing to do.
if [[ "$("$target/bin/node" --version 2>/dev/null)" == "v$major."* ]]; then
  echo "$target/bin"
  exit 0
fi

mkdir -p "$tools"
work="$(mktemp -d "$tools/.node-$major.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "node-$os-$arch@$major" >/dev/null)
tar -xzf "$work"/node-"$os"-"$arch"-*.tgz -C "$work"
version="$("$work/package/bin/node" --version)"
if [[ "$version" != "v$major."* ]]; then
  echo "install-node.sh: node-$os-$arch@$major gave Node $version" >&2
  exit 1
fi
# Replace a broken install left there (not safe for two runs at once).
rm -rf "$target"
mv "$work/package" "$target"
echo "install-node.sh: Node $version in $target" >&2
echo "$target/bin"
