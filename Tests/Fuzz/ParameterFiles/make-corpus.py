#!/usr/bin/env python3
"""Writes the parameter-file fuzzer's seed corpus (Tests/Fuzz/ParameterFiles/corpus) with the standard library
only: files that match the fuzz model (so loads succeed), files that differ from it in names, shapes and dtypes,
and small malformed ones. python3 Tests/Fuzz/ParameterFiles/make-corpus.py"""
import json, pathlib, struct

out = pathlib.Path(__file__).resolve().parent / "corpus"
out.mkdir(exist_ok=True)

def safetensors(entries, metadata=None):
    header, body = {}, b""
    for name, dtype, shape, values in entries:
        data = struct.pack("<%d%s" % (len(values), "f" if dtype == "F32" else "q"), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body

model = [
    ("0.weight", "F32", [4, 3], [i / 10 for i in range(12)]),
    ("0.bias", "F32", [4], [0.5, -0.5, 1, 0]),
    ("2.weight", "F32", [2, 4], [-i / 4 for i in range(8)]),
    ("2.bias", "F32", [2], [0.25, -0.25]),
    ("3.weight", "F32", [2], [1, 2]),
    ("3.running_mean", "F32", [2], [0.5, -0.5]),
    ("3.num_batches_tracked", "I64", [], [7]),
]
files = {
    "match": safetensors(model),
    "match-metadata": safetensors(model, {"format": "pt"}),
    "shifted-modules": safetensors([(n.replace("2.", "1."), d, s, v) for n, d, s, v in model]),
    "wrong-shape": safetensors([(n, d, s if n != "0.weight" else [3, 4], v) for n, d, s, v in model]),
    "count-as-f32": safetensors([(n, "F32" if n.endswith("tracked") else d, s, v) for n, d, s, v in model]),
    "empty": safetensors([]),
    "short": b"\x08\x00\x00",
}
for name, data in files.items():
    (out / name).write_bytes(data)
print("wrote", len(files), "files to", out)
