#!/bin/bash
# Build techroles' virtualenv on Toolforge, inside the job image (python3.11).
#
# Run as a one-off job (toolforge/jobs.yaml: techroles-setup). Each build goes
# to ~/techroles-venvs/<git revision>; the link ~/techroles-venv is switched to
# it only when the build and a smoke test succeed, so the weekly job never
# sees a half-built venv, and rolling back is re-pointing the link:
#     ln -sfn ~/techroles-venvs/<older revision> ~/techroles-venv
# The package is installed from the checkout as a regular (not editable)
# install, so a later `git pull` changes nothing until the next build.
set -euo pipefail

HOME_DIR=${TOOL_DATA_DIR:-$HOME}
SRC=${TECHROLES_SRC:-$HOME_DIR/techroles}
# The revision names the build (git may be missing from the image: then the time does).
REV=$(git -C "$SRC" rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%dT%H%M%SZ)
VENVS=$HOME_DIR/techroles-venvs
TARGET=$VENVS/$REV

echo "techroles setup: building $TARGET from $SRC ($(python3 --version))"
mkdir -p "$VENVS"
# A venv cannot be moved, so it is built in place; the link below is switched
# only after it works, and a failed build is never linked.
if [ "$(readlink -f "$HOME_DIR/techroles-venv" 2>/dev/null)" = "$TARGET" ]; then
    echo "techroles setup: $TARGET is the current venv; nothing to do (git pull first)"
    exit 0
fi
rm -rf "$TARGET"
python3 -m venv "$TARGET"
"$TARGET/bin/pip" install --quiet --upgrade pip
"$TARGET/bin/pip" install --quiet "$SRC"

# Smoke test: the command and the pwb scripts answer -help without a wiki.
"$TARGET/bin/techroles" update -help >/dev/null
"$TARGET/bin/python" -c 'import techroles, techroles_scripts, pywikibot' >/dev/null
# The configuration must pass this version's offline check before the weekly
# job uses it (every problem is printed; the link is not switched).
CONFIG=${TECHROLES_CONFIG:-$HOME_DIR/techroles.json}
if [ -f "$CONFIG" ]; then
    "$TARGET/bin/python" -m techroles.check --config "$CONFIG"
fi

# Switch atomically (rename over the old link).
ln -sfn "$TARGET" "$HOME_DIR/techroles-venv.new"
mv -T "$HOME_DIR/techroles-venv.new" "$HOME_DIR/techroles-venv"
echo "techroles setup: $HOME_DIR/techroles-venv -> $TARGET"
# Keep the five newest builds for roll-backs.
ls -1dt "$VENVS"/*/ | tail -n +6 | { grep -v "^$TARGET/$" || true; } | xargs -r rm -rf
