#!/usr/bin/env bash
# Fills a data folder with a small sample community, for demos and screenshots.
# Usage: assets/sample_community.sh DATA_DIR   (uses `copse` from PATH, or COPSE=path/to/copse)
set -euo pipefail
dir=${1:?usage: $0 DATA_DIR}
copse() { "${COPSE:-copse}" --data-dir "$dir" "$@"; }

copse init --name "Facilitators' Circle" --me "Ada" \
  --purpose "Workshop facilitators who meet monthly to get better at running sessions that matter." >/dev/null
copse member set --skill "Liberating Structures" --skill "Remote workshops" \
  --objective "Facilitating conflict" --objective "Graphic recording" >/dev/null

copse note add --title "Check-in questions that work" --body-file - >/dev/null <<'MD'
# Check-in questions that work

- *What are you bringing into the room today?*
- *One word for how you arrive.*
- *What would make this hour worth it for you?*

Keep it short: a check-in is a door, not a conversation.
MD
copse note add --title "Running a 1-2-4-All" --body "Silent reflection, pairs, foursomes, then the whole group. Time-box each step." >/dev/null

t1=$(copse topic add --title "Handling a dominant voice" --description "When one person takes all the air")
copse topic add --title "Reading the room online" >/dev/null
copse topic add --title "Pauses and silence" --parent "$t1" >/dev/null
copse topic endorse "$t1" >/dev/null
copse topic status "$t1" planned >/dev/null
# A shared learning objective proposed as a topic, crediting those who hold it.
copse objectives topic "Graphic recording" >/dev/null

copse case open --title "My retros have gone flat" \
  --situation "Same format for a year, the team answers on autopilot. I want energy back without a gimmick." >/dev/null

# A rhythm: a past gathering and the next one, planned by rotation with its meeting note.
# Dates are relative to the clock (COPSE_NOW when set, as in the screenshots' tests).
today=$(date -u -d "${COPSE_NOW:-now}" +%Y-%m-%d)
copse gathering plan --when "$(date -u -d "$today -30 days" +%Y-%m-%d)T18:00" --title "Last month's circle" >/dev/null
copse gathering plan --when "$(date -u -d "$today +14 days" +%Y-%m-%d)T18:00" >/dev/null
# A series every four weeks, with a rotating role of the circle's own.
copse role add "Brings a case" >/dev/null
copse gathering plan --when "$(date -u -d "$today +7 days" +%Y-%m-%d)T18:30" --repeat weekly:4 \
  --title "Practice circle" >/dev/null
cx=$(copse case open --title "Kick-offs run over time" --situation "My project kick-offs overrun by an hour.")
copse case advance "$cx" >/dev/null
copse case advance "$cx" >/dev/null
copse case close "$cx" --outcome "Timebox the intro, park questions visibly." \
  --action "Try a visible parking lot next kick-off" >/dev/null
# A second member, Bo, joins over loopback from a folder of his own, adds his profile and a
# note, asks a question on Ada's case and thanks her note; then the two folders sync.
net=(--relay off --mdns off --bind 127.0.0.1:0)
bodir="$dir.bo"
bo() { "${COPSE:-copse}" --data-dir "$bodir" "$@" "${net[@]}"; }
ticket=$(copse invite --uses 1 --expires 1h "${net[@]}" | head -1)
# Rita follows as a reader; the library's spare machine is the always-on community device.
reader_ticket=$(copse invite --uses 1 --expires 1h --role reader "${net[@]}" | head -1)
library_ticket=$(copse device add --always-on --label "Library server" "${net[@]}" | head -1)
"${COPSE:-copse}" --data-dir "$dir" serve "${net[@]}" >/dev/null 2>&1 &
serving=$!
trap 'kill -TERM $serving 2>/dev/null || true' EXIT
sleep 2
bo join "$ticket" --me "Bo" >/dev/null
bo member set --skill "Graphic recording" --skill "Facilitation" \
  --objective "Facilitating conflict well" --objective "Data visualisation" >/dev/null
bo note add --title "Sketchnoting a retro" \
  --body "Draw the timeline first, then let people add sticky faces. Photos go in the team channel." >/dev/null
retro=$(bo --json case list | sed -n 's/.*"id": *"\([^"]*\)".*"title": *"My retros have gone flat".*/\1/p' | head -1)
[ -n "$retro" ] && bo case ask "$retro" "What did the last retro that felt alive have in common?" >/dev/null
checkin=$(bo --json note list | sed -n 's/.*"id": *"\([^"]*\)".*"title": *"Check-in questions that work".*/\1/p' | head -1)
[ -n "$checkin" ] && bo thank note "$checkin" >/dev/null
bo sync --timeout 30 >/dev/null
"${COPSE:-copse}" --data-dir "$dir.rita" join "$reader_ticket" --me "Rita" "${net[@]}" >/dev/null
"${COPSE:-copse}" --data-dir "$dir.library" join "$library_ticket" "${net[@]}" >/dev/null
# Bo links his desktop: Ada's device, online, admits it.
desktop_ticket=$(bo device add --label "Desktop" | head -1)
bo sync --timeout 30 >/dev/null
"${COPSE:-copse}" --data-dir "$dir.bo-desktop" join "$desktop_ticket" "${net[@]}" >/dev/null
kill -TERM $serving; wait $serving || true
trap - EXIT
# Files on Bo's retro note: the logo, and a timeline template.
retro_note=$(copse --json note list | sed -n 's/.*"id": *"\([^"]*\)".*"title": *"Sketchnoting a retro".*/\1/p' | head -1)
timeline="$(mktemp -d)/retro-timeline.txt"
printf 'Retro timeline\n\nStart | Middle | End\n:)    | :|     | :(\n' > "$timeline"
[ -n "$retro_note" ] && copse attach "$retro_note" "$(dirname "$0")/copse.svg" "$timeline" >/dev/null
# Today's circle in progress (the Now view): Ada facilitates, Ada and Bo are there, Ada's retro
# case runs live and the timer has moved on to its clarifying questions; a pair debriefed.
now_id=$(copse gathering plan --when "$today" --title "Today's circle" | head -1)
if [ -n "$now_id" ]; then
  copse gathering set-role "$now_id" facilitator Ada >/dev/null
  copse gathering agenda "$now_id" "$t1" >/dev/null
  copse gathering attend "$now_id" Ada Bo >/dev/null
  [ -n "$retro" ] && copse gathering live-case "$now_id" "$retro" >/dev/null
  pair=$(copse gathering groups "$now_id" --size 2 --activity "Pairs: one retro format that surprised you" | head -1)
  [ -n "$pair" ] && copse gathering debrief "$now_id" "$pair" 1 "Silent writing first, then talk: quieter people spoke up." >/dev/null
  copse gathering timer "$now_id" start >/dev/null
  for _ in 1 2; do copse gathering timer "$now_id" next >/dev/null; done
fi
# A note with a whiteboard photo shown inline (assets/whiteboard.png) and the slides as a PDF.
board_note=$(copse note add --title "Whiteboard from the June circle" --body "What we drew together.")
board="$(dirname "$0")/whiteboard.png"
slides="$(dirname "$timeline")/june-circle-slides.pdf"
printf '%%PDF-1.4\n%% slides of the June circle\n%%%%EOF\n' > "$slides"
board_id=$(copse attach "$board_note" "$board" "$slides" | head -1)
copse note edit "$board_note" --body "What we drew together: five sticky notes along the timeline.

![whiteboard.png](attachment:$board_id)

The slides are below." >/dev/null
echo "sample community ready in $dir (and the copies of Bo, Bo's desktop, Rita and the library beside it)"
