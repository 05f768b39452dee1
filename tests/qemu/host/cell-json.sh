#!/bin/bash
# Host side of the cell scenarios (cell-lifecycle.sh): every
#   @@CELLJSON@@ LABEL EXPECT JSON
# line of LOGDIR/console.log is `bulkhead cell list --json` at one point of
# the scenario. Each must parse as strict JSON (Python's json module): a list
# of objects with exactly the keys id (int), name, state, cpus, reason
# (strings), ids ascending, and the names and states in EXPECT
# ("name=state,..." in id order; "failed" cells with a non-empty reason, all
# others with an empty one). One KTAP result per line.
#
#   tests/qemu/host/cell-json.sh LOGDIR
set -uo pipefail

dir=${1:?usage: $0 LOGDIR}
exec /usr/bin/python3 - "$dir/console.log" <<'PY'
import json, re, sys

lines = []
with open(sys.argv[1], "rb") as f:
    for raw in f:
        line = raw.decode("utf-8", "replace").replace("\r", "").rstrip("\n")
        i = line.find("@@CELLJSON@@ ")
        if i >= 0:
            lines.append(line[i + len("@@CELLJSON@@ "):])

n = 0
failed = 0
def result(ok, desc, why=""):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok"), n, desc)
    if not ok:
        failed += 1
        print("# " + why)

if not lines:
    result(False, "cell list --json lines in the console log", "no @@CELLJSON@@ line found")

for entry in lines:
    m = re.match(r"(.*?) ((?:[^ =,]+=[^,]*,)*[^ =,]+=[^,]*?) (\[.*)$", entry)
    if not m:
        result(False, "cell list --json: unparsable marker line", entry)
        continue
    label, expect, text = m.groups()
    desc = f"cell list --json is valid JSON with the right states: {label}"
    try:
        cells = json.loads(text)
    except json.JSONDecodeError as e:
        result(False, desc, f"not JSON ({e}): {text}")
        continue
    why = []
    if not isinstance(cells, list):
        why.append("not a list")
        cells = []
    keys = {"id": int, "name": str, "state": str, "cpus": str, "reason": str}
    for c in cells:
        if not isinstance(c, dict) or set(c) != set(keys):
            why.append(f"entry {c!r} does not have exactly the keys {sorted(keys)}")
            continue
        for k, t in keys.items():
            if not isinstance(c[k], t) or isinstance(c[k], bool):
                why.append(f"{c.get('name')}: {k} is not {t.__name__}")
    good = [c for c in cells if isinstance(c, dict) and set(c) == set(keys)]
    ids = [c["id"] for c in good]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        why.append(f"ids not ascending and unique: {ids}")
    got = [(c["name"], c["state"]) for c in good]
    want = [tuple(e.split("=", 1)) for e in expect.split(",")]
    if got != want:
        why.append(f"cells {got}, expected {want}")
    for c in good:
        if c["state"] == "failed" and not c["reason"]:
            why.append(f"{c['name']} failed without a reason")
        if c["state"] != "failed" and c["reason"]:
            why.append(f"{c['name']} is {c['state']} but has a reason {c['reason']!r}")
    result(not why, desc, "; ".join(why) + f" -- {text}")

sys.exit(1 if failed else 0)
PY
