#!/usr/bin/python3
"""Runs a tool on a hostile input and checks that it refuses it properly:
exit code 1 (a user error, not a crash and not an internal error), a message
that is not a sanitizer report or a stack dump, and the output untouched:
absent if it was absent, its previous contents if it existed (so a failure
never destroys a good file), and no temporary left beside it. Prints the
tool's stderr for FileCheck.

  refuses.py OUTPUT -- COMMAND...
"""

import os
import subprocess
import sys

output, separator, command = sys.argv[1], sys.argv[2], sys.argv[3:]
assert separator == "--" and command, __doc__
folder = os.path.dirname(os.path.abspath(output)) or "."


def run():
    before = set(os.listdir(folder))
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          errors="replace", timeout=120)
    problems = []
    if done.returncode != 1:
        problems.append("exit code %d, expected 1" % done.returncode)
    for marker in ("Sanitizer", "runtime error:", "Stack dump", "PLEASE submit a bug report"):
        if marker in done.stderr:
            problems.append("stderr holds '%s'" % marker)
    if not done.stderr.strip():
        problems.append("no message on stderr")
    # Temporaries beside the target carry its name (other tests share the
    # folder).
    name = os.path.basename(output)
    left = {f for f in set(os.listdir(folder)) - before - {name} if name in f}
    if left:
        problems.append("left files behind: %s" % sorted(left))
    return done, problems


if os.path.lexists(output):
    os.remove(output)
done, problems = run()
if os.path.lexists(output):
    problems.append("wrote %s although it failed" % output)
with open(output, "w") as f:
    f.write("previous result\n")
again, more = run()
with open(output) as f:
    if f.read() != "previous result\n":
        more.append("replaced the previous %s although it failed" % output)
os.remove(output)
problems += ["second run: " + p for p in more if p not in problems]
sys.stdout.write(done.stderr)
if problems:
    sys.stderr.write("refuses.py: %s\n" % "; ".join(problems))
    sys.exit(1)
