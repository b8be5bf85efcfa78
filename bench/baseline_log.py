#!/usr/bin/env python3
"""The script a user would write instead of `pins log` / `pins status`: `git log -p` over each
environment's pin file on its branch, the changed lines parsed with python-hcl2, and for status
each branch's pin file read with `git show` and parsed whole.

usage: baseline_log.py REPO log|status      (default layout: development / staging / production)
"""
import subprocess
import sys

import hcl2

from baseline_diff import unquote

ENVS = [("development", "development.tfvars"), ("staging", "shared-release.tfvars"), ("production", "shared-release.tfvars")]


def flatten(values):
    """Top-level strings and the entries of maps of strings, by key."""
    out = {}
    for name, value in values.items():
        if isinstance(value, dict):
            out.update({unquote(k): unquote(v) for k, v in value.items() if isinstance(v, str)})
        elif isinstance(value, str) and not name.startswith("__"):
            out[unquote(name)] = unquote(value)
    return out


def parse_lines(lines):
    """`key = "value"` lines → {key: value}; lines that are not attributes are skipped."""
    try:
        return flatten(hcl2.loads("\n".join(lines) + "\n"))
    except Exception:
        out = {}
        for line in lines:
            try:
                out.update(flatten(hcl2.loads(line + "\n")))
            except Exception:
                pass
        return out


def history(repo, branch, path):
    """[(time, commit, author, subject, merge, pin, from, to)] oldest first."""
    out = subprocess.run(
        ["git", "-C", repo, "log", "--first-parent", "--reverse", "-p", "--format=\x1e%H %P\x1f%ct\x1f%an\x1f%s", branch, "--", path],
        check=True, capture_output=True, text=True).stdout
    changes = []
    for chunk in out.split("\x1e")[1:]:
        header, _, diff = chunk.partition("\n")
        ids, time, author, subject = header.split("\x1f")
        removed = [l[1:] for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
        added = [l[1:] for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
        old, new = parse_lines(removed), parse_lines(added)
        for pin in sorted(set(old) | set(new)):
            if old.get(pin) != new.get(pin):
                changes.append((int(time), ids.split()[0], author, subject, len(ids.split()) > 2, pin, old.get(pin), new.get(pin)))
    return changes


def pins_at(repo, branch, path):
    text = subprocess.run(["git", "-C", repo, "show", f"{branch}:{path}"], check=True, capture_output=True, text=True).stdout
    return flatten(hcl2.loads(text))


def main():
    repo, mode = sys.argv[1], sys.argv[2]
    if mode == "log":
        for env, path in ENVS:
            print(env)
            for change in history(repo, env, path):
                print(*change, sep="\t")
        return
    heads = [pins_at(repo, env, path) for env, path in ENVS]
    since = [{c[5]: c[0] for c in history(repo, env, path)} for env, path in ENVS[:-1]]
    pending = 0
    for pin in heads[0]:
        row = [h.get(pin) for h in heads]
        for i in range(1, len(ENVS)):
            if row[i - 1] != row[i]:
                pending += 1
                print(pin, ENVS[i - 1][0], "->", ENVS[i][0], row[i], "->", row[i - 1], "since", since[i - 1].get(pin))
    sys.exit(1 if pending else 0)


if __name__ == "__main__":
    main()
