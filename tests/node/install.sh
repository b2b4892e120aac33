#!/bin/sh
# Install Slack's Node SDKs (tests/node/package-lock.json, exact versions) into a cache outside
# the repository, for tests/node/test_node_sdks.py. Idempotent: when the cache already holds this
# lock file's install it returns at once. Prints the cache folder (the one holding node_modules).
#   INCIDENT_BOT_NODE_CACHE  overrides the folder (default: $XDG_CACHE_HOME or ~/.cache, then
#                            incident-bot/node)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${INCIDENT_BOT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/incident-bot/node}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "node-deps: node or npm is not installed; tests/node will be skipped" >&2
	exit 3
fi
mkdir -p "$cache"
# One install at a time (two test runs on one machine share the cache): npm ci empties
# node_modules before filling it.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/.install-lock"
	flock 9
fi
if [ -d "$cache/node_modules" ] && cmp -s "$here/package-lock.json" "$cache/installed-lock.json"; then
	echo "$cache"
	exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$cache/"
rm -f "$cache/installed-lock.json"
# npm ci installs exactly the lock file; its output goes to stderr, the folder to stdout.
npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error >&2
cp "$here/package-lock.json" "$cache/installed-lock.json"
echo "$cache"
