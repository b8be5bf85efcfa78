#!/usr/bin/env python3
"""Generates a repository with a long promotion history through `git fast-import` (one process):
development gets direct bumps, staging direct promotions of development's versions, production
merges of staging. Deterministic from --seed.

usage: gen_history.py --commits 10000 --pins 200 --out DIR [--seed 7]
"""
import argparse
import os
import random
import subprocess

START = 1735725600  # 2025-01-01T10:00:00Z
STEP = 600


def render(versions):
    lines = ["# release pins", "artifact_versions = {"]
    lines += [f'  {k} = "{v}"' for k, v in versions.items()]
    return "\n".join(lines + ["}", ""]) + ""


def bump(version, rng):
    major, minor, patch = (int(p) for p in version.split("."))
    if rng.random() < 0.2:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


class Stream:
    def __init__(self):
        self.parts = []
        self.mark = 0

    def blob_inline(self, path, text):
        data = text.encode()
        self.parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    def commit(self, branch, when, author, message, parents, files):
        self.mark += 1
        msg = message.encode()
        head = f"commit refs/heads/{branch}\nmark :{self.mark}\ncommitter {author} {when} +0000\ndata {len(msg)}\n"
        self.parts.append(head.encode() + msg + b"\n")
        for i, parent in enumerate(parents):
            self.parts.append(f"{'from' if i == 0 else 'merge'} :{parent}\n".encode())
        for path, text in files:
            self.blob_inline(path, text)
        self.parts.append(b"\n")
        return self.mark


def generate(commits, pins, out, seed):
    rng = random.Random(seed)
    names = [f"artifact-{i:03d}" for i in range(pins)]
    dev = {n: "1.0.0" for n in names}
    stg = dict(dev)
    s = Stream()
    files = [("development.tfvars", render(dev)), ("shared-release.tfvars", render(stg))]
    files += [(f"data.d/{e}.tfvars", f'db_endpoint = "db.{e}.internal"\n') for e in ("development", "staging", "production")]
    tips = {}
    tips["development"] = s.commit("development", START, "Alice <alice@example.com>", "initial layout", [], files)
    tips["staging"] = s.commit("staging", START, "Alice <alice@example.com>", "staging starts", [tips["development"]], [])
    tips["production"] = s.commit("production", START, "Alice <alice@example.com>", "production starts", [tips["development"]], [])
    for i in range(3, commits):
        when = START + i * STEP
        r = rng.random()
        behind = [n for n in names if dev[n] != stg[n]]
        if r < 0.5 or (r < 0.85 and not behind):
            name = rng.choice(names)
            dev[name] = bump(dev[name], rng)
            tips["development"] = s.commit("development", when, "Alice <alice@example.com>", f"bump {name}", [tips["development"]], [("development.tfvars", render(dev))])
        elif r < 0.85:
            for name in rng.sample(behind, min(3, len(behind))):
                stg[name] = dev[name]
            tips["staging"] = s.commit("staging", when, "Bob <bob@example.com>", "promote development to staging", [tips["staging"]], [("shared-release.tfvars", render(stg))])
        else:
            tips["production"] = s.commit("production", when, "Carol <carol@example.com>", "Merge branch 'staging' into production", [tips["production"], tips["staging"]], [("shared-release.tfvars", render(stg))])
    os.makedirs(out, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "development", out], check=True)
    subprocess.run(["git", "-C", out, "fast-import", "--quiet"], input=b"".join(s.parts), check=True)
    subprocess.run(["git", "-C", out, "checkout", "-q", "-f", "production"], check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=10000)
    parser.add_argument("--pins", type=int, default=200)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.commits, args.pins, args.out, args.seed)


if __name__ == "__main__":
    main()
