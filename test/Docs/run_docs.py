#!/usr/bin/python3
"""Runs the shell examples of documentation pages and compares their output
with what the page shows, so a page that drifts from the tools fails.

  run_docs.py BIN_DIR REPO_ROOT PAGE.md...

An example is a fenced block whose lines start with "$ " (a command; a
command may go on over several lines, up to its last line, as bash reads
it) followed by the output the page shows. The blocks of a page run in
order, in one scratch folder per page that holds links to the repository's
top-level folders (so `examples/...` and `test/...` work and files the
commands write stay there), with the tools of BIN_DIR first on PATH and
named by HGQ_TOOLS (so README's tools/setup/run-example.sh uses them instead
of building its own).

What the page shows is compared line by line with what the commands printed
(stdout and stderr together), trailing spaces ignored, with two elisions:
a line that is only "..." stands for any number of lines, and "..." inside a
line stands for any text. A block preceded by the comment
`<!-- docs-test: skip REASON -->` is not run (the reason is printed).
Exit status: 0 when every example matched, 1 otherwise.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*(.*?)\s*-->")


def examples(text):
    """(line number, commands and shown output as lines, skip reason)."""
    lines = text.split("\n")
    found, index, skip = [], 0, None
    while index < len(lines):
        line = lines[index]
        match = SKIP.search(line)
        if match:
            skip = match.group(1) or "no reason given"
        if line.startswith("```"):
            start, body = index + 1, []
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            if body and body[0].startswith("$ "):
                found.append((start, body, skip))
            skip = None
        index += 1
    return found


def split(body):
    """The shell script of a block and, per command, the output shown."""
    steps, current = [], None
    for line in body:
        if line.startswith("$ "):
            current = [line[2:], []]
            steps.append(current)
        elif current is not None and current[1] == [] and is_continuation(current[0]):
            current[0] += "\n" + line
        else:
            current[1].append(line)
    return steps


def is_continuation(command):
    """True while bash would read more lines: an open quote or a trailing
    backslash."""
    if command.endswith("\\"):
        return True
    quote = None
    for char in command:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
    return quote is not None


def matches(shown, printed):
    """Line-by-line comparison with the two elisions."""
    def line_matches(pattern, text):
        parts = [re.escape(p) for p in pattern.rstrip().split("...")]
        return re.fullmatch(".*".join(parts), text.rstrip()) is not None

    def walk(i, j):
        if i == len(shown):
            return j == len(printed)
        if shown[i].strip() == "...":
            return any(walk(i + 1, k) for k in range(j, len(printed) + 1))
        return j < len(printed) and line_matches(shown[i], printed[j]) and walk(i + 1, j + 1)

    return walk(0, 0)


def run_page(page, bin_dir, root):
    text = open(page).read()
    work = tempfile.mkdtemp(prefix="docs-")
    failures = 0
    try:
        for entry in os.listdir(root):
            # Not build trees nor out/ (ignored outputs: the examples write
            # their own out/ in the scratch folder).
            if not entry.startswith(".") and os.path.isdir(os.path.join(root, entry)) \
                    and not entry.startswith("build") and entry != "out":
                os.symlink(os.path.join(root, entry), os.path.join(work, entry))
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"],
                   HGQ_TOOLS=bin_dir)
        for line, body, skip in examples(text):
            where = "%s:%d" % (os.path.relpath(page, root), line)
            if skip:
                print("%s: skipped: %s" % (where, skip))
                continue
            for command, shown in split(body):
                while shown and not shown[-1].strip():
                    shown.pop()
                done = subprocess.run(["bash", "-c", command], cwd=work, env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, errors="replace",
                                      timeout=600)
                printed = done.stdout.rstrip("\n").split("\n") if done.stdout.strip() else []
                if matches(shown, printed):
                    continue
                failures += 1
                print("%s: $ %s" % (where, command.split("\n")[0]))
                print("  the page shows:")
                print("".join("    | %s\n" % s for s in shown) or "    (nothing)")
                print("  the command printed (exit status %d):" % done.returncode)
                print("".join("    | %s\n" % p for p in printed) or "    (nothing)")
        if not failures:
            print("%s: every example matches" % os.path.relpath(page, root))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return failures


def main():
    bin_dir, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    pages = [os.path.abspath(page) for page in sys.argv[3:]]
    failures = sum(run_page(page, bin_dir, root) for page in pages)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
