#!/usr/bin/python3
"""Checks the relative links of README.md and docs/: the file exists, and a
#fragment names a heading of it (GitHub's anchors: lower case, punctuation
but '-' and '_' dropped, spaces to '-').

  check_links.py REPO_ROOT

Prints each broken link with its place; exit status 1 when there is one.
"""

import os
import re
import sys

from pages import pages

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(path):
    found, fenced = set(), False
    for line in open(path):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title)
            found.add(title.replace(" ", "-"))
    return found


def main():
    root = sys.argv[1]
    broken = []
    for page in pages(root):
        fenced = False
        for number, line in enumerate(open(page), 1):
            if line.startswith("```"):
                fenced = not fenced
            if fenced:
                continue
            for target in LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue  # http:, https:, mailto:
                path, _, fragment = target.partition("#")
                resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) \
                    if path else page
                where = "%s:%d: %s" % (os.path.relpath(page, root), number, target)
                if not os.path.exists(resolved):
                    broken.append(where + " (no such file)")
                elif fragment and resolved.endswith(".md") and \
                        fragment not in anchors(resolved):
                    broken.append(where + " (no such heading)")
    for place in broken:
        print("broken link:", place)
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
