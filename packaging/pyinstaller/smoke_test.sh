#!/usr/bin/env bash
# Smoke-test a built Linux bundle: what Respite loads on first use (calendars, reminders,
# hooks, the keyring, time zones, settings saving) must work frozen, not only from a wheel.
#
#   bash packaging/pyinstaller/smoke_test.sh dist/respite
#   PYTHON=build/venv-linux/bin/python bash packaging/pyinstaller/smoke_test.sh dist/respite
#
# It makes its own HOME, settings, data, calendars and session bus in a temp folder
# (removed at the end; nothing of the user's is read or written), and checks:
#
#   1. the bundle's files: no dangling symlinks, keyring's entry points (how it finds its
#      backends), tzdata's zone files; with a $PYTHON that has PyInstaller (the build's
#      venv), also that the lazily imported modules (tomlkit for settings saving, the
#      settings and history windows, icalendar, recurring_ical_events, x_wr_timezone,
#      apscheduler's cron trigger, keyring backends, every respite module) are in the PYZ,
#      and what the spec leaves out for memory is out (multiprocessing; the run-time hooks
#      for inspect, pkgutil and multiprocessing; docstrings), its time zone hook in;
#   2. `--version` and `--help`;
#   3. `secret set` with no Secret Service: exit 1 with the "No usable system keyring"
#      message, not a traceback, and nothing stored;
#   4. with dbus-daemon, dbus-send and gnome-keyring-daemon installed (else skipped with a
#      note): a private, unlocked Secret Service; `secret set` stores a calendar's URL
#      (a loopback address), which the running app later reads through the keyring;
#   5. `config check` of a settings file with a [[reminders]] entry (cron "* * * * *"),
#      [[calendars]] (a local .ics with X-WR-TIMEZONE, a daily event with
#      TZID=Europe/Berlin and an all-day "Holiday"; the keyring one from 4) and [[hooks]]
#      (a local command, a webhook POST to a loopback server); again with PYTHONTZPATH
#      pointing nowhere, so `timezone = "Asia/Tokyo"` comes from the bundled tzdata as on
#      Windows; and a zone that only a PYTHONTZPATH of the user's holds is accepted with
#      it and refused without it (the bundle's time zone hook leaves the user's alone);
#   6. `respite --no-tray -v` (QT_QPA_PLATFORM=offscreen), then `respite status --json`
#      from the bundle: the calendars read with no problems, the holidays listed as days
#      off, the TZID event at the right instant in Tokyo time; the reminder's nudge in the
#      log (a reminder due within the last 15 minutes fires at start);
#   7. `pause` and `resume` run both hooks: the command writes its events (and finds no
#      PYTHONTZPATH in its environment), the webhook receives JSON, and `status --json`
#      shows both hooks ok;
#   8. `secret delete` (with the keyring);
#   9. SIGTERM stops the app with exit code 0; no ImportError, ModuleNotFoundError or
#      traceback in the log, the app's output or the CLI's.
#
# Needs bash and python3 on the host ($PYTHON; for the loopback server and the JSON
# checks: the bundle is what is tested). Exits 0 when everything passed, 1 at the first
# failure (with the end of the app's log), 2 for a wrong argument. Takes a few seconds.
# shellcheck disable=SC2015  # "check && check || fail" is meant: fail when either fails
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1/respite" ]]; then
    echo "usage: $0 BUNDLE_DIR   (the folder holding the respite executable, e.g. dist/respite)" >&2
    exit 2
fi
BIN="$(cd "$1" && pwd)/respite"
PY="${PYTHON:-python3}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/respite-smoke.XXXXXX")"
APP_PID="" SERVER_PID="" DBUS_PID="" KEYRING_PID=""

