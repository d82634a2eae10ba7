#!/usr/bin/env python3
"""clang-format-22 over the project's own C++ (.clang-format at the root).

  tools/setup/format.py          reformat in place
  tools/setup/format.py --check  list what is not formatted, exit 1 if any
                                 (test/Style/clang-format.test runs this)

The files: lib/, include/, tools/, runtime/include/ and the C++ tests, as
git tracks them (untracked new files included), or every such file when the
tree is not a git checkout.
"""
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
PATTERNS = ["lib/**/*.cpp", "lib/**/*.h", "include/**/*.h", "tools/**/*.cpp",
            "runtime/include/*.h", "test/unit/*.cpp", "test/Runtime/*.cpp"]


def files():
    found = set()
    for pattern in PATTERNS:
        found.update(p for p in ROOT.glob(pattern) if p.is_file())
    try:
        ignored = subprocess.run(
            ["git", "-C", str(ROOT), "check-ignore", "--stdin"],
            input="\n".join(str(p) for p in found), capture_output=True,
            text=True).stdout.split()
        found -= {pathlib.Path(p) for p in ignored}
    except OSError:
        pass
    return sorted(found)


def main():
    check = "--check" in sys.argv[1:]
    tool = shutil.which("clang-format-22")
    if not tool:
        sys.exit("format.py: clang-format-22 is not installed "
                 "(tools/setup/install-deps.sh installs it)")
    paths = files()
    if not check:
        subprocess.run([tool, "-i", *map(str, paths)], check=True)
        print(f"format.py: formatted {len(paths)} files")
        return
    unformatted = []
    for path in paths:
        result = subprocess.run([tool, "--dry-run", "-Werror", str(path)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            unformatted.append(path.relative_to(ROOT))
    if unformatted:
        print(f"format.py: {len(unformatted)} of {len(paths)} files are not "
              "clang-format-22 clean:")
        for path in unformatted:
            print(f"  {path}")
        print("fix: tools/setup/format.py")
        sys.exit(1)
    print(f"format.py: all {len(paths)} files are clang-format-22 clean")


if __name__ == "__main__":
    main()
