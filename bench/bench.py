#!/usr/bin/env python3
"""Times whole processes (median of repeated runs, peak memory from wait4) of pins, the
python-hcl2 baseline, real Terraform and the floor (cat), on generated repositories; prints a
table of ratios and writes bench/results/results.md and bench/results/scaling.svg."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PINS = os.path.join(ROOT, "target/release/pins")
GENERATE = os.path.join(ROOT, "target/release/examples/generate")
PYTHON = sys.executable
BASELINE = os.path.join(ROOT, "bench/baseline_diff.py")
TERRAFORM = os.environ.get("PINS_TERRAFORM", "")


def run_once(argv, cwd=None):
    env = dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null", TF_IN_AUTOMATION="1", NO_COLOR="1")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {stderr.decode()[:500]}")
    return elapsed, usage.ru_maxrss


def peak_rss(argv, cwd=None):
    """Peak RSS in KB. Measured under /usr/bin/time: a child forked from this Python process
    would report Python's own memory as its high-water mark (Linux keeps it across exec)."""
    if not os.path.exists("/usr/bin/time"):
        return run_once(argv, cwd)[1]
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    return int(proc.stderr.decode().strip().splitlines()[-1])


def measure(argv, repeat, cwd=None):
    run_once(argv, cwd)
    samples = [run_once(argv, cwd)[0] for _ in range(repeat)]
    return statistics.median(samples), peak_rss(argv, cwd)


def generate(n, layout, data, out):
    subprocess.run([GENERATE, "--pins", str(n), "--data", str(data), "--layout", layout, "--seed", "7", "--out", out], check=True)
    return out


def size_of(repo, files):
    return sum(os.path.getsize(os.path.join(repo, f)) for f in files)


PROD_FILES = ["shared-release.tfvars", "data.d/production.tfvars"]
DIFF_FILES = ["shared-release.tfvars", "data.d/staging.tfvars", "development.tfvars", "data.d/development.tfvars"]


def pins_cmd(repo, *args):
    return [PINS, "--repo", repo, *args]


