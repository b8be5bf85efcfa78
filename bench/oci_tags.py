#!/usr/bin/env python3
"""Tag listing at scale: `pins outdated` on N pins whose images each have M version tags in a real
distribution registry (Debian's docker-registry on loopback, tools/registry/run), against the
script a user would write (bench/baseline_oci_tags.sh: `skopeo list-tags` per image, sequential,
and the same with 16 at once). Seeds the registry through the distribution API (one shared
config blob mounted into every repository, one manifest tagged M times per repository), checks
that every tool finds the same newest versions, and prints a markdown table of medians.

    bench/oci_tags.py [--repos 200] [--tags 100] [--runs 5]

Uses the registry in PINS_TEST_OCI_DEV when set, else starts tools/registry/run."""
import argparse, concurrent.futures, hashlib, json, os, statistics, subprocess, sys, tempfile, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def request(method, url, body=b"", headers=None):
    req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None, method=method,
                                 headers=headers or {})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, dict(r.headers)


def seed(registry, prefix, repos, tags):
    base = f"http://{registry}/v2"
    config = b'{"architecture":"amd64","os":"linux"}'
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": digest, "size": len(config)}, "layers": []}).encode()
    first = f"{prefix}/app-0"
    _, h = request("POST", f"{base}/{first}/blobs/uploads/")
    location = h["Location"]
    sep = "&" if "?" in location else "?"
    request("PUT", f"{location}{sep}digest={digest}", config, {"Content-Type": "application/octet-stream"})
    versions = [f"1.{j // 10}.{j % 10}" for j in range(tags)]

    def one(i):
        repo = f"{prefix}/app-{i}"
        if i:
            request("POST", f"{base}/{repo}/blobs/uploads/?mount={digest}&from={first}")
        for v in versions:
            request("PUT", f"{base}/{repo}/manifests/{v}", manifest,
                    {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(repos)))
    return versions[-1]


def timed(cmd, runs, cwd=None):
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if p.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr}")
        out = p.stdout
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--tags", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline-runs", type=int, default=3)
    ap.add_argument("--pins", default=os.path.join(ROOT, "target/release/pins"))
    args = ap.parse_args()
    registry = os.environ.get("PINS_TEST_OCI_DEV")
    if not registry:
        line = subprocess.run([os.path.join(ROOT, "tools/registry/run"), "start"], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        registry = dict(kv.split("=", 1) for kv in line.removeprefix("export ").split())["PINS_TEST_OCI_DEV"]
    prefix = f"bench-{os.getpid()}"
    start = time.perf_counter()
    newest = seed(registry, prefix, args.repos, args.tags)
    seeded = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as repo:
        names = [f"app-{i}" for i in range(args.repos)]
        pins = "".join(f'  "{n}" = "1.0.0"\n' for n in names)
        for rel, text in [("development.tfvars", f"artifact_versions = {{\n{pins}}}\n"),
                          ("shared-release.tfvars", f"artifact_versions = {{\n{pins}}}\n"),
                          ("data.d/development.tfvars", f'registry = "{registry}"\n'),
                          ("data.d/staging.tfvars", f'registry = "{registry}"\n'),
                          ("data.d/production.tfvars", f'registry = "{registry}"\n'),
                          ("pins.hcl", f'artifacts {{\n  location = "oci://${{registry}}/{prefix}/${{pin}}:${{version}}"\n}}\n'),
                          ("pins.txt", "".join(f"{n}\n" for n in names))]:
            os.makedirs(os.path.dirname(os.path.join(repo, rel)), exist_ok=True)
            with open(os.path.join(repo, rel), "w") as f:
                f.write(text)
        rows = []
        t, out = timed([args.pins, "outdated", "development", "--format", "json"], args.runs, cwd=repo)
        found = {p["pin"]: p["latest"] for p in json.loads(out)["pins"]}
        assert set(found.values()) == {newest} and len(found) == args.repos, found
        rows.append(("pins outdated", t))
        script = os.path.join(ROOT, "bench/baseline_oci_tags.sh")
        for parallel in (1, 16):
            t, out = timed([script, registry, prefix, os.path.join(repo, "pins.txt"), str(parallel)],
                           args.baseline_runs)
            found = dict(line.split() for line in out.splitlines())
            assert set(found.values()) == {newest} and len(found) == args.repos, found
            rows.append((f"skopeo list-tags script, {parallel} at once", t))
    print(f"{args.repos} images x {args.tags} tags each (seeded in {seeded:.1f} s), registry {registry}\n")
    print("| tool | median | vs pins |\n|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t * 1000:.0f} ms | {t / rows[0][1]:.1f}x |")


if __name__ == "__main__":
    main()
