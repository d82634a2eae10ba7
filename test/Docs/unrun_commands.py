#!/usr/bin/python3
"""Lists shell commands in documentation that run_docs.py would not run.

  unrun_commands.py REPO_ROOT

A command a reader would run belongs in a "$ " example, which the docs tests
execute. The only commands allowed outside them are the ones that build and
test the project (CI runs those itself) and shell set-up, and the generated
references are not looked at: a line of a
```sh/```bash/```shell block must start with one of ALLOWED, and a block of
any other kind must not start a line with a tool's name. Exit status 1, with
the places, when something else is found.
"""

import os
import sys

from pages import pages

ALLOWED = ("tools/setup/", "cmake ", "ninja ", "/usr/lib/llvm-22/bin/lit ",
           "fuzz/run.sh", "export PATH=", "ASAN_OPTIONS=", "#")
# Generated from the ODS descriptions; their examples are templates.
GENERATED = ("docs/Dialect/", "docs/HGQPasses.md")
TOOLS = ("hgq-opt", "hgq-translate", "hgq-run", "build/bin/", "make ", "python3 ",
         "/usr/bin/python3 ")
SHELL = ("sh", "bash", "shell", "console")


def main():
    root = sys.argv[1]
    found = []
    for page in pages(root):
        if os.path.relpath(page, root).startswith(GENERATED):
            continue
        lines = open(page).read().split("\n")
        index = 0
        while index < len(lines):
            if not lines[index].startswith("```"):
                index += 1
                continue
            language, start = lines[index][3:].strip(), index
            body = []
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            index += 1
            if body and body[0].startswith("$ "):
                continue
            for offset, line in enumerate(body):
                text = line.strip()
                if not text:
                    continue
                bad = (language in SHELL and not text.startswith(ALLOWED)) or \
                    (language not in SHELL and text.startswith(TOOLS))
                if bad:
                    found.append("%s:%d: %s" % (os.path.relpath(page, root),
                                                start + 2 + offset, text))
    for place in found:
        print("not run by the docs tests:", place)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
