#!/usr/bin/env bash
# `make run`: the bot on its embedded SQLite store with demo data, and the Microsoft 365
# Agents Playground beside it when Node.js is available. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

export MACE_DEMO=1
# The pages' local sign-in (pick a demo member): refused if APP_ID is set.
export MACE_WEB_STAND_IN=1
export LOG_FORMAT="${LOG_FORMAT:-text}"  # for reading; JSON is for a log collector
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-3978}"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

.venv/bin/mace-bot serve --host "$HOST" --port "$PORT" --demo &
pids+=($!)

# Wait until the bot answers before pointing the Playground at it.
for _ in $(seq 1 100); do
  if .venv/bin/python - "$HOST" "$PORT" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/healthz", timeout=1)
PY
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "The bot did not start." >&2; exit 1; fi
  sleep 0.2
done

echo "Pages: http://${HOST}:${PORT}/my (local sign-in with a demo member)"
if [ -x scripts/playground.sh ] && command -v node >/dev/null 2>&1; then
  BOT_ENDPOINT="http://localhost:${PORT}/api/messages" scripts/playground.sh &
  pids+=($!)
else
  echo "Node.js not found: the bot runs alone at http://${HOST}:${PORT}/api/messages"
fi
wait -n "${pids[@]}"
