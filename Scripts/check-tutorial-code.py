#!/usr/bin/env python3
"""Compiles the code of every Docs/Tutorial page as a reader would paste it: a scratch package that depends on
this one by path, one executable per page whose main.swift is the page's Swift blocks in order (setup,
sections, declarations). Fails when a page's code does not build, or builds with a warning. By hand (it builds
the libraries again, a few minutes): the pages are generated from code the tests run, this checks the
pasteable rewrite of it.

    python3 Scripts/check-tutorial-code.py [SCRATCH-DIR]
"""
import pathlib
import re
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parent.parent
scratch = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="tutorial-code-"))
pages = sorted(p for p in (root / "Docs" / "Tutorial").glob("[0-9]*.md"))
targets = []
for page in pages:
    blocks = re.findall(r"```swift\n(.*?)```", page.read_text(), re.S)
    name = "Page" + re.sub(r"\W", "", page.stem.title())
    folder = scratch / "Sources" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.swift").write_text("\n".join(blocks))
    targets.append(name)
manifest = ["// swift-tools-version: 6.0", "import PackageDescription", "",
            "let package = Package(", '    name: "TutorialCode",',
            f'    dependencies: [.package(path: "{root}")],', "    targets: ["]
manifest += [f'        .executableTarget(name: "{t}", dependencies: [.product(name: "NN", package: "{root.name}")]),' for t in targets]
manifest += ["    ]", ")", ""]
(scratch / "Package.swift").write_text("\n".join(manifest))
build = subprocess.run(["swift", "build", "--package-path", str(scratch)], capture_output=True, text=True)
output = build.stdout + build.stderr
problems = [line for line in output.splitlines() if "/Sources/Page" in line and (": error:" in line or ": warning:" in line)]
for line in problems:
    print(line)
if build.returncode != 0 and not problems:
    print(output[-3000:])
print(f"{len(targets)} pages compiled in {scratch}: " + ("ok" if build.returncode == 0 and not problems else "FAILED"))
sys.exit(0 if build.returncode == 0 and not problems else 1)
