#!/usr/bin/env bash
# Builds the API reference of the library modules (TensorCore, TensorMath, TensorLinearAlgebra, AutoDiff, NN,
# DistributedTraining, GradCheckCore) from their doc comments with
# the toolchain's docc: `swift build` emits symbol graphs (in its own scratch folder, so the normal build keeps
# its flags), Scripts/check-doc-comments.py fails on a public symbol without a doc comment, `docc convert`
# makes one archive per module, `docc merge` combines them, and the result is written as a static site with an
# index.html. Fails on any docc warning. No plugin, no package dependency.
#
#   Scripts/make-api-reference.sh OUTPUT-DIR
#   python3 -m http.server --directory OUTPUT-DIR 8000    # then open http://localhost:8000/documentation/
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ]; then
    echo "usage: Scripts/make-api-reference.sh OUTPUT-DIR" >&2
    exit 2
fi
out=$1
modules=(TensorCore TensorMath TensorLinearAlgebra AutoDiff NN DistributedTraining GradCheckCore)
work=.build/api-reference
graphs="$work/symbol-graphs"
rm -rf "$work/archives" "$graphs"
mkdir -p "$graphs/all" "$work/archives"
echo "== symbol graphs (swift build)"
# swift build writes a module's graph only when it compiles the module, and a module's graph carries the doc
# comments of what it re-exports (NN: AutoDiff's): the library modules are built afresh, in a scratch folder
# of their own (the normal build keeps its flags and objects). AutoDiff re-exports the tensor targets the same way.
rm -rf "$work/build"
for module in "${modules[@]}"; do
    if ! swift build --scratch-path "$work/build" --target "$module" \
        -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$PWD/$graphs/all" > "$work/build.log" 2>&1; then
        tail -30 "$work/build.log"
        exit 1
    fi
done
echo "== public symbols without a doc comment"
python3 Scripts/check-doc-comments.py "$graphs/all" "${modules[@]}"
echo "== docc convert"
log=$(mktemp)
archives=()
for module in "${modules[@]}"; do
    mkdir -p "$graphs/$module"
    cp "$graphs/all/$module".symbols.json "$graphs/$module/"
    cp "$graphs/all/$module"@*.symbols.json "$graphs/$module/" 2>/dev/null || true
    docc convert --additional-symbol-graph-dir "$graphs/$module" --fallback-display-name "$module" \
        --fallback-bundle-identifier "org.autodiff.$module" --output-path "$work/archives/$module.doccarchive" 2>&1 | tee -a "$log"
    archives+=("$work/archives/$module.doccarchive")
done
docc merge "${archives[@]}" --synthesized-landing-page-name "AutoDiff package" --output-path "$work/archives/all.doccarchive" 2>&1 | tee -a "$log"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
docc process-archive transform-for-static-hosting "$work/archives/all.doccarchive" --output-path "$out" 2>&1 | tee -a "$log"
if grep -qi "warning" "$log"; then
    echo "docc reported warnings (above)"
    exit 1
fi
rm -f "$log"
test -f "$out/index.html"
echo "API reference: $out/index.html (serve the folder: python3 -m http.server --directory $out 8000, then open http://localhost:8000/documentation/)"
