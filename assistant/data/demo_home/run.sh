#!/usr/bin/env bash
# Car-to-home demo: the driver says "turn on the living room lights at home" and hears the
# confirmation only once the bulb's zigbee2mqtt state topic shows it on.
#
#   assistant/data/demo_home/run.sh            # from the checkout (uses .venv/ if there)
#   PYTHON=python3 assistant/data/demo_home/run.sh
#
# It starts, and stops again: a mosquitto broker on 127.0.0.1 (a free port, login required,
# password file made here with mosquitto_passwd), `assistant home-sim` (zigbee2mqtt with
# TRADFRI bulbs; the garage bulb is unreachable), then runs the turns below through
# `assistant chat` with [home] backend = "mqtt" set from the environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-}"
[ -n "$python" ] || { [ -x "$root/.venv/bin/python" ] && python="$root/.venv/bin/python" || python=python3; }
mosquitto="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
[ -x "$mosquitto" ] && command -v mosquitto_passwd >/dev/null || {
  echo "demo_home: mosquitto is not installed (Debian package mosquitto; make system-deps)" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mosquitto_passwd -c -b "$work/passwd" car demo-home >/dev/null
chmod 600 "$work/passwd"
printf 'car:demo-home\n' > "$work/car.cred" && chmod 600 "$work/car.cred"
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous false
password_file $work/passwd
persistence false
user $(id -un)
CONF
"$mosquitto" -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" & pids+=($!)
for _ in $(seq 100); do "$python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break; sleep 0.1; done

export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
export ASSISTANT_HOME_BACKEND=mqtt ASSISTANT_HOME_BROKER=127.0.0.1 ASSISTANT_HOME_PORT="$port" \
       ASSISTANT_HOME_CREDENTIALS_FILE="$work/car.cred"
"$python" -m assistant home-sim > "$work/home.jsonl" & pids+=($!)
for _ in $(seq 100); do grep -q '"ready"' "$work/home.jsonl" 2>/dev/null && break; sleep 0.1; done
grep -q '"ready"' "$work/home.jsonl" || { echo "demo_home: home-sim did not start" >&2; exit 1; }
echo "== broker 127.0.0.1:$port (login on), simulated home ready"

"$python" -m assistant chat \
  "turn on the living room lights at home" \
  "are the lights at home still on" \
  "set the bedroom lights at home to thirty percent" \
  "turn on the garage light at home" \
  "open the passenger window" \
  "switch off everything at home"

if command -v espeak-ng >/dev/null; then
  echo "== spoken: the same command as speech (espeak-ng), through ASR and the whole pipeline"
  "$python" -m assistant chat "switch off everything at home" >/dev/null
  espeak-ng -v en-us -s 150 -w "$work/living_room.wav" "turn on the living room lights at home"
  cat > "$work/show.py" <<'PY'
import json, sys
for line in sys.stdin:
    turn = json.loads(line)
    print(f"   heard {turn.get('transcript')!r} -> {turn['intent']['name']}, home {json.dumps(turn.get('home'))},"
          f" frames {turn['frames']}")
    print(f"car> {turn['reply']}")
PY
  "$python" -m assistant replay --json "$work/living_room.wav" | "$python" "$work/show.py"
fi

echo "== what the bulbs saw (zigbee2mqtt/<light>/set) and the state they reported"
"$python" - "$work/home.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event["event"] == "set":
        print(f"   {event['light']:<20} <- {json.dumps(event['command'])}  now {event['state']['state']}"
              f" brightness {event['state'].get('brightness')}")
PY
