#!/usr/bin/env python3
"""Writes Docs/Tutorial/NN-name.md from the playground's chapter sources: the chapter's own explanations
(its say(...) texts) and its complete code, verbatim, so the tutorial and the playground cannot drift apart.
The doc test (Tests/NNTests/DocsTests.swift) checks that every code block still stands in the sources.

    python3 Scripts/make-tutorial.py
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
tour = (root / "Sources/Playground/Tour.swift").read_text()
chapters = re.findall(r'Chapter\(number: (\d+), name: "(\w+)", title: "([^"]+)", run: (\w+)\)', tour)
sources = {p: p.read_text() for p in (root / "Sources/Playground/Chapters").glob("*.swift")}
index = ["# The tutorial", "", "The playground's chapters as text. Run any of them with",
         "`swift run -c release playground <number or name>`; the pictures go to `playground-output/`.", ""]
for number, name, title, function in chapters:
    source = next(text for text in sources.values() if f"func {function}(" in text)
    body = source[source.index(f"func {function}("):]
    prose = []
    for block in re.findall(r'say\("""\n(.*?)\n\s*"""\)', body, re.S):
        lines = [line.strip() for line in block.split("\n")]
        prose.append("\n".join(lines))
    page = [f"# Chapter {number}: {title}", ""]
    for paragraph in prose:
        text = re.sub(r"\\\((.*?)\)", r"‹\1›", paragraph)
        page += [text, ""]
    page += ["## The code", "", "The chapter exactly as the playground runs it (`context.say` prints; `context.save` writes a picture):", "",
             "```swift", source.strip(), "```", "",
             f"Run it: `swift run -c release playground {name}`", ""]
    filename = f"{int(number):02d}-{name}.md"
    (root / "Docs/Tutorial" / filename).write_text("\n".join(page))
    index.append(f"{number}. [{title}]({filename})")
(root / "Docs/Tutorial/README.md").write_text("\n".join(index) + "\n")
