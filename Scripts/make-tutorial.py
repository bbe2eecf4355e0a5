#!/usr/bin/env python3
"""Regenerates the Markdown tutorial, Docs/Tutorial/NN-name.md, from a real run of the whole playground tour:
each page has the chapter's explanations, its code made pasteable (public API, plus what the page shows),
the output that code printed and its pictures (the SVGs are written beside the pages). The playground does
the writing (`playground --markdown DIR`, see Sources/Playground/Document/); this script clears the old pages,
runs the release build from the package root and reports. Each page ends with a hash of its chapter's source:
PlaygroundTests fails when a chapter changed after its page was generated, so run this after editing one.

    python3 Scripts/make-tutorial.py
"""
import os
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
tutorial = root / "Docs" / "Tutorial"
for old in list(tutorial.glob("*.md")) + list(tutorial.glob("*.svg")):
    old.unlink()
log = root / "playground-output.log"
# The built-in kernels, so that the pages do not depend on which system BLAS this machine has (a BLAS sums a
# product's terms in its own order, and the last bits of the pictures' curves would differ from machine to machine).
environment = dict(os.environ, AUTODIFF_BLAS="off")
with open(log, "w") as out:
    run = subprocess.run(["swift", "run", "-c", "release", "playground", "--out", "playground-output",
                          "--markdown", "Docs/Tutorial"], cwd=root, env=environment, stdout=out, stderr=subprocess.STDOUT)
if run.returncode != 0:
    sys.exit(f"the playground failed (exit {run.returncode}); see {log}")
pages = sorted(p.name for p in tutorial.glob("*.md") if p.name != "README.md")
pictures = sorted(p.name for p in tutorial.glob("*.svg"))
print(f"wrote {len(pages)} pages and {len(pictures)} pictures to {tutorial.relative_to(root)}/ (the run's output: {log.name})")
