#!/usr/bin/env python3
"""`pins log` and `pins status` on a generated history (10,000 commits on three branches, 200
pins) against the script a user would write instead (bench/baseline_log.py: `git log -p` parsed
with python-hcl2), side by side; writes bench/results/history.md.

usage: history.py [--smoke] [--commits N] [--pins P]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import PINS, PYTHON, ROOT, measure, ms  # noqa: E402
from gen_history import generate  # noqa: E402

BASELINE = os.path.join(ROOT, "bench/baseline_log.py")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="seconds: 300 commits, no thresholds")
    parser.add_argument("--commits", type=int, default=None)
    parser.add_argument("--pins", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    commits = args.commits or (300 if args.smoke else 10000)
    repeat = args.repeat or (3 if args.smoke else 9)
    with tempfile.TemporaryDirectory() as work:
        repo = os.path.join(work, "history")
        generate(commits, args.pins, repo, 7)
        rows = {
            "pins log": measure([PINS, "--repo", repo, "log"], repeat),
            "pins status": measure([PINS, "--repo", repo, "status"], repeat),
            "pins log production --since 2025-02-01": measure([PINS, "--repo", repo, "log", "production", "--since", "2025-02-01"], repeat),
            "baseline log (git log -p + python-hcl2)": measure([PYTHON, BASELINE, repo, "log"], 1),
            "baseline status (git log -p + git show + python-hcl2)": measure([PYTHON, BASELINE, repo, "status"], 1),
        }
    scenario = f"{commits} commits, 3 branches, {args.pins} pins"
    lines = ["| scenario | command | median | peak RSS |", "|---|---|---|---|"]
    lines += [f"| {scenario} | {name} | {ms(t)} | {rss/1024:.1f} MB |" for name, (t, rss) in rows.items()]
    log, status = rows["pins log"][0], rows["pins status"][0]
    ratios = [
        f"pins log: {ms(log)} (target <= 1 s)",
        f"pins status: {ms(status)} (target <= 300 ms)",
        f"baseline log / pins log: {rows['baseline log (git log -p + python-hcl2)'][0] / log:.0f}x (target >= 3x)",
        f"baseline status / pins status: {rows['baseline status (git log -p + git show + python-hcl2)'][0] / status:.0f}x (target >= 3x)",
    ]
    report = "\n".join(lines) + "\n\n" + "\n".join(f"- {r}" for r in ratios) + "\n"
    print(report)
    if not args.smoke:
        out = os.path.join(ROOT, "bench/results/history.md")
        with open(out, "w") as f:
            f.write(report)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
