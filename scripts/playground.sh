#!/usr/bin/env bash
# Run the Microsoft 365 Agents Playground (a Teams-like web chat that is also a stand-in
# Bot Connector) against the bot, offline, on this machine.
#
#   scripts/playground.sh                 # install if needed, then run in the foreground
#   scripts/playground.sh --install-only  # install if needed, print the binary's path, exit
#   scripts/playground.sh -- --conversation-id my-chat   # extra args go to `agentsplayground start`
#
# Environment:
#   BOT_ENDPOINT      the bot's messaging endpoint (default http://localhost:3978/api/messages)
#   PLAYGROUND_PORT   port of the web UI and of the connector (default 56150; if it is taken,
#                     the Playground itself falls back to a random free port and we print that)
#   PLAYGROUND_CONVERSATION_ID  fixed id for the personal chat (default: a new uuid each start)
#
# The package is installed into .playground/ at the repo root (gitignored); its log goes to
# .playground/playground.log. The web UI and the connector share one port:
#   UI         http://localhost:$PLAYGROUND_PORT/
#   connector  http://localhost:$PLAYGROUND_PORT/_connector   (the serviceUrl the bot replies to)
# The bot need not be up first: the Playground warns in its log panel and connects on the
# next message. Needs no network once installed; telemetry is turned off (--dt).
#
# Without a browser, the same server takes the UI's own HTTP calls (what tests can use):
#   GET  /_internal/v1/config                          ids of the user, personal chat, group chat, team
#   POST /_conversation/v1/conversations/{id}/messages {"from":{"id":"user-id-0"},"text":"..","textFormat":"plain"}
#   POST /_conversation/v1/invoke                      adaptiveCard/action, replyToId = card's message id
#   POST /_debug/conversation/{id}/installation        installationUpdate + conversationUpdate
#   POST /_internal/v1/customActivities                any activity, sent to the bot as is
#   WS   /_ws_conversation/v1/conversations/stream     what the bot posts (createMessage, ...)

# Only builtins before this check, so it works even with a bare PATH.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js not found: skipping the Agents Playground"
    exit 0
fi

set -euo pipefail

PLAYGROUND_VERSION="0.2.28"
PACKAGE="@microsoft/m365agentsplayground"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$REPO_ROOT/.playground"
PKG_JSON="$PREFIX/node_modules/$PACKAGE/package.json"
BIN="$PREFIX/node_modules/.bin/agentsplayground"

BOT_ENDPOINT="${BOT_ENDPOINT:-http://localhost:3978/api/messages}"
PLAYGROUND_PORT="${PLAYGROUND_PORT:-56150}"

install_only=0
if [[ "${1:-}" == "--install-only" ]]; then
    install_only=1
    shift
fi
if [[ "${1:-}" == "--" ]]; then
    shift
fi

installed_version() {
    [[ -f "$PKG_JSON" ]] || return 0
    node -e 'try { process.stdout.write(require(process.argv[1]).version || "") } catch (e) {}' \
        "$PKG_JSON"
}

if [[ "$(installed_version)" != "$PLAYGROUND_VERSION" || ! -x "$BIN" ]]; then
    echo "Installing $PACKAGE@$PLAYGROUND_VERSION into $PREFIX ..."
    mkdir -p "$PREFIX"
    npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
        "$PACKAGE@$PLAYGROUND_VERSION"
fi

if [[ "$install_only" == 1 ]]; then
    echo "$BIN"
    exit 0
fi

args=(start -e "$BOT_ENDPOINT" -c msteams -p "$PLAYGROUND_PORT" --dt)
if [[ -n "${PLAYGROUND_CONVERSATION_ID:-}" ]]; then
    args+=(--conversation-id "$PLAYGROUND_CONVERSATION_ID")
fi
args+=("$@")

# The Playground writes its log (and any devTools/ files) relative to its working directory:
# run it inside .playground/ so nothing lands in the work tree.
export TEAMSAPPTESTER_BROWSER=none
export M365_AGENTS_PLAYGROUND_LOGFILE="${M365_AGENTS_PLAYGROUND_LOGFILE:-$PREFIX/playground.log}"
cd "$PREFIX"

echo "Agents Playground $PLAYGROUND_VERSION -> bot at $BOT_ENDPOINT (channel msteams)"
echo "Log: $M365_AGENTS_PLAYGROUND_LOGFILE. Stop with Ctrl-C."

# Foreground until it stops. Its stdout says "Listening on PORT" (the port may differ from
# the one asked for when that one is taken), so echo each line and print the address once
# it is known. Node runs as our child so that a TERM/INT/HUP sent to this script alone
# (e.g. by `make run` stopping it) stops the Playground too instead of orphaning it.
announce() {
    local line
    while IFS= read -r line; do
        printf '%s\n' "$line"
        if [[ "$line" =~ ^Listening\ on\ ([0-9]+) ]]; then
            echo "Open http://localhost:${BASH_REMATCH[1]}/ in a browser" \
                "(Bot Connector: http://localhost:${BASH_REMATCH[1]}/_connector)"
        fi
    done
}

"$BIN" "${args[@]}" > >(announce) 2>&1 &
child=$!
stop() {
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
    exit 143
}
trap stop TERM INT HUP
set +e
wait "$child"
status=$?
set -e
exit "$status"
