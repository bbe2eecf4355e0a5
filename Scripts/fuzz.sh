#!/usr/bin/env bash
# Fuzzes one of the project's readers of outside data with libFuzzer (coverage-guided, AddressSanitizer on):
#
#   Scripts/fuzz.sh gradcheck 600         the gradcheck tool's expression parser, evaluator and options
#   Scripts/fuzz.sh parameter-files 600   the safetensors decoder and loadParameters
#
# The target's sources (with the tensor targets' and AutoDiff's, whose re-exports and imports of each other are
# left out) are compiled into one module with -D FUZZING together with its entry point in
# Tests/Fuzz/<Target>/FuzzEntry.swift (the C kernels are compiled with clang and linked in). The fuzzer starts
# from Tests/Fuzz/<Target>/corpus; inputs that crash are written to .build-fuzz/<target>/crashes/: copy each into
# Tests/Fuzz/<Target>/regressions/, which `swift test` replays on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?"usage: Scripts/fuzz.sh gradcheck|parameter-files [seconds]"}
seconds=${2:-600}
case "$target" in
    gradcheck)
        dir=GradCheck; max_len=200; module=FuzzGradCheck
        modules="Sources/TapeDrawing Sources/AutoDiff Sources/GradCheckCore";;
    parameter-files)
        dir=ParameterFiles; max_len=4096; module=NN   # NN qualifies some names with its module name
        modules="Sources/TapeDrawing Sources/AutoDiff Sources/NNData Sources/NNKernels Sources/NN";;
    *) echo "unknown target '$target': use gradcheck or parameter-files" >&2; exit 2;;
esac
out=".build-fuzz/$target"
mkdir -p "$out/crashes" "$out/corpus" "$out/ckernels"
cp -n Tests/Fuzz/$dir/corpus/* "$out/corpus/" 2>/dev/null || true

# The sources, copied without the imports that join the package's modules (they are one module here).
rm -rf "$out/sources"
mkdir -p "$out/sources"
for f in $(find Sources/TensorCore Sources/TensorMath Sources/TensorLinearAlgebra $modules -name '*.swift' ! -name Exports.swift); do
    sed -E '/^(@_exported )?import (TensorCore|TensorMath|TensorLinearAlgebra|NNData|NNKernels)$/d' "$f" > "$out/sources/$(echo "$f" | tr '/' '_')"
done
sources=$(ls "$out"/sources/*.swift)

# The C kernels as a Clang module the Swift sources can import, and their objects.
cat > "$out/ckernels/module.modulemap" <<MAP
module CKernels {
    header "$PWD/Sources/CKernels/include/CKernels.h"
    export *
}
MAP
objects=()
for c in Sources/CKernels/*.c; do
    o="$out/$(basename "$c" .c).o"
    clang -O2 -fsanitize=address -I Sources/CKernels/include -c "$c" -o "$o"
    objects+=("$o")
done

swiftc -O -sanitize=fuzzer,address -parse-as-library -use-ld=lld -D FUZZING -module-name $module -package-name AutoDiff \
    -I "$out/ckernels" $sources Tests/Fuzz/$dir/FuzzEntry.swift "${objects[@]}" -o "$out/fuzz"
"$out/fuzz" "$out/corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$out/crashes/" -print_final_stats=1
