#!/bin/sh
# The container's entrypoint: refuse, in one sentence, to start without the settings a container needs, then
# become `programme-talks` (by default `serve --migrate`), so the signals a container gets go straight to it.
#
# DATABASE_URL is required here, unlike outside a container: its default, a SQLite file in the working
# directory, would vanish with the container. Every other check is programme-talks' own.
set -eu

if [ "$#" -eq 0 ]; then
    set -- serve --migrate
fi

case "$1" in
    serve) needed="DATABASE_URL SLACK_BOT_TOKEN SLACK_SIGNING_SECRET" ;;
    scheduler | run-due) needed="DATABASE_URL SLACK_BOT_TOKEN" ;;
    migrate) needed="DATABASE_URL" ;;
    *) needed="" ;;
esac

missing=""
count=0
for name in $needed; do
    eval "value=\${$name:-}"
    if [ -z "$value" ]; then
        missing="$missing $name"
        count=$((count + 1))
    fi
done

if [ "$count" -gt 0 ]; then
    # "A is not set", "A and B are not set", "A, B and C are not set"
    names=""
    index=0
    for name in $missing; do
        index=$((index + 1))
        if [ "$index" -eq 1 ]; then
            names="$name"
        elif [ "$index" -eq "$count" ]; then
            names="$names and $name"
        else
            names="$names, $name"
        fi
    done
    if [ "$count" -eq 1 ]; then verb="is"; else verb="are"; fi
    echo "programme-talks: $names $verb not set: give the container every variable it needs" \
        "(compose.yaml reads them from .env; the README's Configuration table says what each is)." >&2
    exit 2
fi

exec programme-talks "$@"
