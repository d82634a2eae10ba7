"""exit_code.py N COMMAND...: runs COMMAND (its output passed through) and
fails unless it exits with exactly N (`not` only tells zero from non-zero)."""
import subprocess
import sys

expected = int(sys.argv[1])
code = subprocess.run(sys.argv[2:]).returncode
if code != expected:
    sys.exit("%s exited with %d, expected %d" % (sys.argv[2], code, expected))
