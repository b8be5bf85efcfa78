#!/usr/bin/env python3
"""Artifacts at scale (issue 15), run by hand: `pins artifacts promote` against `aws s3 sync`
(PyPI awscli) and `rclone copy` (Debian rclone) on the moto S3 server, side by side in one run,
for 50 artifacts x 20 MB and for 2 x 500 MB; then `pins verify --artifacts` with S3 checksums
against `--download`. Wall time and peak RSS (from /usr/bin/time) of each command.

  eval "$(tools/s3-server start)"          # moto on loopback (PINS_TEST_S3_ENDPOINT)
  .venv/bin/pip install awscli; apt-get install rclone
  cargo build --release
  .venv/bin/python bench/promote_at_scale.py [--sets small,large] [--runs 1]

Sources are uploaded with a SHA-256 checksum (as `aws s3 cp --checksum-algorithm SHA256` does).
Source and target buckets share the endpoint and the credentials, so all three tools copy on the
server; `pins (streamed)` gives the target other credentials to show the streaming path too.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "target" / "release" / "pins"
AWS = ROOT / ".venv" / "bin" / "aws"
SETS = {"tiny": (5, 1000 * 1000), "small": (50, 20 * 1000 * 1000), "large": (2, 500 * 1000 * 1000)}


def client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def upload(s3, prefix, count, size):
    block = os.urandom(1 << 20)
    for i in range(count):
        body = (block * (size // len(block) + 1))[:size - 8] + i.to_bytes(8, "big")
        s3.put_object(Bucket="dev-code", Key=f"{prefix}/src/a{i:02}-1.0.0.zip", Body=body,
                      ChecksumAlgorithm="SHA256")


def clear(s3, prefix, bucket="prod-code"):
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def repo(prefix, count, endpoint):
    folder = Path(tempfile.mkdtemp(prefix="pins-bench-"))
    pins = "artifact_versions = {\n" + "".join(f'  a{i:02} = "1.0.0"\n' for i in range(count)) + "}\n"
    (folder / "development.tfvars").write_text(pins)
    (folder / "shared-release.tfvars").write_text(pins)
    (folder / "data.d").mkdir()
    (folder / "data.d/development.tfvars").write_text('artifact_bucket = "dev-code"\ndir = "src"\n')
    for env in ("staging", "production"):
        (folder / f"data.d/{env}.tfvars").write_text('artifact_bucket = "prod-code"\ndir = "pins"\n')
    (folder / "pins.hcl").write_text(
        "artifacts {\n"
        f'  location = "s3://${{artifact_bucket}}/{prefix}/${{dir}}/${{pin}}-${{version}}.zip"\n'
        f'  store "s3://dev-code" {{\n    endpoint = "{endpoint}"\n    allow_http = true\n  }}\n'
        f'  store "s3://prod-code" {{\n    endpoint = "{endpoint}"\n    allow_http = true\n    env_prefix = "PROD_"\n  }}\n'
        "}\n")
    return folder


def timed(cmd, env, cwd=None):
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    start = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *cmd], env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} failed:\n{done.stdout.decode()}\n{done.stderr.decode()}")
    rss = int(Path(out.name).read_text().split()[-1]) / 1024
    os.unlink(out.name)
    return wall, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="small,large")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    endpoint = os.environ.get("PINS_TEST_S3_ENDPOINT") or sys.exit("start the S3 server first")
    s3 = client(endpoint)
    base = {k: v for k, v in os.environ.items() if "AWS_" not in k}
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_DEFAULT_REGION": "us-east-1"}
    same = {**base, **creds, "PROD_AWS_ACCESS_KEY_ID": "testing", "PROD_AWS_SECRET_ACCESS_KEY": "testing"}
    other = {**same, "PROD_AWS_ACCESS_KEY_ID": "streaming"}
    rclone = {**base, "RCLONE_CONFIG_MOTO_TYPE": "s3", "RCLONE_CONFIG_MOTO_PROVIDER": "Other",
              "RCLONE_CONFIG_MOTO_ENDPOINT": endpoint, "RCLONE_CONFIG_MOTO_ACCESS_KEY_ID": "testing",
              "RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY": "testing", "RCLONE_CONFIG_MOTO_REGION": "us-east-1"}
    rows = []
    for name in args.sets.split(","):
        count, size = SETS[name]
        prefix = f"bench-{os.getpid()}-{name}"
        label = f"{count} x {size // 1000 // 1000} MB"
        print(f"== {label}: uploading sources", flush=True)
        upload(s3, prefix, count, size)
        folder = repo(prefix, count, endpoint)
        promote = [str(PINS), "--repo", str(folder), "artifacts", "promote", "development", "staging"]
        tools = [
            ("pins artifacts promote", promote, same),
            ("pins artifacts promote (streamed)", promote, other),
            ("aws s3 sync", [str(AWS), "s3", "sync", f"s3://dev-code/{prefix}/src/",
                             f"s3://prod-code/{prefix}/aws/", "--endpoint-url", endpoint, "--only-show-errors"], same),
            ("rclone copy", ["rclone", "copy", f"moto:dev-code/{prefix}/src", f"moto:prod-code/{prefix}/rclone",
                             "--transfers", "8"], rclone),
        ]
        for tool, cmd, env in tools:
            results = []
            for _ in range(args.runs):
                clear(s3, prefix)
                results.append(timed(cmd, env))
            wall = statistics.median(r[0] for r in results)
            rss = max(r[1] for r in results)
            rows.append((label, tool, wall, rss))
            print(f"{label:>12}  {tool:<36} {wall:7.2f} s  {rss:7.1f} MB", flush=True)
        # Leave pins' own copy in place for record/verify.
        clear(s3, prefix)
        timed(promote, same)
        for tool, extra in (("pins verify --artifacts (checksums)", []),
                            ("pins verify --artifacts --download", ["--download"])):
            record = [str(PINS), "--repo", str(folder), "record", "staging", "--artifacts",
                      "--out", str(folder / "r.json"), *extra]
            if (folder / "r.json").exists():
                (folder / "r.json").unlink()
            timed(record, same)
            verify = [str(PINS), "--repo", str(folder), "verify", "production", "--tested",
                      str(folder / "r.json"), "--artifacts", *extra]
            wall, rss = timed(verify, same)
            rows.append((label, tool, wall, rss))
            print(f"{label:>12}  {tool:<36} {wall:7.2f} s  {rss:7.1f} MB", flush=True)
        clear(s3, prefix)
        clear(s3, prefix, "dev-code")
        shutil.rmtree(folder)
    print("\n| artifacts | command | wall s | peak RSS MB |\n|---|---|---:|---:|")
    for label, tool, wall, rss in rows:
        print(f"| {label} | {tool} | {wall:.2f} | {rss:.1f} |")


if __name__ == "__main__":
    main()
