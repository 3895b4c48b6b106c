#!/usr/bin/env bash
# Regenerates the PNG screenshots in screenshots/ from the real Kinga program (make screenshots).
#
#   scripts/screenshots.sh      run from anywhere; needs .build/debug/kinga (swift build)
#
# Each screenshot starts Kinga on the demo data in its own tmux server (80x24, TERM=xterm-256color),
# with a fresh, empty data folder and the clock pinned (KINGA_NOW), presses keys, waits until the
# screen stops changing, and renders it with scripts/render_screenshot.py. Same program, same PNG
# bytes: nothing in the pictures depends on the time, the machine or the user's settings.
#
# Needs the Debian packages: tmux python3 python3-pyte python3-pil fonts-dejavu-core fonts-unifont
# (make screenshots installs them). It uses /usr/bin/python3 on purpose: a pyenv or virtualenv
# "python3" earlier on PATH usually has neither pyte nor PIL.
#
# Environment (all optional): KINGA_BIN (program to run, default .build/debug/kinga),
# SHOTS_DIR (where to write, default screenshots), SHOTS_KEEP_TEXT=1 (also write <name>.txt).
set -eu

cd "$(dirname "$0")/.."
root=$PWD
bin=${KINGA_BIN:-.build/debug/kinga}
out=${SHOTS_DIR:-screenshots}
py=/usr/bin/python3
render=$root/scripts/render_screenshot.py
now=2026-03-02T09:00:00Z
cols=80
rows=24

# tmux must read and write UTF-8 whatever the caller's locale is.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset TMUX TMUX_PANE

fail() { echo "screenshots: $*" >&2; exit 1; }

command -v tmux >/dev/null 2>&1 || fail "tmux is missing. Run: make deps-screenshots (or apt-get install tmux)"
[ -x "$py" ] || fail "$py is missing. Run: make deps-screenshots"
"$py" -c 'import pyte, PIL' 2>/dev/null ||
    fail "$py cannot import pyte and PIL. Run: make deps-screenshots (apt-get install python3-pyte python3-pil)"
[ -x "$bin" ] || fail "$bin not found. Build it first: swift build (or run: make screenshots)"
[ -d "$root/seeds" ] || fail "seeds/ not found in $root"