def realistic(work, repeat, rows):
    repo = generate(200, "map", 50, os.path.join(work, "realistic"))
    subprocess.run(pins_cmd(repo, "record", "staging", "--out", os.path.join(work, "rec.json")), check=True, stdout=subprocess.DEVNULL)
    floor = measure(["cat", *[os.path.join(repo, f) for f in DIFF_FILES]], repeat)
    cases = {
        "show": pins_cmd(repo, "show", "production"),
        "diff": pins_cmd(repo, "diff", "staging", "development"),
        "check": pins_cmd(repo, "check"),
        "verify": pins_cmd(repo, "verify", "production", "--tested", os.path.join(work, "rec.json")),
    }
    results = {name: measure(argv, repeat) for name, argv in cases.items()}
    results["bump"] = measure_bump(repo, "artifact-000000", repeat)
    baseline = measure([PYTHON, BASELINE, repo, "staging", "development"], max(3, repeat // 4))
    terraform = None
    if TERRAFORM and os.path.exists(TERRAFORM):
        plan = [TERRAFORM, f"-chdir={repo}", "plan", "-input=false", "-lock=false", *[f"-var-file={f}" for f in PROD_FILES]]
        terraform = measure(plan, max(3, repeat // 4))
    rows.append(("realistic (200 pins, 50 data, 3 envs)", "cat (floor)", floor, None))
    for name, result in results.items():
        rows.append(("realistic (200 pins, 50 data, 3 envs)", f"pins {name}", result, None))
    rows.append(("realistic (200 pins, 50 data, 3 envs)", "python-hcl2 diff", baseline, None))
    if terraform:
        rows.append(("realistic (200 pins, 50 data, 3 envs)", "terraform plan (shim)", terraform, None))
    return results, baseline, terraform, floor


def measure_bump(repo, pin, repeat):
    versions = ["9.9.9", "9.9.8"]
    samples = []
    for i in range(repeat + 1):
        samples.append(run_once(pins_cmd(repo, "bump", pin, versions[i % 2], "--allow-downgrade"))[0])
    rss = peak_rss(pins_cmd(repo, "bump", pin, versions[(repeat + 1) % 2], "--allow-downgrade"))
    return statistics.median(samples[1:]), rss


def scaling(work, sizes, baseline_max, repeat, rows):
    series = {"pins diff (map)": [], "pins diff (top-level)": [], "python-hcl2 diff (map)": []}
    memory = []
    for layout in ("map", "top"):
        for n in sizes:
            repo = generate(n, layout, 50, os.path.join(work, f"{layout}-{n}"))
            t, rss = measure(pins_cmd(repo, "diff", "staging", "development"), repeat)
            series[f"pins diff ({'map' if layout == 'map' else 'top-level'})"].append((n, t))
            memory.append((layout, n, size_of(repo, DIFF_FILES), rss))
            rows.append((f"scaling, {layout}", f"pins diff, {n} pins", (t, rss), size_of(repo, DIFF_FILES)))
            if layout == "map" and n <= baseline_max:
                bt, brss = measure([PYTHON, BASELINE, repo, "staging", "development"], 3)
                series["python-hcl2 diff (map)"].append((n, bt))
                rows.append((f"scaling, {layout}", f"python-hcl2 diff, {n} pins", (bt, brss), size_of(repo, DIFF_FILES)))
            shutil.rmtree(repo)
    return series, memory


def ten_k(work, repeat, rows, memory):
    """The 10k-pin map targets: diff <= 30 ms, bump <= 30 ms, bump memory <= 10x input + 5 MB."""
    repo = generate(10000, "map", 50, os.path.join(work, "map-10k"))
    diff = measure(pins_cmd(repo, "diff", "staging", "development"), repeat)
    bump = measure_bump(repo, "artifact-000000", repeat)
    rows.append(("10k-pin map", "pins diff", diff, size_of(repo, DIFF_FILES)))
    rows.append(("10k-pin map", "pins bump", bump, size_of(repo, ["development.tfvars"])))
    memory.append(("bump", 10000, size_of(repo, ["development.tfvars"]), bump[1]))
    return diff, bump


def svg_chart(series, path):
    width, height, pad = 720, 440, 70
    points = [p for s in series.values() for p in s]
    if not points:
        return
    import math

    xs = [math.log10(n) for n, _ in points]
    ys = [math.log10(t * 1000) for _, t in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys) - 0.1, max(ys) + 0.1
    sx = lambda v: pad + (math.log10(v) - x0) / max(x1 - x0, 1e-9) * (width - 2 * pad)
    sy = lambda v: height - pad - (math.log10(v * 1000) - y0) / max(y1 - y0, 1e-9) * (height - 2 * pad)
    colors = ["#1f77b4", "#2ca02c", "#d62728"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width/2}" y="24" text-anchor="middle" font-size="15">pins diff: time vs number of pins (log-log, median of runs)</text>',
           f'<line x1="{pad}" y1="{height-pad}" x2="{width-pad}" y2="{height-pad}" stroke="black"/>',
           f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height-pad}" stroke="black"/>',
           f'<text x="{width/2}" y="{height-20}" text-anchor="middle">pins (N)</text>',
           f'<text x="18" y="{height/2}" transform="rotate(-90 18 {height/2})" text-anchor="middle">time (ms)</text>']
    for n in sorted({n for n, _ in points}):
        out.append(f'<text x="{sx(n):.1f}" y="{height-pad+16}" text-anchor="middle">{n}</text>')
    for exp in range(int(math.floor(y0)), int(math.ceil(y1)) + 1):
        ms = 10 ** exp
        y = sy(ms / 1000)
        if pad <= y <= height - pad:
            out.append(f'<text x="{pad-8}" y="{y+4:.1f}" text-anchor="end">{ms:g}</text>')
            out.append(f'<line x1="{pad}" y1="{y:.1f}" x2="{width-pad}" y2="{y:.1f}" stroke="#ddd"/>')
    for i, (name, pts) in enumerate(series.items()):
        if not pts:
            continue
        color = colors[i % len(colors)]
        path_d = " ".join(f"{'M' if j == 0 else 'L'}{sx(n):.1f},{sy(t):.1f}" for j, (n, t) in enumerate(pts))
        out.append(f'<path d="{path_d}" fill="none" stroke="{color}" stroke-width="2"/>')
        out.extend(f'<circle cx="{sx(n):.1f}" cy="{sy(t):.1f}" r="3" fill="{color}"/>' for n, t in pts)
        out.append(f'<text x="{pad+10}" y="{pad+16*i}" fill="{color}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def ms(t):
    return f"{t*1000:.1f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="seconds, small sizes, no thresholds")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.smoke else 15)
    sizes = [1000, 2000] if args.smoke else [1000, 2000, 4000, 8000, 16000, 32000, 64000, 100000]
    baseline_max = 1000 if args.smoke else 8000
    rows = []
    with tempfile.TemporaryDirectory() as work:
        results, baseline, terraform, floor = realistic(work, repeat, rows)
        series, memory = scaling(work, sizes, baseline_max, max(3, repeat // 2), rows)
        diff10k, bump10k = ten_k(work, repeat, rows, memory)
    lines = ["| scenario | command | median | peak RSS | input |", "|---|---|---|---|---|"]
    for scenario, command, (t, rss), size in rows:
        lines.append(f"| {scenario} | {command} | {ms(t)} | {rss/1024:.1f} MB | {'' if size is None else f'{size/1e6:.2f} MB'} |")
    diff_t = results["diff"][0]
    ratios = [
        f"python-hcl2 diff / pins diff: {baseline[0]/diff_t:.0f}x (target >= 50x)",
        f"pins diff / cat floor: {diff_t/floor[0]:.1f}x",
    ]
    if terraform:
        ratios.append(f"terraform plan / pins show: {terraform[0]/results['show'][0]:.0f}x (target >= 100x)")
    for name in ("show", "diff", "check"):
        ratios.append(f"pins {name}: {ms(results[name][0])} (target <= 5 ms)")
    for name, pts in series.items():
        if name.startswith("pins"):
            steps = [(b[1] / a[1]) / (b[0] / a[0]) * 2 for a, b in zip(pts, pts[1:])]
            worst = max(steps) if steps else 0
            ratios.append(f"{name}: worst cost per doubling of N {worst:.2f}x (target <= 2.3x)")
            total = (pts[-1][1] / pts[0][1]) if len(pts) > 1 else 0
            ratios.append(f"{name}: {pts[0][0]} -> {pts[-1][0]} pins ({pts[-1][0] // pts[0][0]}x) costs {total:.0f}x the time")
    ratios.append(f"pins diff, 10k-pin map: {ms(diff10k[0])} (target <= 30 ms)")
    ratios.append(f"pins bump, 10k-pin map: {ms(bump10k[0])} (target <= 30 ms)")
    for kind, n, size, rss in memory:
        limit = 10 * size / 1024 + 5 * 1024
        ratios.append(f"peak memory {kind} {n}: {rss/1024:.1f} MB for {size/1e6:.2f} MB input (limit 10x+5 MB = {limit/1024:.1f} MB)")
    report = "\n".join(lines) + "\n\n" + "\n".join(f"- {r}" for r in ratios) + "\n"
    print(report)
    if not args.smoke:
        out = os.path.join(ROOT, "bench/results")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "results.md"), "w") as f:
            f.write(report)
        svg_chart(series, os.path.join(out, "scaling.svg"))
        print(f"wrote {out}/results.md and {out}/scaling.svg")


if __name__ == "__main__":
    main()
