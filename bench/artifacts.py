#!/usr/bin/env python3
"""Benchmark of `pins artifacts promote`: one artifact of N MiB copied from development's store to
staging's, against what a user would otherwise run.

  local files: pins (file:// store)  vs  `cp`  vs  a Python script that copies and hashes
  S3 (moto):   pins (s3:// store)    vs  a boto3 script that streams, hashes and uploads

Each measurement is the median wall time of --runs runs (the target deleted before each) and the
peak RSS of the copying process, from /usr/bin/time. S3 runs need PINS_TEST_S3_ENDPOINT (start
the server with `eval "$(tools/s3-server start)"`) and .venv's boto3; run with .venv/bin/python.

  .venv/bin/python bench/artifacts.py --sizes 20,200 --runs 5
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "target" / "release" / "pins"
KEY = "lambda-x/lambda-x-1.5.0.zip"

USER_FILE_SCRIPT = r"""
import hashlib, shutil, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as dst:
    while chunk := src.read(1 << 20):
        h.update(chunk)
        dst.write(chunk)
print(h.hexdigest())
"""

USER_S3_SCRIPT = r"""
import hashlib, io, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
body = s3.get_object(Bucket="dev-code", Key=sys.argv[2])["Body"]
h = hashlib.sha256()
class Hashing(io.RawIOBase):
    def readable(self): return True
    def readinto(self, b):
        chunk = body.read(len(b))
        h.update(chunk)
        b[:len(chunk)] = chunk
        return len(chunk)
s3.upload_fileobj(io.BufferedReader(Hashing(), 1 << 20), "prod-code", sys.argv[3])
print(h.hexdigest())
"""


def timed(cmd, cwd, env=None):
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *cmd], cwd=cwd, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds, kb = Path(out.name).read_text().split()[-2:]
    os.unlink(out.name)
    return float(seconds), int(kb)


def repo(tmp, location, stores=""):
    for rel in ["development.tfvars", "shared-release.tfvars", "data.d"]:
        src = ROOT / rel
        if src.is_dir():
            shutil.copytree(src, tmp / rel)
        else:
            shutil.copy(src, tmp / rel)
    (tmp / "pins.hcl").write_text(f'artifacts {{\n  location = "{location}"\n{stores}}}\n')
    subprocess.run([PINS, "--repo", tmp, "promote", "development", "staging"], check=True,
                   stdout=subprocess.DEVNULL)


def measure(name, runs, prepare, cmd, cwd, env=None):
    results = []
    for _ in range(runs):
        prepare()
        results.append(timed(cmd, cwd, env))
    return name, statistics.median(r[0] for r in results), max(r[1] for r in results)


def local(size, runs):
    tmp = Path(tempfile.mkdtemp(prefix="pins-bench-"))
    repo(tmp, "file://store/${artifact_bucket}/${pin}/${pin}-${version}.zip")
    src = tmp / "store" / "dev-code" / KEY
    dst = tmp / "store" / "prod-code" / KEY
    src.parent.mkdir(parents=True)
    with open(src, "wb") as f:
        f.write(os.urandom(size << 20))
    script = tmp / "user.py"
    script.write_text(USER_FILE_SCRIPT)

    def clean():
        shutil.rmtree(tmp / "store" / "prod-code", ignore_errors=True)
        dst.parent.mkdir(parents=True)

    rows = [
        measure("pins artifacts promote", runs, clean,
                [PINS, "artifacts", "promote", "development", "staging", "--only", "lambda-x"], tmp),
        measure("cp", runs, clean, ["cp", src, dst], tmp),
        measure("python copy + sha256", runs, clean, [sys.executable, script, src, dst], tmp),
    ]
    shutil.rmtree(tmp)
    return rows


def s3(size, runs, endpoint):
    import boto3
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    tmp = Path(tempfile.mkdtemp(prefix="pins-bench-"))
    prefix = f"bench-{os.getpid()}-{size}"
    stores = "".join(
        f'  store "s3://{b}" {{\n    endpoint = "{endpoint}"\n    allow_http = true\n  }}\n'
        for b in ["dev-code", "prod-code"])
    repo(tmp, f"s3://${{artifact_bucket}}/{prefix}/${{pin}}/${{pin}}-${{version}}.zip", stores)
    key = f"{prefix}/{KEY}"
    client.put_object(Bucket="dev-code", Key=key, Body=os.urandom(size << 20))
    script = tmp / "user.py"
    script.write_text(USER_S3_SCRIPT)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")

    def clean():
        client.delete_object(Bucket="prod-code", Key=key)

    rows = [
        measure("pins artifacts promote", runs, clean,
                [PINS, "artifacts", "promote", "development", "staging", "--only", "lambda-x"], tmp, env),
        measure("boto3 stream + sha256 + upload_fileobj", runs, clean,
                [sys.executable, script, endpoint, key, key], tmp, env),
    ]
    shutil.rmtree(tmp)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20,200", help="artifact sizes in MiB, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    endpoint = os.environ.get("PINS_TEST_S3_ENDPOINT")
    print("| store | size | command | median s | peak RSS MB | vs pins |")
    print("|---|---:|---|---:|---:|---:|")
    for size in [int(s) for s in args.sizes.split(",")]:
        groups = [("file://", local(size, args.runs))]
        if endpoint:
            groups.append(("s3:// (moto)", s3(size, args.runs, endpoint)))
        for store, rows in groups:
            base = rows[0][1]
            for name, seconds, kb in rows:
                print(f"| {store} | {size} MiB | {name} | {seconds:.2f} | {kb / 1024:.1f} | {seconds / base:.2f}× |")
    if not endpoint:
        print("\n(S3 skipped: set PINS_TEST_S3_ENDPOINT)")


if __name__ == "__main__":
    main()