work=$(mktemp -d "${TMPDIR:-/tmp}/kinga-shots.XXXXXX")
sock=$work/tmux.sock
conf=$work/tmux.conf
printf '%s\n' 'set -g status off' 'set -g remain-on-exit on' 'set -g default-shell /bin/sh' >"$conf"
tm() { tmux -S "$sock" -f "$conf" "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Run a copy of the program, so a rebuild during the run cannot change it halfway.
cp "$bin" "$work/kinga"

mkdir -p "$out"
written=()

# start_kinga NAME ARGS...: a fresh tmux server running Kinga; everything it prints goes to $raw.
start_kinga() {
    name=$1; shift
    tm kill-server >/dev/null 2>&1 || true
    data=$work/data-$name
    raw=$work/$name.raw
    rm -rf "$data"; mkdir -p "$data"
    : >"$raw"
    # The pane waits for the "go" signal until pipe-pane is recording, so no output is missed.
    local cmd
    cmd=$(printf '%q ' tmux -S "$sock" wait-for "kinga-go-$name")
    cmd+="; exec "
    cmd+=$(printf '%q ' env -i PATH=/usr/bin:/bin HOME="$data" TERM=xterm-256color LANG=C.UTF-8 TZ=UTC \
        KINGA_NOW="$now" XDG_DATA_HOME="$data" KINGA_SEEDS="$root/seeds" "$work/kinga" "$@")
    tm new-session -d -x "$cols" -y "$rows" -s kinga "$cmd"
    tm pipe-pane -O -t kinga "cat >>$(printf '%q' "$raw")"
    tm wait-for -S "kinga-go-$name"
    drawn
    settle
    log_in_if_asked
}

# drawn: wait until Kinga has put something on the screen (at most 15 s): filling the demo database can
# take a moment, and keys sent before the first screen could be lost.
drawn() {
    local i
    for i in $(seq 60); do
        tm capture-pane -p -t kinga | grep -q '[^[:space:]]' && return 0
        sleep 0.25
    done
    fail "'$name' never showed a screen"
}

# settle: wait until the screen and the output stream have not changed for 0.75 s (at most 15 s).
settle() {
    local last="" same=0 i now_state
    sleep 0.5
    for i in $(seq 60); do
        now_state=$(tm capture-pane -p -e -t kinga | cksum)-$(wc -c <"$raw")
        if [ "$now_state" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 3 ] && return 0
        else
            same=0
            last=$now_state
        fi
        sleep 0.25
    done
    fail "the screen of '$name' never stopped changing"
}

# keys KEY...: tmux key names (Enter, Tab, Escape, PageDown, n, 4, ...), one after the other.
keys() {
    local k
    for k in "$@"; do
        tm send-keys -t kinga "$k"
        settle
    done
}

# type TEXT: types the text literally.
type_text() {
    tm send-keys -t kinga -l "$1"
    settle
}

# log_in_if_asked: when Kinga opens on its "Who are you?" screen, logs in as "Trainer Demo" with the
# demo PIN, so every screenshot starts from the home screen.
log_in_if_asked() {
    tm capture-pane -p -t kinga | grep -q 'Who are you?' || return 0
    keys 4 Tab
    type_text 123456
    keys F2
    if tm capture-pane -p -t kinga | grep -q 'Who are you?'; then
        tm capture-pane -p -t kinga | sed "/^[[:space:]]*$/d" >&2
        fail "could not log in to Kinga for the '$name' screenshot (its screen is above)"
    fi
}

# shoot NAME [RENDER-OPTION...]: checks that Kinga is still running and writes $out/NAME.png (options go
# to render_screenshot.py, for example --palette xterm-light for a light terminal).
shoot() {
    local png=$out/$1.png try rc text_args=() name=$1
    shift
    if [ "$(tm display-message -p -t kinga '#{pane_dead}')" = 1 ]; then
        tm capture-pane -p -t kinga | sed "/^[[:space:]]*$/d" >&2
        fail "Kinga stopped before the '$name' screenshot (its last screen is above)"
    fi
    [ "${SHOTS_KEEP_TEXT:-}" = 1 ] && text_args=(--text "$out/$name.txt")
    for try in 1 2 3 4 5; do
        tm capture-pane -p -e -t kinga >"$work/$name.capture"
        rc=0
        "$py" "$render" --cols "$cols" --rows "$rows" --raw "$raw" --capture "$work/$name.capture" \
            "${text_args[@]}" "$@" -o "$work/$name.png" || rc=$?
        [ "$rc" = 0 ] && break
        [ "$rc" = 3 ] || fail "could not render '$name'"
        sleep 1
    done
    [ "$rc" = 0 ] || fail "the '$name' screen could not be captured consistently"
    mv "$work/$name.png" "$png"
    written+=("$png")
}

# Home screen, on a dark terminal and on a light one (plain xterm: black on white).
start_kinga home --demo
shoot home
shoot home-light --palette xterm-light

# New report wizard, step 2 "About the child", with a few fictional answers.
start_kinga wizard --demo
keys n 4 PageDown            # new report; reporter: a teacher; next step
type_text "Amani"            # child's name
keys Tab 1 Tab Tab           # girl; skip the date of birth
type_text "9"                # age
shoot wizard

# Case list.
start_kinga case-list --demo
keys c
shoot case-list

# The first case in the list, with its timeline.
start_kinga case-timeline --demo
keys c Enter
shoot case-timeline

# Due today: first actions past their deadline, follow-ups due, referrals waiting, reviews.
start_kinga due-today --demo
keys d
shoot due-today

# The case cycle: from Due today, the eighth item ("Follow-up due", KG-2025-0010 Bupe), whose header
# shows the stage and the next follow-up and whose timeline has an assessment, a plan and referrals.
start_kinga case-cycle --demo
keys d Down Down Down Down Down Down Down Down Down Enter   # Bupe: follow-up due, with assessment, plan and referrals
shoot case-cycle
shoot case-cycle-light --palette xterm-light

# Searching the case list: "/" then a name typed without its accent.
start_kinga case-search --demo
keys c /
type_text "luyando"
shoot case-search

# Statistics for the social welfare office: everything so far, small counts hidden as <5.
start_kinga statistics --demo
keys t 5
shoot statistics

# Trainer mode: the practice scenarios, then one started, with its first hint and the step on the banner.
start_kinga practice-scenarios --demo
keys p
shoot practice-scenarios

start_kinga trainer-mode --demo
keys p 4 Enter h
shoot trainer-mode

# The one-page case summary (also saved as PDF and text for printing).
start_kinga case-summary --demo
keys c Enter e
shoot case-summary

# A real kiosk's first run (issue #17): after the first user, the district recovery key; then, from Users, joining
# the district (issue #18). The key made at the kiosk is random, so the picture is of the choice before it.
start_kinga recovery-key
keys 1                       # English
type_text "Maria Fiktif"
keys Tab
type_text "582046"
keys Tab
type_text "582046"
keys Tab 1 F2                # the first profile; start
shoot recovery-key
keys 3 F2 m j                # later; Users; join the district
type_text "https://district.example:8443"
keys Tab
type_text "ABCD-EFGH-JKMN"
shoot district-join

tm kill-server >/dev/null 2>&1 || true
for f in "${written[@]}"; do echo "$f"; done
