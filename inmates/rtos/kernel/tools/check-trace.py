#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Check a bulkhead RTOS run (trace=1) from its console output alone.

    check-trace.py LOG            a serial log, console.log or hypervisor.log
    check-trace.py LOGDIR         a QEMU scenario's log directory: uses
                                  LOGDIR/hypervisor.log (host-check mode)

The kernel prints, per VCPU and period, what it consumed and whether its
deadline held, and at the end its raw execution trace (inmates/rtos/kernel/
trace.h). This script recomputes every per-period figure from the raw trace
and checks the bounds of Documentation/rtos-scheduling.md section 5 the way
tests/unit/rtos/trace_checks.cpp does:

  * anchored windows: for every anchor a of a VCPU (it became runnable, or
    was runnable with no budget), it received at most C + o in [a, a + T),
    o being its worst overrun (how far past its budget expiry it ran);
  * the highest-priority VCPU: at most C + o + J in every window of length
    T, J the worst overrun of the others (how late its dispatch can be);
  * long-run rate: at most 5C + o in every window of length 4T;
  * no deadline miss: no period ends with the VCPU's job unfinished while
    the VCPU received less than its budget C in the period.

A VCPU without a periodic thread (a channel service's: "trace vcpu ...
aperiodic") has no periods: the script checks that none were printed for
it, and the window bounds as for every VCPU.

Output: KTAP-style "ok N ..." / "not ok N ..." lines and "# ..." details;
exit status 1 if any check failed, 2 if the log cannot be used at all.
"""
import bisect
import os
import re
import sys

PREFIX = re.compile(r"^(?:\[[^\]]*\] )?")


def lines_of(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for raw in text.replace("\r", "").split("\n"):
        yield PREFIX.sub("", raw.strip(), count=1)


class Profile:
    """Cumulative execution of one VCPU (sorted, disjoint intervals)."""

    def __init__(self, intervals):
        self.starts = [s for s, _ in intervals]
        self.intervals = intervals
        self.prefix = [0]
        for s, e in intervals:
            self.prefix.append(self.prefix[-1] + (e - s))

    def before(self, t):
        k = bisect.bisect_left(self.starts, t)
        if k == 0:
            return 0
        s, e = self.intervals[k - 1]
        return self.prefix[k - 1] + (min(t, e) - s)

    def received(self, a, b):
        return self.before(b) - self.before(a)

    def busiest(self, length):
        best = (0, 0)
        for s, e in self.intervals:
            for start in (s, max(0, e - length)):
                got = self.received(start, start + length)
                if got > best[1]:
                    best = (start, got)
        return best


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    if os.path.isdir(path):
        path = os.path.join(path, "hypervisor.log")
    try:
        lines = list(lines_of(path))
    except OSError as e:
        print(f"not ok 1 rtos trace: cannot read {path}: {e.strerror}")
        return 2

    admitted, refused, periods, summary = {}, {}, {}, {}
    tv, segs, anchors, jobs = {}, {}, {}, {}
    aperiodic = set()
    trace_end = done = None
    dropped_lines = None
    for line in lines:
        m = re.match(r"^vcpu (\S+) admitted: C (\d+) us T (\d+) us", line)
        if m:
            admitted[m[1]] = (int(m[2]) * 1000, int(m[3]) * 1000)
            continue
        m = re.match(r"^vcpu (\S+) refused: (E[A-Z]+): (.+)$", line)
        if m:
            refused[m[1]] = (m[2], m[3])
            continue
        m = re.match(r"^vcpu (\S+) period (\d+) consumed (\d+)\.(\d{3}) us budget (\d+)\.(\d{3}) us "
                     r"job (done (\d+)\.(\d{3}) us|overran|late) deadline (met|MISSED)$", line)
        if m:
            status = m[7].split()[0]
            periods.setdefault(m[1], {})[int(m[2])] = (int(m[3]) * 1000 + int(m[4]), status, m[10])
            continue
        m = re.match(r"^vcpu (\S+) summary (.*)$", line)
        if m:
            summary[m[1]] = m[2]
            continue
        m = re.match(r"^trace vcpu (\d+) (\S+) (\d+) (\d+)( aperiodic)?$", line)
        if m:
            tv[int(m[1])] = (m[2], int(m[3]), int(m[4]))
            if m[5]:
                aperiodic.add(int(m[1]))
            continue
        m = re.match(r"^trace x (\d+) (\d+) (\d+) (\d+)$", line)
        if m:
            segs.setdefault(int(m[1]), []).append((int(m[2]), int(m[3]), int(m[4])))
            continue
        m = re.match(r"^trace a (\d+) (\d+)$", line)
        if m:
            anchors.setdefault(int(m[1]), []).append(int(m[2]))
            continue
        m = re.match(r"^trace j (\d+) (\d+) (\d+) (\d+)$", line)
        if m:
            jobs.setdefault(int(m[1]), {})[int(m[2])] = (int(m[3]), int(m[4]))
            continue
        m = re.match(r"^trace end (\d+) records (\d+) dropped$", line)
        if m:
            trace_end = (int(m[1]), int(m[2]))
            continue
        m = re.match(r"^rtos: \d+ timer interrupts \(\w+ one-shot\), \d+ system calls, console lines dropped (\d+)$",
                     line)
        if m:
            dropped_lines = int(m[1])
            continue
        if line.startswith("rtos: done:"):
            done = line

    results = []

    def check(ok, desc, *diag):
        results.append((ok, desc, diag))

    records = sum(len(v) for v in segs.values()) + sum(len(v) for v in anchors.values()) + \
        sum(len(v) for v in jobs.values())
    check(done is not None, "the run ended with its report ('rtos: done')")
    check(trace_end is not None and trace_end[1] == 0 and trace_end[0] == records,
          "the trace is complete (no record dropped, every record read)",
          f"trace end {trace_end}, {records} records parsed")
    check(dropped_lines == 0, "no console line was dropped", f"dropped: {dropped_lines}")
    check(len(admitted) >= 4, f"at least four VCPUs admitted ({', '.join(admitted) or 'none'})")
    reasons = [f"{n}: {e}: {r}" for n, (e, r) in refused.items()]
    check(any(e == "ENOSPC" and "schedulable" in r for e, r in refused.values()),
          "a VCPU that would overload the cell was refused, with its reason", *reasons)
    if not tv or done is None:
        for i, (ok, desc, diag) in enumerate(results, 1):
            print(f"{'ok' if ok else 'not ok'} {i} {desc}")
            for d in diag:
                print(f"# {d}")
        print("# no trace in the log: was the run started with trace=1?")
        return 1

    # One CPU: the VCPUs' segments must not overlap.
    every = sorted((s, e, v) for v, l in segs.items() for s, e, _ in l)
    overlaps = [(a, b) for a, b in zip(every, every[1:]) if b[0] < a[1]]
    check(not overlaps and all(s <= e for s, e, _ in every),
          f"the trace is one CPU's: {len(every)} execution segments, none overlapping",
          *[f"overlap {a} {b}" for a, b in overlaps[:3]])

    names = {v: tv[v][0] for v in tv}
    overrun = {}
    for v, l in segs.items():
        overrun[v] = max([0] + [o for _, _, o in l])
    # Priority: rate monotonic, equal periods in creation (index) order.
    by_priority = sorted(tv, key=lambda v: (tv[v][2], v))

    misses_total = 0
    for v in sorted(tv):
        name, c, t = tv[v]
        prof = Profile([(s, e) for s, e, _ in sorted(segs.get(v, []))])
        o = overrun.get(v, 0)
        printed = periods.get(name, {})
        # Per-period figures from the trace.
        mismatches, misses, overran = [], 0, 0
        for k, (consumed, status, verdict) in sorted(printed.items()):
            got = prof.received(k * t, (k + 1) * t)
            job = jobs.get(v, {}).get(k)
            if job is not None and job[1] < (k + 1) * t:
                want = "done"
            elif got >= c:
                want = "overran"
            else:
                want = "late"
            want_verdict = "MISSED" if want == "late" else "met"
            misses += want == "late"
            overran += want == "overran"
            if got != consumed or want != status or want_verdict != verdict:
                mismatches.append(f"period {k}: printed {consumed} ns {status} {verdict}, "
                                  f"trace {got} ns {want} {want_verdict}")
        misses_total += misses
        if v in aperiodic:
            check(not printed and not jobs.get(v), f"{name}: aperiodic (no periodic thread): no periods, no jobs",
                  f"{len(printed)} periods printed, {len(jobs.get(v, {}))} jobs traced")
        else:
            check(printed and not mismatches,
                  f"{name}: {len(printed)} periods, every printed figure matches the trace",
                  *mismatches[:5])
            check(misses == 0, f"{name}: no deadline miss ({overran} periods where the job wanted more than C = "
                  f"{c // 1000} us and got it)", *(mismatches[:3] if misses else []))
        # Anchored windows.
        allowed = c + o
        worst = (0, 0)
        for a in anchors.get(v, []):
            got = prof.received(a, a + t)
            if got > worst[1]:
                worst = (a, got)
        check(worst[1] <= allowed,
              f"{name}: every window of T = {t // 1000} us from an anchor ({len(anchors.get(v, []))}) received "
              f"at most C + o = {c / 1000:.3f} + {o / 1000:.3f} us (most: {worst[1] / 1000:.3f} us)",
              f"worst anchored window [{worst[0]}, {worst[0] + t}) received {worst[1]} ns")
        # Long-run rate.
        start, got = prof.busiest(4 * t)
        check(got <= 5 * c + o, f"{name}: every window of 4T received at most 5C + o "
              f"(most: {got / 1000:.3f} us of {(5 * c + o) / 1000:.3f})", f"window from {start}")
    # The top VCPU: every window.
    top = by_priority[0]
    name, c, t = tv[top]
    j = max([0] + [overrun.get(v, 0) for v in tv if v != top])
    prof = Profile([(s, e) for s, e, _ in sorted(segs.get(top, []))])
    start, got = prof.busiest(t)
    o = overrun.get(top, 0)
    check(got <= c + o + j, f"{name} (highest priority): every window of T received at most C + o + J "
          f"(most: {got / 1000:.3f} us of {(c + o + j) / 1000:.3f})", f"window from {start}")

    for i, (ok, desc, diag) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} {desc}")
        for d in diag:
            print(f"# {d}")
    for v in sorted(tv):
        print(f"# {tv[v][0]}: C {tv[v][1] / 1000:.0f} us T {tv[v][2] / 1000:.0f} us, worst overrun o = "
              f"{overrun.get(v, 0) / 1000:.3f} us; {summary.get(tv[v][0], '')}")
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
