#!/usr/bin/env python3
"""Lists every public (or open) symbol of the given modules that has no doc comment, from the symbol graphs that
`swift build -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc DIR` writes, and fails if
there is one. Symbols the compiler synthesizes (default implementations shown on conforming types) are not
written in this package's source and are skipped. Run by Scripts/make-api-reference.sh.

    python3 Scripts/check-doc-comments.py SYMBOL-GRAPH-DIR MODULE...
"""
import json
import pathlib
import sys

folder = pathlib.Path(sys.argv[1])
modules = sys.argv[2:]
missing = []
count = 0
for module in modules:
    for path in sorted(folder.glob(f"{module}.symbols.json")) + sorted(folder.glob(f"{module}@*.symbols.json")):
        graph = json.loads(path.read_text())
        for symbol in graph["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            if "::SYNTHESIZED::" in symbol["identifier"]["precise"] or "location" not in symbol:
                continue
            if f"/Sources/{module}/" not in symbol["location"]["uri"]:
                continue   # re-exported from another module (NN re-exports AutoDiff): checked there
            count += 1
            if not symbol.get("docComment", {}).get("lines"):
                location = symbol["location"]
                file = location["uri"].split("/Sources/", 1)[-1]
                missing.append(f"Sources/{file}:{location['position']['line'] + 1}: {module} "
                               f"{symbol['kind']['displayName'].lower()} {'.'.join(symbol['pathComponents'])}")
for line in sorted(set(missing)):
    print(line)
print(f"{count} public symbols in {', '.join(modules)}; {len(set(missing))} without a doc comment")
sys.exit(1 if missing else 0)
