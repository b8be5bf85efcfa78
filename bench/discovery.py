#!/usr/bin/env python3
"""Benchmark of `pins outdated` (issue 18): N pins with V versions each in the moto S3 server,
against the boto3 script a user would write to find each pin's newest build.

The repository pins every pin at its oldest version; each pin's folder also holds a few keys
that are not versions (a log, `latest`, a nightly). The same question is answered three ways:

  pins outdated development --format json
  a boto3 script, one list_objects_v2 paginator per pin, one after another (what users write)
  the same script with 16 threads (what a careful user writes)

Each measurement is the median wall time of --runs runs and the peak RSS, from /usr/bin/time.
Needs PINS_TEST_S3_ENDPOINT (`eval "$(tools/s3-server start | tail -1)"`) and .venv's boto3:

  .venv/bin/python bench/discovery.py --pins 200 --versions 100 --runs 5
  .venv/bin/python bench/discovery.py --smoke
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "target" / "release" / "pins"

USER_SCRIPT = r"""
import re, sys, boto3
from concurrent.futures import ThreadPoolExecutor
endpoint, bucket, prefix, tfvars, threads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
pins = dict(re.findall(r'^\s*"?([\w-]+)"?\s*=\s*"([^"]+)"', open(tfvars).read(), re.M))
SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")

def key(v):
    return tuple(int(x) for x in SEMVER.match(v).groups())

def newest(pin):
    start = f"{prefix}/{pin}/{pin}-"
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start, Delimiter="/"):
        for obj in page.get("Contents", []):
            name = obj["Key"][len(start):]
            if name.endswith(".zip") and SEMVER.match(name[:-4]):
                found.append(name[:-4])
    return pin, max(found, key=key) if found else None

with ThreadPoolExecutor(threads) as pool:
    results = list(pool.map(newest, sorted(pins)))
behind = 0
for pin, latest in results:
    if latest and key(latest) > key(pins[pin]):
        behind += 1
        print(f"{pin} {pins[pin]} -> {latest}")
sys.exit(1 if behind else 0)
"""


def timed(cmd, cwd, env):
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    run = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *cmd], cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({run.returncode}):\n{run.stderr}")
    seconds, kb = Path(out.name).read_text().split()[-2:]
    os.unlink(out.name)
    return float(seconds), int(kb), run.stdout


def upload(client, prefix, pins, versions):
    """Every pin's versions and a few keys that are not versions; skipped when already there."""
    keys = []
    for p in range(pins):
        pin = f"pin-{p:03}"
        keys += [f"{prefix}/{pin}/{pin}-1.{v // 10}.{v % 10}.zip" for v in range(versions)]
        keys += [f"{prefix}/{pin}/{pin}-latest.zip", f"{prefix}/{pin}/build.log",
                 f"{prefix}/{pin}/{pin}-nightly-7.zip"]
    last = keys[-4]
    try:
        client.head_object(Bucket="dev-code", Key=last)
        return
    except client.exceptions.ClientError:
        pass
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: client.put_object(Bucket="dev-code", Key=k, Body=b"a"), keys))


def repo(tmp, endpoint, prefix, pins):
    entries = "".join(f'  pin-{p:03} = "1.0.0"\n' for p in range(pins))
    (tmp / "development.tfvars").write_text(f"artifact_versions = {{\n{entries}}}\n")
    (tmp / "shared-release.tfvars").write_text(f"artifact_versions = {{\n{entries}}}\n")
    (tmp / "data.d").mkdir()
    for env in ["development", "staging", "production"]:
        bucket = "dev-code" if env == "development" else "prod-code"
        (tmp / "data.d" / f"{env}.tfvars").write_text(f'artifact_bucket = "{bucket}"\n')
    (tmp / "pins.hcl").write_text(
        f'artifacts {{\n  location = "s3://${{artifact_bucket}}/{prefix}/${{pin}}/${{pin}}-${{version}}.zip"\n'
        f'  store "s3://dev-code" {{\n    endpoint   = "{endpoint}"\n    allow_http = true\n  }}\n}}\n')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pins", type=int, default=200)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="5 pins x 5 versions, 1 run")
    args, _ = parser.parse_known_args()  # bench/run passes its own arguments on
    if args.smoke:
        args.pins, args.versions, args.runs = 5, 5, 1
    endpoint = os.environ.get("PINS_TEST_S3_ENDPOINT")
    if not endpoint:
        sys.exit("PINS_TEST_S3_ENDPOINT is not set: eval \"$(tools/s3-server start | tail -1)\"")
    import boto3
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    prefix = f"bench-discovery-{args.pins}x{args.versions}"
    upload(client, prefix, args.pins, args.versions)
    tmp = Path(tempfile.mkdtemp(prefix="pins-bench-"))
    repo(tmp, endpoint, prefix, args.pins)
    (tmp / "user.py").write_text(USER_SCRIPT)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    commands = {
        "pins outdated": [str(PINS), "outdated", "development", "--format", "json"],
        "boto3 script, sequential": [sys.executable, "user.py", endpoint, "dev-code", prefix,
                                     "development.tfvars", "1"],
        "boto3 script, 16 threads": [sys.executable, "user.py", endpoint, "dev-code", prefix,
                                     "development.tfvars", "16"],
    }
    results = {name: [] for name in commands}
    outputs = {}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            seconds, kb, stdout = timed(cmd, tmp, env)
            results[name].append((seconds, kb))
            outputs[name] = stdout
    shutil.rmtree(tmp)
    behind = json.loads(outputs["pins outdated"])["behind"]
    script_behind = len(outputs["boto3 script, sequential"].splitlines())
    if behind != script_behind:
        sys.exit(f"pins finds {behind} pins behind, the script {script_behind}")
    pins_median = statistics.median(s for s, _ in results["pins outdated"])
    print(f"{args.pins} pins x {args.versions} versions (+3 other keys each), median of {args.runs}:")
    print("| command | wall s | peak RSS MB | vs pins |")
    print("|---|---|---|---|")
    for name, rows in results.items():
        median = statistics.median(s for s, _ in rows)
        rss = max(k for _, k in rows) / 1024
        print(f"| {name} | {median:.2f} | {rss:.1f} | {median / pins_median:.1f}x |")
    if not args.smoke:
        sequential = statistics.median(s for s, _ in results["boto3 script, sequential"])
        ok = pins_median <= 2.0 and sequential / pins_median >= 2
        print(f"target (<= 2 s, >= 2x the boto3 script): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
