#!/usr/bin/env python3
"""Render shmbench's summary.csv as the README's Markdown table.

  python3 bench/readme_table.py OUT_DIR [--commit C] [--date D]

One table per placement found in OUT_DIR/summary.csv: for every case, the
shmring row that is judged (the one with a ratio), the best peer's median
in that placement (threads-only peers marked), the ratio (median of the
per-round ratios, and the worst round) exactly as shmbench computed them,
the other shmring flavours' medians, and the best peer that runs across
processes with the ratio of the medians. Nothing is typed by hand.
"""
import csv
import math
import subprocess
import sys


def fnum(v, unit):
    if math.isnan(v):
        return "-"
    if unit == "ns":
        return f"{v:.0f} ns" if v < 10000 else f"{v / 1000:.1f} µs"
    return f"{v:.1f} M/s" if v >= 10 else f"{v:.3g} M/s"


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out = args[0]
    commit = date = None
    if "--commit" in args:
        commit = args[args.index("--commit") + 1]
    if "--date" in args:
        date = args[args.index("--date") + 1]
    if commit is None:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "?"
    rows = list(csv.DictReader(open(f"{out}/summary.csv")))
    places = []
    for r in rows:
        if r["placement"] not in places:
            places.append(r["placement"])
    for p in places:
        pr = [r for r in rows if r["placement"] == p]
        print(f"\nPlacement **{p}** (commit {commit}{', ' + date if date else ''}):\n")
        print("| case | shmring (other flavours) | best peer (median) | ratio median / worst round "
              "| best cross-process peer |")
        print("|---|---|---|---|---|")
        cases = []
        for r in pr:
            if r["case"] not in cases:
                cases.append(r["case"])
        for c in cases:
            cr = [r for r in pr if r["case"] == c]
            prim = [r for r in cr if not math.isnan(float(r["ratio_median"]))]
            if not prim:
                continue
            s = prim[0]
            unit = s["unit"]
            hb = unit != "ns"
            pick = max if hb else min
            peers = [r for r in cr if not r["impl"].startswith("shmring") and int(r["ok"]) > 0]
            if not peers:
                continue
            best = pick(peers, key=lambda r: float(r["median"]))
            procs = [r for r in peers if r.get("threads", "0") != "1"]
            dnf = [r["impl"] for r in cr if not r["impl"].startswith("shmring") and int(r["ok"]) == 0]
            note = f"; no round finished: {', '.join(dnf)}" if dnf else ""
            flav = [r for r in cr if r["impl"].startswith("shmring") and r is not s and int(r["ok"]) > 0]
            fl = "".join(f"; {r['impl']} {fnum(float(r['median']), unit)}" for r in flav)
            thr = " (threads)" if best.get("threads", "0") == "1" else ""
            if procs:
                bp = pick(procs, key=lambda r: float(r["median"]))
                v, b = float(s["median"]), float(bp["median"])
                q = v / b if hb else b / v
                xp = f"{bp['impl']} {fnum(b, unit)}: {q:.2f} (ratio of medians)"
            else:
                xp = "-"
            print(f"| {c} | {fnum(float(s['median']), unit)} ({s['impl']}, {s['ok']} rounds{fl}) "
                  f"| {best['impl']}{thr} {fnum(float(best['median']), unit)}{note} "
                  f"| {float(s['ratio_median']):.2f} / {float(s['ratio_worst']):.2f} | {xp} |")

if __name__ == "__main__":
    main()