stop() { # stop PID [signal]: end one process we started and reap it
    local pid="$1"
    [[ -n "$pid" ]] || return 0
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    stop "$APP_PID" KILL
    stop "$KEYRING_PID"
    stop "$SERVER_PID"
    stop "$DBUS_PID"
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STEP=0
ok() { printf '  ok   %s\n' "$*"; }
note() { printf '  --   %s\n' "$*"; }
step() { STEP=$((STEP + 1)); printf '\n[%d] %s\n' "$STEP" "$*"; }
fail() {
    printf '  FAIL %s\n' "$*" >&2
    for file in "$TMP/data/logs/respite.log" "$TMP/app.out"; do
        if [[ -s "$file" ]]; then
            printf '\n--- %s (last 60 lines) ---\n' "${file#"$TMP"/}" >&2
            tail -n 60 "$file" >&2
        fi
    done
    exit 1
}
# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every 0.2 s until it succeeds.
wait_for() {
    local seconds="$1" what="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for $what"
        sleep 0.2
    done
}
run() { # run OUT COMMAND...: COMMAND's output (both streams) to OUT, its exit code in RC
    local out="$1"
    shift
    RC=0
    "$@" >"$out" 2>&1 || RC=$?
}
no_errors() { # no_errors FILE...: no import problems or tracebacks in these files
    if grep -nE 'ImportError|ModuleNotFoundError|No module named|Traceback' "$@" >&2; then
        fail "import error or traceback in ${*#"$TMP"/}"
    fi
}

# A private world: nothing read from or written to the user's own files or keyring.
mkdir -p "$TMP/home" "$TMP/config" "$TMP/data" "$TMP/web" "$TMP/cal"
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" XDG_DATA_HOME="$TMP/home/.local/share"
export XDG_CACHE_HOME="$TMP/home/.cache" XDG_STATE_HOME="$TMP/home/.local/state"
export RESPITE_CONFIG_DIR="$TMP/config" RESPITE_DATA_DIR="$TMP/data"
export QT_QPA_PLATFORM=offscreen NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset PYTHON_KEYRING_BACKEND RESPITE_ICON
NO_BUS="unix:path=$TMP/no-such-bus" # a session bus that isn't there
export DBUS_SESSION_BUS_ADDRESS="$NO_BUS"

respite() { "$BIN" "$@"; }
app_running() { [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; }

# ----- host-side helpers (python3 on the host, not the bundle) ----------------------------
cat >"$TMP/server.py" <<'EOF'
"""Loopback HTTP: GET /remote.ics serves web/remote.ics; POST records the body (one line)."""
import http.server
import pathlib
import sys

root = pathlib.Path(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        file = root / "remote.ics"
        if self.path != "/remote.ics" or not file.exists():
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(root / "webhook.jsonl", "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
(root / "port.tmp").write_text(str(server.server_address[1]))
(root / "port.tmp").rename(root / "port")
server.serve_forever()
EOF

cat >"$TMP/check.py" <<'EOF'
"""JSON and date checks for smoke_test.sh: check.py WHAT [ARGS]; exit 1 with a reason."""
import json
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

APP_ZONE = ZoneInfo("Asia/Tokyo")  # the settings' timezone
EVENT_ZONE = ZoneInfo("Europe/Berlin")  # the TZID of the daily event, 23:00-23:30


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def status(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


what, args = sys.argv[1], sys.argv[2:]
if what == "day":  # day N: the date N days from today in the app's zone
    print((datetime.now(APP_ZONE).date() + timedelta(days=int(args[0]))).strftime("%Y%m%d"))
elif what == "running":  # running FILE: the app answered
    if status(args[0]).get("running") is not True:
        fail("the app did not answer")
elif what == "days-off":  # days-off FILE YYYYMMDD...: these are days off
    found = (status(args[0]).get("calendar") or {}).get("days_off") or []
    wanted = [date(int(a[:4]), int(a[4:6]), int(a[6:])).isoformat() for a in args[1:]]
    if any(day not in found for day in wanted):
        fail(f"days off {found}, wanted {wanted}")
elif what == "problems":  # problems FILE: the calendar summary lists no problems
    problems = (status(args[0]).get("calendar") or {}).get("problems")
    if problems:
        fail("; ".join(problems))
elif what == "calendar":  # calendar FILE: read with no problems, the TZID event right
    data = status(args[0])
    calendar = data.get("calendar")
    if not isinstance(calendar, dict):
        fail(f"no calendar summary in the status: {data}")
    if calendar.get("problems"):
        fail(f"calendar problems: {calendar['problems']}")
    if data.get("zone") != "Asia/Tokyo":
        fail(f"the app's zone is {data.get('zone')!r}, not 'Asia/Tokyo'")
    # Today's (in Tokyo) occurrence of 23:00 Berlin time: it lies outside work hours.
    now = datetime.fromisoformat(data["now"])
    today = now.astimezone(APP_ZONE).date()
    expected = [
        start
        for day in (today - timedelta(days=1), today)
        if (start := datetime.combine(day, time(23), EVENT_ZONE)).astimezone(APP_ZONE).date()
        == today
    ]
    found = [
        datetime.fromisoformat(m["start"]) for m in calendar.get("after_hours_meetings_today", [])
    ]
    if found != expected:
        fail(f"meetings outside hours today {found}, wanted {expected} (TZID misread?)")
    print(f"a daily 23:00 Europe/Berlin event today at {found[0].isoformat()} (Tokyo)")
elif what == "hooks":  # hooks FILE NAME...: these hooks last ran fine, for "resume"
    hooks = {h.get("name"): h for h in status(args[0]).get("hooks") or []}
    for name in args[1:]:
        hook = hooks.get(name) or {}
        if hook.get("ok") is not True or hook.get("last_event") != "resume":
            fail(f"hook {name!r}: {hook or 'not in the status'}")
elif what == "webhook":  # webhook FILE: a POST for pause and one for resume, both JSON
    events = []
    with open(args[0], encoding="utf-8") as file:
        for line in file:
            body = json.loads(line)
            if body.get("app") != "respite":
                fail(f"webhook body {body}")
            events.append(body.get("event"))
    if events != ["pause", "resume"]:
        fail(f"webhook events {events}")
elif what == "modules":  # modules EXE: what loads on first use is in the bundle's PYZ
    try:
        from PyInstaller.archive.readers import CArchiveReader
    except ImportError:
        print("skipped")
        sys.exit(0)
    archive = CArchiveReader(args[0])
    pyz = archive.open_embedded_archive("PYZ.pyz")
    bundled = set(pyz.toc)
    wanted = [
        "respite.calendar_sync", "respite.core.calendar", "respite.hooks",
        "respite.storage.secrets", "respite.storage.settings_save",
        "respite.ui.settings_window", "respite.ui.settings_integrations",
        "respite.ui.history_window", "icalendar", "icalendar.timezone.zoneinfo",
        "recurring_ical_events", "x_wr_timezone", "dateutil.rrule", "tomlkit",
        "apscheduler.triggers.cron", "keyring.backends.SecretService",
        "keyring.backends.kwallet", "keyring.backends.chainer", "secretstorage", "jeepney",
        "urllib.request", "ssl", "subprocess", "tzdata", "zoneinfo", "csv", "difflib",
    ]  # fmt: skip
    try:  # with the build's Python: every module of the installed respite package too
        import pkgutil

        import respite

        wanted += [
            m.name
            for m in pkgutil.walk_packages(respite.__path__, "respite.")
            # the bundle starts from respite_main.py; the named pipe is Windows's alone
            if m.name not in ("respite.__main__", "respite.ipc_windows")
        ]
    except ImportError:
        pass
    missing = sorted(set(wanted) - bundled)
    if missing:
        fail(f"not in the bundle: {', '.join(missing)}")
    # Left out on purpose (respite.spec says why): multiprocessing and its run-time hook,
    # the run-time hooks for inspect and pkgutil; the time zone hook must run.
    unwanted = sorted(m for m in bundled if m.split(".")[0] == "multiprocessing")
    if unwanted:
        fail(f"in the bundle, though the spec excludes them: {', '.join(unwanted)}")
    scripts = set(archive.toc)
    if "rthook_tzpath" not in scripts:
        fail("the bundle lacks its run-time hook rthook_tzpath")
    dropped = {"pyi_rth_inspect", "pyi_rth_pkgutil", "pyi_rth_multiprocessing"} & scripts
    if dropped:
        fail(f"run-time hooks the spec drops are in the bundle: {', '.join(sorted(dropped))}")
    if "__doc__" in pyz.extract("respite").co_names:  # optimize=2 leaves docstrings out
        fail("the bundle's bytecode keeps docstrings: not built with optimize=2")
    print(f"{len(set(wanted))} modules checked, of {len(bundled)} bundled")
else:
    fail(f"check.py: unknown check {what!r}")
EOF
check() { "$PY" "$TMP/check.py" "$@"; }

"$PY" "$TMP/server.py" "$TMP/web" 2>"$TMP/server.log" &
SERVER_PID=$!
wait_for 10 "the loopback server" test -s "$TMP/web/port"
PORT="$(cat "$TMP/web/port")"

# ----- calendars, hooks, settings ---------------------------------------------------------
TOMORROW="$(check day 1)"
IN_TWO_DAYS="$(check day 2)"
crlf() { sed 's/$/\r/'; } # iCalendar lines end in CRLF
crlf >"$TMP/cal/local.ics" <<EOF
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Respite//smoke test//EN
X-WR-TIMEZONE:Europe/Berlin
BEGIN:VEVENT
UID:late-sync@smoke
DTSTAMP:20240101T000000Z
DTSTART;TZID=Europe/Berlin:20240101T230000
DTEND;TZID=Europe/Berlin:20240101T233000
RRULE:FREQ=DAILY
SUMMARY:Late sync
END:VEVENT
BEGIN:VEVENT
UID:holiday@smoke
DTSTAMP:20240101T000000Z
DTSTART;VALUE=DATE:$TOMORROW
DTEND;VALUE=DATE:$(check day 2)
SUMMARY:Holiday
END:VEVENT
END:VCALENDAR
EOF
crlf >"$TMP/web/remote.ics" <<EOF
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Respite//smoke test//EN
BEGIN:VEVENT
UID:ooo@smoke
DTSTAMP:20240101T000000Z
DTSTART;VALUE=DATE:$IN_TWO_DAYS
DTEND;VALUE=DATE:$(check day 3)
SUMMARY:OOO
END:VEVENT
END:VCALENDAR
EOF

cat >"$TMP/hook.sh" <<EOF
#!/bin/sh
echo "\$RESPITE_EVENT \$RESPITE_HOOK" >>'$TMP/hook.out'
# The bundle's time zone hook sets PYTHONTZPATH only while it imports zoneinfo.
if [ -n "\${PYTHONTZPATH+set}" ]; then echo "\$PYTHONTZPATH" >>'$TMP/hook.tzpath'; fi
# Nor may the bundle's library paths or PyInstaller's state reach a system program.
env | grep -E '^(LD_LIBRARY_PATH|QT_PLUGIN_PATH|QML2_IMPORT_PATH|_PYI_)' >>'$TMP/hook.env' || true
EOF
chmod +x "$TMP/hook.sh"

write_settings() { # write_settings [remote]: settings.toml, with the keyring calendar or not
    cat >"$TMP/config/settings.toml" <<EOF
# Written by smoke_test.sh
timezone = "Asia/Tokyo"

[[reminders]]
name = "Smoke reminder"
cron = "* * * * *"
message = "from the smoke test"

[[calendars]]
name = "Local"
path = '$TMP/cal/local.ics'

[[hooks]]
name = "Local command"
on = ["pause", "resume"]
command = ['$TMP/hook.sh']

[[hooks]]
name = "Loopback webhook"
on = ["pause", "resume"]
url = "http://127.0.0.1:$PORT/hook"
timeout_seconds = 5
EOF
    if [[ "${1:-}" == remote ]]; then
        cat >>"$TMP/config/settings.toml" <<EOF

[[calendars]]
name = "Remote"
secret = "calendar-smoke"
EOF
    fi
    chmod 600 "$TMP/config/settings.toml"
}

# ----- the keyring -------------------------------------------------------------------------
start_keyring() { # a private session bus with an unlocked gnome-keyring; 1 if unavailable
    command -v dbus-daemon >/dev/null && command -v gnome-keyring-daemon >/dev/null \
        && command -v dbus-send >/dev/null || return 1
    dbus-daemon --session --nofork --nopidfile --print-address=1 >"$TMP/bus.address" \
        2>"$TMP/dbus.log" &
    DBUS_PID=$!
    wait_for 10 "a session bus" test -s "$TMP/bus.address"
    DBUS_SESSION_BUS_ADDRESS="$(head -n 1 "$TMP/bus.address")"
    export DBUS_SESSION_BUS_ADDRESS
    printf 'respite-smoke' | gnome-keyring-daemon --foreground --unlock --components=secrets \
        >"$TMP/keyring.log" 2>&1 &
    KEYRING_PID=$!
    secrets_owned() {
        dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q 'true'
    }
    wait_for 15 "gnome-keyring to own org.freedesktop.secrets" secrets_owned
}

# ===========================================================================================
echo "Smoke test of $BIN (temp folder $TMP)"

step "what the bundle holds"
INTERNAL="$(dirname "$BIN")/_internal"
DANGLING="$(find -L "$(dirname "$BIN")" -type l)"
[[ -z "$DANGLING" ]] || fail "dangling symlinks in the bundle: $DANGLING"
ok "no dangling symlinks"
compgen -G "$INTERNAL/keyring-*.dist-info/entry_points.txt" >/dev/null \
    && grep -q "keyring.backends" "$INTERNAL"/keyring-*.dist-info/entry_points.txt \
    || fail "keyring's metadata (entry_points.txt, how it finds its backends) is not bundled"
ok "keyring's entry points (its backends)"
[[ -f "$INTERNAL/tzdata/zoneinfo/Europe/Berlin" ]] || fail "the tzdata package's zone files are not bundled"
ok "tzdata's zone files"
MODULES="$(check modules "$BIN" 2>&1)" || fail "$MODULES"
if [[ "$MODULES" == skipped ]]; then
    note "module list SKIPPED: $PY has no PyInstaller (PYTHON=build/venv-linux/bin/python checks it)"
else
    ok "lazily imported modules are in the bundle ($MODULES)"
fi

step "version and help"
run "$TMP/version.out" respite --version
VERSION_OUT="$(cat "$TMP/version.out")"
[[ $RC -eq 0 ]] || fail "--version exited with $RC: $VERSION_OUT"
[[ "$VERSION_OUT" == "respite "* ]] || fail "--version said: $VERSION_OUT"
ok "$VERSION_OUT"
run "$TMP/help.out" respite --help
HELP_OUT="$(cat "$TMP/help.out")"
[[ $RC -eq 0 ]] || fail "--help exited with $RC: $HELP_OUT"
for command in status pause resume config secret; do
    grep -qw "$command" <<<"$HELP_OUT" || fail "--help does not list '$command'"
done
ok "--help lists status, pause, resume, config, secret"

step "secret set with no keyring"
run "$TMP/secret.out" respite secret set smoke-token <<<"s3cret-smoke"
fold -s -w 88 "$TMP/secret.out" | sed 's/^/       /'
no_errors "$TMP/secret.out"
[[ $RC -eq 1 ]] || fail "secret set without a keyring exited with $RC, wanted 1"
grep -q "No usable system keyring" "$TMP/secret.out" || fail "no 'No usable system keyring' message"
if grep -rqs "s3cret-smoke" "$TMP/config" "$TMP/data" "$TMP/home"; then
    fail "the secret was written to a file"
fi
ok "exit 1 with the keyring message; nothing stored"

step "keyring (private session bus and gnome-keyring)"
REMOTE=""
if start_keyring; then
    run "$TMP/secret.out" respite secret set calendar-smoke <<<"http://127.0.0.1:$PORT/remote.ics"
    [[ $RC -eq 0 ]] || fail "secret set exited with $RC: $(cat "$TMP/secret.out")"
    no_errors "$TMP/secret.out"
    grep -q "Stored the secret 'calendar-smoke'" "$TMP/secret.out" || fail "$(cat "$TMP/secret.out")"
    REMOTE=remote
    ok "secret set stored a calendar URL in the Secret Service"
else
    note "SKIPPED: needs dbus-daemon, dbus-send and gnome-keyring-daemon (Debian: dbus, gnome-keyring)"
fi

step "config check"
write_settings "$REMOTE"
run "$TMP/check.out" respite config check
[[ $RC -eq 0 ]] && grep -q "looks good" "$TMP/check.out" \
    || fail "config check exited with $RC: $(cat "$TMP/check.out")"
ok "$(cat "$TMP/check.out")"
PYTHONTZPATH="$TMP/no-zoneinfo" run "$TMP/check.out" respite config check
[[ $RC -eq 0 ]] && grep -q "looks good" "$TMP/check.out" \
    || fail "config check without the system's time zones exited with $RC: $(cat "$TMP/check.out")"
ok "also without the system's time zones (the bundled tzdata knows Asia/Tokyo)"
# A PYTHONTZPATH of the user's own is honoured: a zone only found there is accepted.
mkdir -p "$TMP/zones/Smoke" "$TMP/config-tz"
cp "$INTERNAL/tzdata/zoneinfo/Asia/Tokyo" "$TMP/zones/Smoke/Tokyo"
printf 'timezone = "Smoke/Tokyo"\n' >"$TMP/config-tz/settings.toml"
chmod 600 "$TMP/config-tz/settings.toml"
RESPITE_CONFIG_DIR="$TMP/config-tz" PYTHONTZPATH="$TMP/zones" run "$TMP/check.out" respite config check
[[ $RC -eq 0 ]] && grep -q "looks good" "$TMP/check.out" \
    || fail "config check with PYTHONTZPATH=$TMP/zones exited with $RC: $(cat "$TMP/check.out")"
RESPITE_CONFIG_DIR="$TMP/config-tz" run "$TMP/check.out" respite config check
[[ $RC -eq 1 ]] && grep -q '"Smoke/Tokyo" is not allowed' "$TMP/check.out" \
    || fail "config check found Smoke/Tokyo outside PYTHONTZPATH (exit $RC): $(cat "$TMP/check.out")"
ok "a PYTHONTZPATH of the user's is honoured (a zone found only there is accepted)"

step "run headless: respite --no-tray -v"
"$BIN" --no-tray -v >"$TMP/app.out" 2>&1 &
APP_PID=$!
status_json() { respite status --json >"$TMP/status.json" 2>"$TMP/status.err"; }
answering() { app_running && status_json && check running "$TMP/status.json"; }
wait_for 30 "the app to answer 'status'" answering
ok "running (process $APP_PID) and answering"

days_off_in=("$TOMORROW")
[[ -n "$REMOTE" ]] && days_off_in+=("$IN_TWO_DAYS")
calendar_read() { # done when the days off show, or at once when a calendar has a problem
    app_running && status_json || return 1
    check problems "$TMP/status.json" 2>"$TMP/problems" || return 0
    check days-off "$TMP/status.json" "${days_off_in[@]}"
}
wait_for 30 "the calendar to be read (days off ${days_off_in[*]})" calendar_read
[[ -s "$TMP/problems" ]] && fail "calendar problems in the status: $(cat "$TMP/problems")"
CAL_OUT="$(check calendar "$TMP/status.json" 2>&1)" || fail "calendar: $CAL_OUT"
ok "calendar read, no problems; $CAL_OUT"
ok "days off in the status: ${days_off_in[*]} (Holiday in the .ics${REMOTE:+, OOO via the keyring URL})"

LOG="$TMP/data/logs/respite.log"
reminded() { grep -q "nudge: Smoke reminder" "$LOG"; }
wait_for 30 "the reminder's nudge in the log" reminded
ok "reminder fired: $(grep -m1 -o "nudge: Smoke reminder.*" "$LOG")"

step "hooks: pause and resume"
run "$TMP/cli.out" respite pause 5m
[[ $RC -eq 0 ]] || fail "pause exited with $RC: $(cat "$TMP/cli.out")"
paused_hooks() { grep -q pause "$TMP/hook.out" && grep -q '"pause"' "$TMP/web/webhook.jsonl"; }
wait_for 20 "both hooks to run for 'pause'" paused_hooks
run "$TMP/cli.out" respite resume
[[ $RC -eq 0 ]] || fail "resume exited with $RC: $(cat "$TMP/cli.out")"
hooks_ran() {
    status_json && check hooks "$TMP/status.json" "Local command" "Loopback webhook"
}
wait_for 30 "both hooks to run for 'resume'" hooks_ran
[[ "$(cat "$TMP/hook.out")" == $'pause Local command\nresume Local command' ]] \
    || fail "the command hook wrote: $(cat "$TMP/hook.out")"
ok "command hook ran for pause and resume"
[[ ! -e "$TMP/hook.tzpath" ]] || fail "the hook's environment has PYTHONTZPATH=$(cat "$TMP/hook.tzpath")"
ok "the time zone hook's PYTHONTZPATH did not reach the command"
! grep -q '/_internal' "$TMP/hook.env" && ! grep -q '^_PYI_' "$TMP/hook.env" \
    || fail "the command hook saw the bundle's environment: $(cat "$TMP/hook.env")"
ok "the command hook saw none of the bundle's library paths"
check webhook "$TMP/web/webhook.jsonl" || fail "webhook: $(cat "$TMP/web/webhook.jsonl")"
ok "webhook POSTed JSON for pause and resume"

if [[ -n "$REMOTE" ]]; then
    step "secret delete"
    run "$TMP/secret.out" respite secret delete calendar-smoke
    [[ $RC -eq 0 ]] && grep -q "Deleted the secret 'calendar-smoke'" "$TMP/secret.out" \
        || fail "secret delete exited with $RC: $(cat "$TMP/secret.out")"
    ok "$(cat "$TMP/secret.out")"
fi

step "stop and look at the log"
app_running || fail "the app is no longer running"
kill -TERM "$APP_PID"
deadline=$((SECONDS + 20))
while app_running && ((SECONDS < deadline)); do sleep 0.2; done
app_running && fail "the app did not stop within 20s of SIGTERM"
set +e
wait "$APP_PID"
rc=$?
set -e
APP_PID=""
[[ $rc -eq 0 ]] || fail "the app exited with $rc after SIGTERM"
ok "stopped with exit code 0"
no_errors "$LOG" "$TMP/app.out" "$TMP/status.err"
grep -q "Respite stopped" "$LOG" || fail "no 'Respite stopped' in the log"
ok "no ImportError, ModuleNotFoundError or traceback in the log ($(wc -l <"$LOG") lines)"

printf '\nPASSED: %s\n' "$VERSION_OUT"
