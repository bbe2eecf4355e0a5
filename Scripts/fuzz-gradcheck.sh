#!/usr/bin/env bash
# Fuzzes gradcheck's expression parser and evaluator with libFuzzer for the given number of seconds
# (default 600). Inputs that crash are written to .build-fuzz/crashes/; copy each into
# Tests/Fuzz/regressions/ so that GradCheckTests replays it on every test run.
#
#   Scripts/fuzz-gradcheck.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
out=.build-fuzz
mkdir -p "$out/crashes" "$out/corpus"
cp -n Tests/Fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
swiftc -O -sanitize=fuzzer,address -parse-as-library -use-ld=lld -D FUZZING -module-name GradCheckFuzz \
    $(find Sources/AutoDiff -name '*.swift') Sources/GradCheckCore/*.swift Tests/Fuzz/FuzzEntry.swift \
    -o "$out/fuzz-gradcheck"
"$out/fuzz-gradcheck" "$out/corpus" -max_total_time="$seconds" -max_len=200 -timeout=10 \
    -artifact_prefix="$out/crashes/" -print_final_stats=1
