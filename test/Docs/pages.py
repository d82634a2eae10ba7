"""The pages the documentation checks look at: README.md and every page
under docs/, in a fixed order."""

import glob
import os


def pages(root):
    return [os.path.join(root, "README.md")] + sorted(
        glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True))
