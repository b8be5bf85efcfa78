#!/usr/bin/env python3
"""The baseline a user would write instead of pins: python-hcl2 reads each environment's
var-files, applies Terraform's precedence (later files replace whole variables), extracts the pins
(top-level strings and maps of strings of the pin file) and prints the differing ones, classified.

usage: baseline_diff.py REPO FROM TO   (default layout: development / staging / production)
"""
import json
import sys

import hcl2

FILES = {
    "development": ["development.tfvars", "data.d/development.tfvars"],
    "staging": ["shared-release.tfvars", "data.d/staging.tfvars"],
    "production": ["shared-release.tfvars", "data.d/production.tfvars"],
}


def unquote(value):
    """python-hcl2 keeps the quotes of strings and keys."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def load(path):
    with open(path, encoding="utf-8-sig") as f:
        return {unquote(k): v for k, v in hcl2.load(f).items()}


def pins(repo, env):
    files = [load(f"{repo}/{name}") for name in FILES[env]]
    effective = {}
    for values in files:
        effective.update(values)
    out = {}
    for name, value in files[0].items():
        value = effective.get(name)
        if isinstance(value, str):
            out[name] = unquote(value)
        elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            for key, version in value.items():
                out[f"{name}.{unquote(key)}"] = unquote(version)
    return out


def parse(version):
    core = version.lstrip("v").split("-")[0].split("+")[0]
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def classify(a, b):
    if a is None:
        return "added"
    if b is None:
        return "removed"
    pa, pb = parse(a), parse(b)
    if pa is None or pb is None:
        return "changed"
    if pb < pa:
        return "downgrade"
    for kind, i in (("major", 0), ("minor", 1), ("patch", 2)):
        if pa[i] != pb[i]:
            return kind
    return "prerelease"


def main():
    repo, a, b = sys.argv[1:4]
    left, right = pins(repo, a), pins(repo, b)
    changed = 0
    for pin in list(left) + [p for p in right if p not in left]:
        x, y = left.get(pin), right.get(pin)
        if x != y:
            changed += 1
            print(f"{pin}\t{x}\t{y}\t{classify(x, y)}")
    print(f"{changed} pins differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
