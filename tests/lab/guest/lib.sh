# shellcheck shell=bash
# Helpers for lab scenarios (sourced inside the VM): checks, waiting, journal queries, and virtual
# devices. A scenario is a bash script in tests/lab/scenarios/; it calls `check` for every claim.

LAB_RESULTS=${LAB_OUT:-/tmp}/results

# check "what is claimed" COMMAND...: runs COMMAND; PASS when it succeeds.
check() {
        local what=$1 out rc
        shift
        # The command's own output goes to the scenario's log, indented, not to the console.
        out=$("$@" 2>&1)
        rc=$?
        [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
        if [ $rc -eq 0 ]; then
                echo "PASS $LAB_SCENARIO: $what" | tee -a "$LAB_RESULTS"
        else
                echo "FAIL $LAB_SCENARIO: $what (command: $*)" | tee -a "$LAB_RESULTS"
        fi
}

# For the demo: a line meant for the person watching.
say() { echo "| $*"; }

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds; fails after SECONDS.
wait_for() {
        local deadline=$(($(date +%s%N) + $1 * 1000000000))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# The drvhost journal entries with a given MESSAGE_ID since the scenario began, as JSON lines.
journal_events() {
        journalctl --no-pager -o json MESSAGE_ID="$1" "${@:2}" |
                jq -c --argjson t0 "$LAB_T0_US" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t0)'
}
journal_has() { [ -n "$(journal_events "$@")" ]; }

LAB_T0_US=$(($(date +%s%N) / 1000))
export LAB_T0_US

. /lab/guest/gadget.sh

# MESSAGE_IDs from service/shared/messages.h, copied there by the lab at job preparation.
. /lab/guest/messages.sh
