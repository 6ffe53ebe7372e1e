#!/bin/bash
# Run techroles on Toolforge: `run.sh run` (the weekly job), or any subcommand
# with its options, e.g. `run.sh update -simulate` from a one-off job.
#
# Environment (Toolforge environment variables: toolforge envvars create NAME):
#   TECHROLES_BOT_USER      the bot account, e.g. TechRolesBot
#   TECHROLES_BOTPASSWORD   the BotPassword as "appid:password", e.g. techroles:abc…
#                           (not needed when user-config.py uses OAuth)
#   TECHROLES_CONFIG        the JSON configuration (default ~/techroles.json)
#   PYWIKIBOT_DIR           the Pywikibot configuration directory (default ~/.pywikibot,
#                           holding user-config.py made from user-config.py.sample)
# The password file is written for this run only (its own name, mode 600) and
# removed when the run ends; the state store's run lock keeps a second run from
# working while another does (exit 4). Reports go to ~/techroles-reports/, one per run, kept 90 days.
# The exit status is techroles' own (0 done, 1 incomplete, 2 configuration,
# 3 shutoff page, 4 another run holds the lock), so `emails: onfailure` mails the maintainers on 1-3.
set -euo pipefail

HOME_DIR=${TOOL_DATA_DIR:-$HOME}
VENV=$HOME_DIR/techroles-venv
export PYWIKIBOT_DIR=${PYWIKIBOT_DIR:-$HOME_DIR/.pywikibot}
export PYTHONIOENCODING=utf-8
CONFIG=${TECHROLES_CONFIG:-$HOME_DIR/techroles.json}
REPORTS=$HOME_DIR/techroles-reports
COMMAND=${1:-run}
shift || true

if [ ! -x "$VENV/bin/techroles" ]; then
    echo "ERROR run.sh: no virtualenv at $VENV (run the techroles-setup job)" >&2
    exit 2
fi
if [ ! -f "$PYWIKIBOT_DIR/user-config.py" ]; then
    echo "ERROR run.sh: no $PYWIKIBOT_DIR/user-config.py (copy user-config.py.sample)" >&2
    exit 2
fi

if [ -n "${TECHROLES_BOTPASSWORD:-}" ]; then
    : "${TECHROLES_BOT_USER:?set TECHROLES_BOT_USER with toolforge envvars create}"
    # A file of this run's own: a one-off run beside the weekly job neither
    # reads nor deletes the other's (user-config.py reads TECHROLES_PASSWORD_FILE).
    PASSWORD_FILE=$(umask 077 && mktemp "$PYWIKIBOT_DIR/user-password.XXXXXXXX")
    export TECHROLES_PASSWORD_FILE=$PASSWORD_FILE
    trap 'rm -f "$PASSWORD_FILE"' EXIT
    "$VENV/bin/python" - "$PASSWORD_FILE" <<'PY'
import os, sys
app, _, password = os.environ['TECHROLES_BOTPASSWORD'].partition(':')
if not password:
    sys.exit('ERROR run.sh: TECHROLES_BOTPASSWORD must be "appid:password"')
with open(sys.argv[1], 'w', encoding='utf-8') as out:
    out.write(f"({os.environ['TECHROLES_BOT_USER']!r}, BotPassword({app!r}, {password!r}))\n")
PY
fi

mkdir -p "$REPORTS"
find "$REPORTS" -name '*.json' -mtime +90 -delete
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
REPORT_ARGS=(--report "$REPORTS/$COMMAND-$STAMP.json")
if [ "$COMMAND" = run ]; then
    REPORT_ARGS+=(--kpi-report "$REPORTS/kpi-$STAMP.json")
fi

echo "techroles $COMMAND: $(date -u +%FT%TZ), config $CONFIG, venv $(readlink -f "$VENV")"
status=0
"$VENV/bin/techroles" "$COMMAND" --config "$CONFIG" "${REPORT_ARGS[@]}" -always "$@" || status=$?
echo "techroles $COMMAND: exit $status at $(date -u +%FT%TZ)"
exit $status
