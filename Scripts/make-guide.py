#!/usr/bin/env python3
"""Writes the Guide pages (Docs/Guide/*.md) and Tests/NNTests/DocsGuideTests.swift from one source, so that
every code block of the guide runs in `swift test`.

    python3 Scripts/make-guide.py
"""
import pathlib
import textwrap

root = pathlib.Path(__file__).resolve().parent.parent

pages = [
("TensorsAndBroadcasting", "Tensors and broadcasting", """
`Tensor<Scalar>` is a value: copies share storage until one is changed (copy-on-write). It has any rank —
rank 0 is a scalar, kept inline without allocating — and is stored row-major. Binary operations broadcast
like NumPy: shapes are aligned from the right, and an axis of size 1 (or a missing one) is repeated to match.
""", """
let a = Tensor<Double>([[1], [2]])                  // shape [2, 1]
let b = Tensor<Double>([10, 20, 30])                // shape [3]
let c = a + b                                       // shape [2, 3]
#expect(c == Tensor([[11, 21, 31], [12, 22, 32]]))
#expect(c.sum(alongAxes: 0) == Tensor([23, 43, 63]))
#expect(c.mean(alongAxes: 1, keepingDimensions: true).shape == [2, 1])
#expect(matmul(Tensor<Double>([[1, 2], [3, 4]]), Tensor([1, 1])) == Tensor([3, 7]))
#expect(c[1] == Tensor([12, 22, 32]) && c[0..<1, 1..<3] == Tensor([[21, 31]]))
#expect(c[1, 2].rank == 0 && c[1, 2].scalar == 32)  // one index per axis: the element
#expect(Tensor<Double>.linspace(from: -3, to: 3, count: 7) == Tensor([-3, -2, -1, 0, 1, 2, 3]))
#expect(Tensor<Float>.arange(0, 10).shape == [10])  // 0, 1, …, 9: the end is excluded
#expect(Tensor<Double>.arange(0, 1, step: 0.25) == Tensor([0, 0.25, 0.5, 0.75]))
#expect(Tensor<Float>.full(shape: [2, 2], value: 7).sum().scalar == 28)
let x = Variable(Tensor<Double>([-1, 0.5, 2]))
let y = (gelu(x) + silu(x) - log1p(x * x) + expm1(x) + max(0.0, x) + pow(2, x) + 3 * x).sum()
y.backward()
#expect(x.grad!.shape == [3] && x[2].scalar == 2)
""", """
Reductions take one or more axes (negative ones count from the end) and drop them unless
`keepingDimensions: true`. When a broadcast operand is differentiated, its gradient is summed back to its own
shape — in one place in the backward sweep, for every operation.

**Making tensors**: `Tensor.zeros(shape:)`, `ones(shape:)` and `full(shape:value:)` fill a shape (`shape: []` is
a rank-0 tensor); `linspace(from:to:count:)` spaces `count` values evenly with both ends included, and
`arange(start, end)` or `arange(start, end, step:)` steps from `start` up to `end` **excluded**, as NumPy's and
PyTorch's do; `randomNormal` and `randomUniform` draw from a `SeededGenerator`.

**Reading elements**: `x[i]` takes index `i` of the first axis and removes that axis; `x[i, j, …]` takes one
index per leading axis, each removing its axis, so one index per axis gives a rank-0 tensor, and `.scalar` reads
the number of any one-element tensor. Indices count from 0; one outside its axis stops the program with the
shape, the index and your line. On a `Variable` the same subscripts are differentiable: the gradient goes back
to the elements taken.

**Functions**: besides `exp`, `log`, `sqrt`, `sin`, `tanh`, `sigmoid`, `relu`, `softplus`, …, there are `gelu`
(the exact form x·Φ(x) with the normal distribution function, PyTorch's default), `silu` (x·σ(x)), and
`log1p` and `expm1`, which stay accurate near 0 where `log(1 + x)` and `exp(x) - 1` lose digits. Every
two-operand operation (`+ - * /`, `pow`, `max`, `min`) takes a `Variable` with a `Tensor` or a plain number on
either side: `pow(2, x)`, `max(0.0, x)`, `t - x`.
"""),
("TheTape", "The tape and its semantics", """
Each operation on a `Variable` appends an entry to the current thread's tape; `backward()` sweeps the tape once
from the output back. Leaves (`Variable(tensor)`) accumulate (`+=`) their gradient over every backward pass until
`zeroGrad()`. A graph can be differentiated once unless the first pass keeps it with `retainGraph: true`; and
`createGraph: true` records the backward pass itself, for higher derivatives.
""", """
let w = Variable(Tensor<Double>(3.0))
let y = w * w
y.backward(retainGraph: true)                       // keep the graph for a second pass
y.backward()
#expect(w.grad == Tensor(12.0))                     // 6 + 6: gradients accumulate
w.zeroGrad()
let g = gradients(of: w * w * w, withRespectTo: [w], createGraph: true)[0]   // 3w², recorded
let h = gradients(of: g, withRespectTo: [w])[0]                               // 6w
#expect(g.value == Tensor(27.0) && h.value == Tensor(18.0))
#expect(withoutGradients { (w * 2).requiresGrad } == false)
""", """
## When a graph's memory is released

- **Tensor graphs**: every node `Variable` refers to its tape, and the tape is freed as soon as none does, so a
  training loop's memory stays flat even if it never calls `backward()` (an evaluation loop, say).
- **Scalar graphs** (rank-0 operations on rank-0 operands: micrograd-style code; their nodes are *arena nodes*): their
  `Variable`s hold no reference at all, which is what makes recording one cost a few nanoseconds. The thread
  keeps such a tape as an *arena* and reuses its memory for the next graph once a `backward()` without
  `retainGraph` has released the graph (and no tensor node or pullback still refers to it). A training loop
  therefore records every step into the same memory. Two consequences:
  - a scalar `Variable` of a released graph keeps its `value`, but using it in a *new* operation stops with a
    message (`use .value or .detached()`): PyTorch would let it silently extend a freed graph;
  - a loop that records scalar graphs and never calls `backward()` keeps them all until the next one: run
    evaluation inside `withoutGradients { }`, which records nothing (and is faster).

Mistakes stop the program with a message naming the operation, the shapes and the fix, e.g. a second
`backward()` through a released graph asks for `retainGraph: true`.

## Gradients of intermediate values

`backward()` keeps the gradients of leaves only. Reading `.grad` of a computed value gives nil and prints, once
per process, a warning on standard error that names `retainGrad()` (as PyTorch does):

```text
AutoDiff warning: .grad of a computed value (not a leaf) was read; it is nil because backward() keeps the
gradients of leaves only. Call retainGrad() on the value before backward() to keep its gradient (PyTorch's
retain_grad()). This warning is printed once.
```

Call `h.retainGrad()` before `backward()` to keep `h`'s gradient, or register a hook on it (see
[Debugging gradients](DebuggingGradients.md)).
"""),
("CustomOperations", "Writing a custom operation", """
`DifferentiableFunction` records an operation you define: a forward computation on tensors and a pullback that
maps the output's gradient to the inputs'. Written with `Variable` operations, the pullback is itself
differentiable, so second derivatives work through it. Check the rule with `checkGradients`.
""", """
let cube = DifferentiableFunction<Double>(name: "cube", forward: { xs in xs[0] * xs[0] * xs[0] },
                                          pullback: { g, xs, _ in [g * 3 * xs[0] * xs[0]] })
let x = Variable(Tensor<Double>([1, 2]))
cube(x).sum().backward()
#expect(x.grad == Tensor([3, 12]))
#expect(checkGradients(of: { cube($0[0]).sum() }, at: [Tensor([0.5, -1])]).passed)
#expect(hessian(at: Tensor<Double>([2.0]), of: { cube($0).sum() }) == Tensor([[12.0]]))
""", """
"""),
("LayersAndTraining", "Layers and training", """
`NN` composes AutoDiff operations into layers (`Dense`, `Dropout`, activations, `Sequential`), losses,
optimizers and a training loop. The explicit loop is `zeroGrad`, forward, loss, `backward`, `step`; `fit` adds
batching with seeded shuffles, validation, callbacks and progress output.
""", """
var rng = SeededGenerator(seed: 0)
let inputs = Tensor<Float>.randomNormal(shape: [64, 4], using: &rng)
let labels = (0..<64).map { inputs[$0].scalars[0] > 0 ? 1 : 0 }
let model = withRandomSeed(1) {
    Sequential {
        Dense(inputSize: 4, outputSize: 16, activation: relu)
        Dense(inputSize: 16, outputSize: 2)
    }
}
let optimizer = Adam(for: model, learningRate: 0.01)
let history = try model.fit(inputs, labels, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 20,
                            batchSize: 16, callbacks: [EarlyStopping(patience: 3, monitor: .loss)], verbosity: .silent)
#expect(history.accuracy.last! > 0.9)
#expect(model.predict(inputs).shape == [64, 2])
""", """
Models start in training mode (dropout active) and stay there after `fit`, as in PyTorch; `predict` and
`evaluate` run in evaluation mode and put the previous mode back.

**Optimizers** follow PyTorch's update rules and defaults: `SGD` (momentum, Nesterov, weight decay), `RMSProp`,
`Adam`, `AdamW(for:learningRate:decoupledWeightDecay:)` (decay 0.01 by default) and `AdaGrad(for:learningRate:)`.
Each is its update rule on `OptimizerBase`, which keeps the parameters, a state per parameter and the loop over
the parameters that have a gradient; an optimizer of your own overrides `update(_:gradient:state:)`:

```swift
final class SignSGD: OptimizerBase<Never> {      // θ ← θ − η·sign(g), no state
    override func update(_ parameter: inout Tensor<Float>, gradient: Tensor<Float>, state: inout Never?) {
        parameter -= gradient.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } * learningRate
    }
}
```
"""),
("ParameterFiles", "Parameter files and PyTorch", """
`saveParameters(to:)` writes a safetensors file with PyTorch's `state_dict` names: in a `Sequential`, each
parameter is named by its module's index in the equivalent `torch.nn.Sequential`, where a `Dense` with an
activation counts as two modules (`Linear`, then the activation). `loadParameters(from:)` checks every name,
shape and dtype before it changes anything.
""", """
let model = Sequential {
    Dense(inputSize: 64, outputSize: 128, activation: relu)   // torch: 0 = Linear, 1 = ReLU
    Dense(inputSize: 128, outputSize: 10)                      // torch: 2 = Linear
}
#expect(model.namedParameters.map(\\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
let file = FileManager.default.temporaryDirectory.appendingPathComponent("guide.safetensors")
try model.saveParameters(to: file)
try model.loadParameters(from: file)
#expect(throws: ParameterFileError.self) {
    try Sequential { Dense(inputSize: 3, outputSize: 1) }.loadParameters(from: file)
}
""", """
In Python, `model.load_state_dict(safetensors.torch.load_file("guide.safetensors"))` loads the file into
`torch.nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))`, and a file saved from that model's
`state_dict()` loads here (checked against the reference implementation, `Scripts/safetensors_interop.py`).
"""),
("GradCheckTool", "The gradcheck tool", """
`gradcheck` compares the tape with central finite differences in `Double`: for every operation of the library
(first and second order) when run without arguments, or for an expression. The same check is a function of the
library, for your own code:
""", """
let report = checkGradients(of: { xs in (xs[0] * sin(xs[1])).sum() },
                            at: [Tensor([0.5, 1]), Tensor([2, -1])])
#expect(report.passed && report.maxAbsoluteError < 1e-8)
let second = checkSecondOrderGradients(of: { xs in (xs[0] * xs[0] * xs[1]).sum() }, at: [Tensor([1, 2]), Tensor([3, 4])])
#expect(second.passed)
""", """
From the command line: `swift run gradcheck`, `swift run gradcheck 'logSumExp(v, axes: 0)' --at v=[1,2,3] --order 2`,
`--json` for a machine-readable report, `--help` for everything else. Exit status 0 means every check passed,
1 that one failed, 2 a usage or parse error. When a check of a composite fails, the report also names the
operation whose own rule is wrong (`report.faultyRule`; `faultyRule` in `--json`): see
[Debugging gradients](DebuggingGradients.md).
"""),
("Errors", "Mistakes and what they produce", """
Two kinds of mistakes, two kinds of answers. **A mistake in the program** (shapes that do not fit, a layer given
the wrong number of features, `backward()` of a non-scalar without a seed, a second backward through a released
graph) stops the program with one message: the operation or the layer (with its place in the `Sequential`),
the shapes, the line of *your* code that called it (`#fileID`/`#line`; for operators, which Swift gives no call
site, the backtrace shows it) and a `Fix:`. For example, a `Dense(inputSize: 4, …)` second in a model, given
3 features:

```text
main.swift:12: Fatal error: Dense(inputSize: 4, outputSize: 2) (layer 1 of the Sequential): expects 4 input features on the last axis, got 3 (input of shape [2, 3]). Fix: give inputs of shape [batch, 4], or make the layer take 3 inputs (or check the layer before it)
```

**Data from outside** (a parameter file, a CSV file, an expression or option typed to the `gradcheck` tool)
never stops the program: it throws a typed error whose description says what is wrong, and leaves everything
as it was. A parameter file that does not fit the model lists every difference at once, like PyTorch's
`load_state_dict(strict=True)`, with a guess at the cause:
""", """
let saved = Sequential {
    Dense(inputSize: 3, outputSize: 4)          // torch: 0 = Linear
    Dense(inputSize: 4, outputSize: 2)          // torch: 1 = Linear
}
let file = FileManager.default.temporaryDirectory.appendingPathComponent("errors-guide.safetensors")
try saved.saveParameters(to: file)
let model = Sequential {
    Dense(inputSize: 3, outputSize: 4, activation: relu)   // torch: 0 = Linear, 1 = ReLU
    Dense(inputSize: 4, outputSize: 2)                      // torch: 2 = Linear
}
do {
    try model.loadParameters(from: file)
} catch ParameterFileError.mismatch(let mismatch) {
    #expect(mismatch.missing == ["2.weight", "2.bias"] && mismatch.unexpected == ["1.bias", "1.weight"])
    print(mismatch)   // every missing and unexpected name, every shape difference, and a Fix: line
}
""", """
prints

```text
the file does not match the model:
  missing in the file: 2.weight, 2.bias
  not in the model: 1.bias, 1.weight
Fix: the file has 1.*, the model 2.* instead: were they saved from a model with activations in other places? A layer with `activation:` counts as two modules (Linear, then the activation), like nn.Sequential(nn.Linear, nn.ReLU); give the model the file's layout
```

The readers of outside data are fuzzed (`Scripts/fuzz.sh parameter-files`, `Scripts/fuzz.sh gradcheck`: libFuzzer
with AddressSanitizer), and what the fuzzers found is replayed by `swift test`. The `gradcheck` tool turns every
error into a message and exit status 2.
"""),
("Performance", "Performance notes", """
**Scalar graphs.** A recorded operation appends one entry with no references to a raw buffer (24 bytes for
`Double`: the value, the inputs, the operation's kind and raw value, flags); rank-0 values are stored in the entry.
Scalar graphs are recorded as *arena nodes*: a rank-0 `Variable` computed from rank-0 operands holds no reference
(copying or dropping it costs no reference counting; see [the tape's lifetime rules](TheTape.md)). The common
case (operands that are arena nodes of the graph or leaves already on it) records inline in the caller's code, a
few dozen instructions with no call and no reference counting; the backward pass computes each such node's local
partial derivatives from the stored values (the operation's one derivative rule evaluated at g = 1) and applies
`grad[a] += g·∂a; grad[b] += g·∂b`.

| workload | forward | backward | memory |
|---|---|---|---|
| micrograd's MLP(2, [16, 16, 1]) step, 68,818 nodes: 0.72–0.74 ms, 5.9–6.4× plain `Double`s (compare.py run below) | 7.0–7.1 ns/node | 3.5–3.7 ns/node | 24 bytes/node held |
| a chain of 10⁶ scalar operations | 3.4 ns/node | 4.6 ns/node | 24 bytes/node held, 34 at the peak |

(Earlier versions took 1.30 ms per micrograd step, 12× plain `Double`s, with 40-byte entries and a peak of 51
bytes per node, then 0.82 ms, 7.1–7.5×.) Two arena nodes as operands (a running sum and its next term) are tested
first, on a path of their own, so the optimizer sees that neither holds a reference and the caller releases
nothing after the operation; the thread's current tape is read without reference counting. What remains of the
forward cost is mostly the model code's own work: a leaf (a parameter) read out of an array is retained and
released once, and an operation on a leaf and a constant (the first layer's `w·x`) records through one call.
Write model code with index loops or direct expressions, which copy least.

**Matrix products** run on the first of these that is present:

1. the system's BLAS, loaded at run time with `dlopen` (`libopenblas.so.0`, `libblas.so.3`, Accelerate on
   macOS; nothing is linked at build time). `AUTODIFF_BLAS=off` or `SystemBLAS.isEnabled = false` turns it off;
   its thread count follows `Parallelism.threadCount`. A BLAS may round differently and may not give
   bit-identical results for different thread counts. Two rules keep its calls cheap: a small Float product
   that the built-in small-product kernel takes (a B of at most 16,384 elements, at most 512 rows, below 2²⁰
   multiply-adds, AVX-512) stays on that kernel, since a call into the library costs more than the product (the
   wide MLP's 128×512 · 512×10: 18.5 µs here, 27.5 µs on OpenBLAS 0.3.21), so these products give the built-in
   bits with or without a BLAS; and a product that makes a new tensor asks the BLAS for C = A·B (β = 0) instead of
   zeroing C first;
2. Float32 kernels in C for processors with AVX-512 (a 12×32 register tile) or AVX2 and FMA (6×16), with
   packed panels and cache blocking, chosen at run time through per-function target attributes, so the
   package needs no compiler flags; both give every element the same fused multiply-adds, so the same bits.
   `AUTODIFF_KERNELS=swift` or `VectorKernels.isEnabled = false` turns them off;
3. portable Swift loops (four rows of the result at a time).

`Parallelism.threadCount` (default: the processors online) splits a large product (≥ 2²⁰ multiply-adds), with
or without transposed operands, into blocks of the result's columns (whole packed panels of B) or rows, which the
threads take in turn; each element is still computed by one thread in the same order, so the built-in kernels
give bit-identical results for any thread count (tested). Large elementwise operations (≥ 262,144 elements: below
that the data sits in the cache of the core that wrote it, and moving it costs more than the split saves) run in
fixed chunks over the threads when the operation captures no value (`x * w`, `exp(x)`, `relu(x)`: each thread runs
the same vectorized loop, 0.08 ms for a million-element `x * w` on 2 threads against 0.14 ms on 1); with a scalar
operand (`x * 3`, `pow(x, 2.5)`) they stay on the calling thread. Full reductions (`sum()`, `mean()`, a reduction over every axis) fold fixed
chunks of 32,768 elements, each as eight interleaved chains (element i into chain i mod 8, the chains then added
pairwise), and then the chunks in order: the same association for any thread count, so the same bits too (eight
chains keep the adder busy where one waits for each sum: 0.021 ms instead of 0.13 ms for 160,000 Doubles). A full
maximum is exact in any order: eight running maxima, or, when the buffer holds a NaN or its maximum is zero, the
in-order fold, whose first NaN and first zero it returns.
Reductions along adjacent axes are split by output elements (rows, or column ranges when there are few rows),
each output folding its inputs in order: again the same bits for any thread count. `Tensor.map` with your own
closure stays on the calling thread. Fused multiply-adds in the C kernel round differently from
the portable loops, so the last bits differ between machines with and without AVX2.

Measured on the project's 2-core virtual machine (Xeon, AVX-512), medians:

| workload | result |
|---|---|
| Float32 matmul n = 512, one thread: AVX-512 / AVX2 kernel / portable loops / OpenBLAS | 100–108 / 59–90 / 20–24 / 88–126 GFLOP/s |
| Float32 matmul n = 512, two threads: AVX-512 kernel / OpenBLAS | 140–191 / 156–215 GFLOP/s |
| wide step (784-512-512-10, batch 128), one / two threads: built-in kernels (compare.py, a fresh process) | 5.26 / 3.12 ms |
| wide step, one / two threads: OpenBLAS 0.3.21 (compare.py, a fresh process) | 5.35 / 3.07 ms |
| digits epoch (64-128-64-10, Adam, batch 32), one / two threads (compare.py) | 2.47 / 2.48 ms, test accuracy 0.9694 |
| memory over 10,000 digits training steps (run alone) | flat: 24 MiB peak from step 100 to 10,000 |

`swift run -c release --package-path Benchmarks autodiff-benchmarks` runs every workload (`--help` lists them).

**Paths once slow.** `autodiff-benchmarks slow-paths` times five paths found far slower than their plain
counterpart during the second turn, each beside that counterpart, on 160,000 Doubles and one thread. The two run
alternately, one of each per round, so that both meet the same state of the heap: a freed 1.28 MB buffer either
comes back warm from the allocator or is returned to the system and page-faults when it is next written (about
0.08 ms), depending on what ran before. Medians of 9 rounds, three runs of each kind at `7f4d62e`: in the
process's default state, and with glibc told to keep freed memory
(`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456`), where nothing
page-faults and the arithmetic shows:

| path | its plain counterpart | default heap | warm heap | when found |
|---|---|---|---|---|
| `gradient(at: v, of: lse)` | a leaf and `backward()` | 0.98–1.00× | 0.95–1.07× | 3–10× |
| `Tensor(1.0).broadcasted(to: [160_000]) * w` | `x * w` | 1.39–1.41× | 1.40–1.44× | 25× |
| `(v * w).sum().backward()` | `(v * w).backward(seed:)` | 1.01–1.03× | 1.20× | 9× |
| `v.max(alongAxes: [0]).backward()` | `v.sum(alongAxes: [0]).backward()` | 1.26–1.28× | 1.22–1.23× | 38× |
| `(v * v).backward(seed:)` | `(a * b).backward(seed:)` | 0.64–0.67× | 1.07–1.09× | 8–16× |

What each needed: the functional API runs the function on a fresh tape with a leaf and the same backward sweep,
inlinable, so specialized where it is called; a one-element operand runs the scalar loop, and a
gradient reaching `sum()` is broadcast once, as a fill; the maximum's gradient is one pass (or the AVX2 kernel)
that writes g where the element equals the maximum and counts the ties; a leaf's contributions are added in
place. The broadcast row keeps a materialized fill of 1.28 MB (0.017 ms, by `memcpy` of a first 4 KB block)
beside a product of 0.044 ms: `broadcasted(to:)` returns a dense tensor, so that ratio stays near 1.4 (the
operation itself on a one-element tensor, `Tensor(1.0) * w`, costs what `x * w` does).

**Side by side with the peers.** `python3 Benchmarks/peers/compare.py` exports the workloads' data, initial
weights and batch orders from Swift, sets up a virtual environment with PyTorch, JAX and micrograd
(`Benchmarks/peers/requirements.txt`; only pip is needed), and runs ours and then every peer, round after round
(`--rounds`, 3 by default). It prints medians, and the ratio column is the median of the rounds' own ratios, so a
slow spell of a shared machine touches one round, not one side. The peers compute the same thing: micrograd and
PyTorch give the same scalar loss to all 17 digits (1.4190080635834685), PyTorch and JAX the same digits test
accuracy (0.9694), PyTorch the same CNN accuracy and LSTM validation loss. The tables below are one run's
`--markdown` output (2026-11-26, at `e7c58bc`, after the ninth session of performance work, which changed full
reductions, the maximum's gradient and large fills, not the kernels these workloads spend their time in): the
2-core machine, built-in
kernels (`AUTODIFF_BLAS=off`) and, in the rows marked so, OpenBLAS 0.3.21 (`libopenblas0-pthread`), Python 3.11,
PyTorch 2.x (CPU), JAX 0.10.2, 3 rounds of 7 timed runs, a quiet machine (load average 1.6 falling to 1.1). A peer's
1-thread run is kept on one core, as ours is: without that, XLA ran JAX's "1 thread" step on both cores when the
second was free (4.07 ms for the digits epoch in an earlier run, 5.0–5.4 ms on one core). Our wide and gemm
workloads run in a fresh process of their own, on the built-in kernels as on the system BLAS, so that both rows
have the same history (see the page faults below). The eighth session's run at its final code (`aacbd40`, load
1.1–1.6) gave scalar 158.0×, digits 2.20× and 1.95× (2 threads), the wide step 1.23× and 1.47×, on OpenBLAS 1.21×
and 1.50×, LSTM 3.19×, CNN 2.40×. The seventh session's run (load 1.0–1.5) gave scalar 156.7×,
digits 2.16× and 1.65× (2 threads), the wide step 1.34× and 1.18×, on OpenBLAS 1.35× and 1.29×, LSTM 3.85×, CNN
2.47×; the eighth session's run one commit earlier (`d6cc6e4`, load 1.1–1.4) scalar 159.1×, digits 2.20× and 1.73×, the
wide step 1.06× and 1.43×, LSTM 3.68×, CNN 2.60×, and one at the final code in the machine's slow state (where a
plain Double loop takes 0.18 ms instead of 0.11) scalar 126.2×, the wide step 1.16× and 1.11×. The fifth session's quiet run (load 1.2–1.5) gave scalar 169.2×,
digits 2.03× and 2.21× (2 threads), the wide step 1.22× and 1.42×, on OpenBLAS 1.09× and 1.53×, LSTM 3.75×, CNN
2.56×; two more runs of that code: one quiet (load 1.0–1.1) gave scalar 152.9×, digits 1.99× and 1.57× (2 threads), the wide step 1.15× and 1.23×, on OpenBLAS 1.09×
and 1.69×, LSTM 3.06×, CNN 2.43×; in the other our processes ran slow in every round (the scalar step 1.29 ms,
94×; the wide step 0.99×, on OpenBLAS 0.88× and 1.15×), as the same binary does at times on this virtual machine
(7 or 11 ns per scalar node forward, back to back). The previous session's two runs (load 1.0–1.5) gave scalar
159.6× and 167.6×, the wide step on OpenBLAS 1.29× and 1.13× (1.44× and 0.95× on 2 threads): the OpenBLAS step on
two threads moves most from round to round (3.1–4.9 ms), while OpenBLAS's own threads and ours take turns on the
two cores. Timings on a shared machine move: compare on a quiet one.

| workload | ours | micrograd | PyTorch | JAX | best peer / ours |
|---|---|---|---|---|---|
| scalar step (micrograd's MLP, 68,818 nodes) | 0.733 ms | 115 ms | 542 ms | — | 153.80× |
| digits epoch (64-128-64-10, batch 32) | 2.47 ms | — | 26.6 ms | 5.15 ms | 2.08× |
| digits epoch, 2 threads | 2.48 ms | — | 25.6 ms | 5.24 ms | 2.17× |
| digits test accuracy | 0.9694 | — | 0.9694 | 0.9694 | — |
| wide step (784-512-512-10, batch 128) | 5.26 ms | — | 7.87 ms | 5.52 ms | 1.09× |
| wide step, 2 threads | 3.12 ms | — | 5.52 ms | 4.94 ms | 1.58× |
| names epoch (Embedding → LSTM 64 → Dense, batch 32) | 67.1 ms | — | 199 ms | — | 2.97× |
| names epoch, CPU time | 67.1 ms | — | 199 ms | — | 2.97× |
| names validation loss (nats/char) | 1.999 | — | 1.999 | — | — |
| gemm n=64 | 103.3 GFLOP/s | — | 70.36 GFLOP/s | — | 1.47× |
| gemm n=128 | 114.5 GFLOP/s | — | 94.86 GFLOP/s | — | 1.20× |
| gemm n=256 | 109.4 GFLOP/s | — | 102 GFLOP/s | — | 1.07× |
| gemm n=512 | 107.2 GFLOP/s | — | 99.39 GFLOP/s | — | 1.07× |
| gemm n=1024 | 90.06 GFLOP/s | — | 94.66 GFLOP/s | — | 0.92× |
| gemm n=512, 2 threads | 204.6 GFLOP/s | — | 198.5 GFLOP/s | — | 1.02× |
| wide step, system BLAS | 5.35 ms | — | 7.87 ms | 5.52 ms | 1.03× |
| wide step, system BLAS, 2 threads | 3.07 ms | — | 5.52 ms | 4.94 ms | 1.61× |
| gemm n=512, system BLAS | 102.1 GFLOP/s | — | 99.39 GFLOP/s | — | 1.03× |
| gemm n=512, system BLAS, 2 threads | 202.7 GFLOP/s | — | 198.5 GFLOP/s | — | 1.02× |
| cnn epoch (digits CNN, batch 32) | 25.7 ms | — | 61.4 ms | — | 2.40× |
| cnn epoch, CPU time | 25.7 ms | — | 61.4 ms | — | 2.40× |
| cnn test accuracy | 0.9861 | — | 0.9861 | — | — |

micrograd's step with Python's garbage collector running: 1120 ms. A ratio above 1 means we are faster.

Scalar graphs are far ahead (154× micrograd's step with its garbage collector paused, 1,528× with it running).
On tensors, the digits epoch takes under half of JAX's compiled step (0.48× on one thread, 0.47× on two) and a
tenth of PyTorch's; the wide step takes 0.95× JAX's time on one thread and 0.63× on two, where the products are
split over both cores (gemm n = 512: 205 GFLOP/s on two threads, PyTorch 199); the LSTM and CNN epochs take 0.34×
and 0.42× PyTorch's time. On OpenBLAS the wide step takes 0.97× JAX's time on one thread and 0.62× on two (the
eighth session's run: 0.83× and 0.67×; earlier ones 0.74–0.92× on one thread, 0.65–1.05× on two): OpenBLAS's
products of these shapes run at the built-in kernel's speed (the step's eight products: 4.21 ms against 4.14), and the small ones stay on the built-in kernel. A fresh process pays page faults that
one which ran other workloads first does not: glibc hands the top of the heap back to the system after every
step and the next step faults it in again (110–150 page faults per wide step, 5–7% of its time), while earlier
workloads' allocations leave glibc's thresholds raised (no faults). With the thresholds fixed (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16777216:`
`glibc.malloc.trim_threshold=67108864`), paired runs of the two in fresh processes give OpenBLAS's step 1.02×
the built-in kernels' time on one thread and 0.99× on two.

**How cost grows.** The `growth` workload (`autodiff-benchmarks growth`, with `growth_torch.py` and
`growth_jax.py`) times one training step (forward, backward, Adam) of an MLP width-width-width-10 with ReLU on
seeded random data, on 1 thread, against the width at batch 32 and against the batch at width 256, in the same
run:

| workload | ours | micrograd | PyTorch | JAX | best peer / ours |
|---|---|---|---|---|---|
| width 64, batch 32 | 0.0359 ms | — | 0.504 ms | 0.111 ms | 3.10× |
| width 128, batch 32 | 0.0963 ms | — | 0.564 ms | 0.186 ms | 1.93× |
| width 256, batch 32 | 0.37 ms | — | 0.889 ms | 0.489 ms | 1.32× |
| width 512, batch 32 | 1.46 ms | — | 2.49 ms | 1.97 ms | 1.35× |
| width 1024, batch 32 | 12 ms | — | 15.6 ms | 8.83 ms | 0.74× |
| width 2048, batch 32 | 50.5 ms | — | 71.4 ms | 41.4 ms | 0.84× |
| width 256, batch 1 | 0.166 ms | — | 0.804 ms | 0.286 ms | 1.74× |
| width 256, batch 8 | 0.194 ms | — | 0.774 ms | 0.278 ms | 1.43× |
| width 256, batch 128 | 0.993 ms | — | 1.69 ms | 1.11 ms | 1.12× |
| width 256, batch 512 | 3.65 ms | — | 4.85 ms | 3.9 ms | 1.07× |

Up to width 512 a step is mostly per-operation overhead, and ours is 1.3–3.1× faster than the fastest peer (1.1×
at batch 128 and 512); from width 1024 the arithmetic dominates, and in this table we are behind JAX's step (Eigen
in XLA) at 1024 and 2048 (0.74× and 0.84× in this run; 0.81× and 1.15× in the eighth session's, where JAX's step
at 2048 varied most); 0.79× and 0.81×, 0.74× and 0.68×, 0.80× and 0.77×, and 1.02× and 0.82× in earlier ones (these two rows move most
from run to run). Most of that gap is not arithmetic but page faults: each step's weight gradients are new
buffers (4 MB per layer at width 1024, 16 MB at 2048), freed again by `zeroGrad()`, and in a process whose earlier
workloads left glibc's thresholds low, glibc hands that memory back to the system every step and the next step
faults it in again. With glibc told to keep freed memory (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:`
`glibc.malloc.trim_threshold=268435456` in the environment), the same binary took 7.8–8.4 ms per step at width
1024 and 33–35 ms at 2048 (12.9–13.3 and 39–43 ms without), where JAX's script took 7.9–8.7 and 45–48 ms run
alone with and without the setting (its allocator is its own): level at 1024 and ahead at 2048. For large models
on Linux, that setting is worth having; PyTorch on glibc pays the same faults (its script, run alone: 16.4 and
77.5 ms, with the setting 9.9 and 38.0 ms).

Memory per tape node, for a chain `y ← y·w + b` of scalar nodes, each size in a fresh process (graph bytes:
what the recorded graph holds; peak: the resident memory added over recording and differentiating it, once; the
times: the median of three more runs):

| nodes | graph bytes/node | peak bytes/node | forward ns/node | backward ns/node |
|---|---|---|---|---|
| 1,000 | 24.1 | 1495.0 | 5.8 | 4.6 |
| 10,000 | 24.0 | 175.7 | 3.6 | 4.3 |
| 100,000 | 24.0 | 47.9 | 3.4 | 4.6 |
| 1,000,000 | 24.0 | 33.8 | 3.5 | 4.7 |
| 10,000,000 | 24.0 | 32.2 | 13.6 | 8.6 |

(From the compare.py run above, load average 1.6 falling to 1.1; the byte counts do not depend on the load.)

The graph holds 24 bytes per node at every size. The peak adds the backward sweep's gradient buffer (8 bytes
a node; which nodes it reached is a bit of their entries): about 34 bytes per node at 10⁶ nodes and 32 at 10⁷
(small graphs are dominated by whole pages). The entry buffer grows without copying: on Linux a large buffer is a
reservation of address space made usable as it grows, so old and new buffers are never resident together. At
10⁷ nodes each run is slower because a tape returns an entry buffer of more than 4 million entries to the system
after its graph, so the next graph faults its pages in again.

**Sequences.** The `names` workload trains the playground's LSTM model (Embedding 27→16, LSTM 16→64, Dense
64→27, Adam, batches of 32 equal-length names) and `Benchmarks/peers/names_torch.py` trains PyTorch's
`nn.LSTM` twin from the same weights in the same batch order: after 6 epochs both reach a validation loss of
1.998576 nats per character. The LSTM is one fused operation over the whole sequence, on raw buffers: each
step is one product W·zₜ, with W = [W_ih b W_hh] `[4H, I + 1 + H]` (the bias as a column) and zₜ = [xₜ; 1;
hₜ₋₁] read in place with strides, the batch as the product's columns (the kernel's full tiles); the gate
functions run on vector kernels (`CKernels/activations.c`: eˣ, σ and tanh 16 lanes at a time, within 2–4 ulps
of the C library, the same bits with or without AVX-512); the backward pass is backpropagation through time with
one product Wᵀ·dGₜ per step, and the weight and bias gradients are one product over all steps. The matrix
kernel's partial tiles (the output layer's 27 columns, the rows after the last full tile) run 12 rows at a time,
and the fused cross-entropy terms take their exponentials from the vector kernel. Alternating rounds on 1 thread
(`python3 Benchmarks/peers/names_side_by_side.py --python /path/to/python --rounds 7`), medians per epoch: at a
load average near 2.3, ours 73.9 ms (CPU time 73.5 ms) against PyTorch's 202.4 ms (199.8 ms), 0.36× its time,
every round between 0.36× and 0.38×; with other builds running (load average 4–6), 159 ms (78 ms) against
505 ms (249 ms), 0.31×. About half of an epoch is now the matrix kernel near its peak;
the rest is spread over the gate functions, Adam, the output layer and the tape. The GRU is fused the same way:
the workload with `GRU(inputSize: 16, hiddenSize: 64)` in the LSTM's place takes 70 ms of CPU time per epoch,
against 183 ms composed step by step (validation loss 1.9965 either way).

**Convolutions.** The `cnn` workload trains the digits CNN (Conv2D 1→16 and 16→32, 3×3 with padding 1, each
followed by 2×2 max pooling, then Dense 128→10; Adam, batch 32) and `Benchmarks/peers/cnn_torch.py` trains
PyTorch's twin from the same weights in the same batch order: both end at 0.9861 test accuracy. Each
convolution is one product per group for the whole batch on the unfolded input, forward and backward; the
forward pass's columns are kept for the filter's gradient. Two alternating runs on 1 thread at a load average
of 10: per epoch ours took 34–37 ms of CPU time against PyTorch's 92–93 ms (0.37–0.40×), and 97–100 ms of wall
time against 267–280 ms (0.36×); memory stays flat (22.7 MiB). What remains: small products on the kernel's edge
path (9 taps, 16 filters), im2col/col2im rows of 4–8 elements, and max pooling's comparisons.

**Build time.** The first `swift run -c release playground` compiles the library and the tour. Measured on the
2-core machine with fresh exports of the code, one build after the other (`-stats-output-dir` for the jobs):

| what | command | cold build |
|---|---|---|
| the tour | `swift build -c release --product playground` | 46.7–55.8 s (`af799c7`, three builds in one slow hour) |
| the library alone | `swift build -c release --target NN` | 41 s |
| what `swift test` compiles | `swift build --build-tests` (debug) | 54 s |
| the tour without debug information | `swift build -c release -debug-info-format none --product playground` | 46 s |

The last three rows were measured in the same hour, one build each. Whole builds on this machine move by ±10 s
from one hour to the next (the same code took 46.7 s and 55.8 s within twenty minutes), which is why the
comparisons below are of builds one after the other.

Where one build's 46.8 s went: TensorCore 0–5.5 s (beside it TapeDrawing, 4 s), then TensorMath beside
TensorLinearAlgebra 5.6–13.2 s, AutoDiff 13.3–29.9 s (beside it NN's data side, the fused recurrent loops and the
page and pictures, 3 s each), NN 30.0–40.8 s (beside it the chapters that need only AutoDiff, 7.7 s), the other
chapters in two modules side by side, 4 s, then the executable, under 1 s. Each module is one whole-module job,
and most of each job is the optimizer and LLVM working through specialized generic code: no function body takes
long to type-check (none in `Sources` above 0.16 s with `-Xfrontend -warn-long-function-bodies=60`; six test
functions that took 0.4–2.2 s now spell out their types). What made it shorter: the build compiles two modules
at a time wherever it can (the tensor values are three targets, two of them side by side; NN's data side and
the fused recurrent loops are targets that need no tape and compile beside AutoDiff), nothing is pre-specialized
for Double any more and the gradient checks run unoptimized (AutoDiff's job 19 s instead of 30 s), the code that
runs only while inspecting a program (anomaly messages, watch, trace, graph drawing) is not optimized either,
the backward sweeps are compiled once instead of in every module that calls `backward()`, the shape checks and
comparisons are compiled once, and the tour's helpers that compute in Double or only prepare data run
unoptimized. The code on which issue #19 measured 155 s (`c131731`), built alternately with this code:
101–111 s against 44.2–55.8 s, 0.44×, 0.47×, 0.52×, 0.44× and 0.49× in five pairs, and 0.47×, 0.47×, 0.49× in
three pairs with `3b1b0c0` (the same code but two chapters): median 0.475×, half or less in seven pairs of eight
(at the start
of the seventh session, 0.75–0.84× in four pairs; at its end, 0.50–0.62×, median
0.52×). The code at the end of the first turn (7,500 lines in these modules, against 15,100 now) built in 59 s.
`Docs/Architecture.md` says what was changed and what was tried without gain.
""", """
let x = Variable(Tensor<Double>(1.0))
var y = x
for _ in 0..<1000 { y = y * 1.001 + 0.0 }           // 2,000 recorded operations, no allocation per node
y.backward()
#expect(abs(x.grad!.scalar - pow(1.001, 1000)) < 1e-9)
let saved = Parallelism.threadCount
Parallelism.threadCount = 1                         // like torch.set_num_threads(1): results do not change
Parallelism.threadCount = saved
""", """
"""),
("TrainingOnSeveralMachines", "Training on several machines", """
`DistributedTraining` (a product of this package: `import DistributedTraining`) trains one model on several
processes at once, on one machine or many, by data parallelism over **Open MPI**, the engine clusters already run
(PyTorch's DDP, Horovod and mpi4jax sit on MPI too). Open MPI's `libmpi` is loaded at run time with `dlopen`,
like the system BLAS: nothing is linked, the package builds and its tests run without MPI, and a program started
without `mpirun` is a group of one process whose collectives change nothing. Install Open MPI on every machine
(Debian/Ubuntu: `apt-get install openmpi-bin libopenmpi-dev`; macOS: `brew install open-mpi`);
`AUTODIFF_MPI_LIBRARY=/path/to/libmpi.so` picks a library by path.

Build the program once, put it at the same path on every machine (a shared file system, or a copy), list the
machines and how many processes each runs in a hostfile, and start it with `mpirun` (passwordless `ssh` between
the machines):

```text
# hosts: one line per machine
node1 slots=2
node2 slots=2
```

```text
swift build -c release
mpirun --hostfile hosts -np 4 .build/release/train      # 4 processes, 2 per machine
mpirun -np 2 .build/release/train                       # 2 processes on this machine
```

Add `--allow-run-as-root` when running as root, `--oversubscribe` to start more processes than cores, and
`-x NAME` to pass an environment variable to the other machines. Each process uses the processors of its machine
divided by the processes started there (`Parallelism.threadCount`, set by `ProcessGroup.current()`), and a process
waiting for the others in a collective gives its core away instead of spinning (Open MPI's `mpi_yield_when_idle`;
`-x OMPI_MCA_mpi_yield_when_idle=0` makes it spin, for a little less latency on machines that run nothing else).

The program below runs unchanged with one process (as in this guide's test) and under `mpirun`:
""", """
let group = try ProcessGroup.current()              // the MPI world under mpirun, else one process
var rng = SeededGenerator(seed: 1)
let x = Tensor<Float>.randomNormal(shape: [256, 4], using: &rng)
let labels = x[0..<256, 0..<3].argmax(alongAxis: -1)   // the largest of the first three features
let model = withRandomSeed(0) {
    Sequential([Dense(inputSize: 4, outputSize: 16, activation: { relu($0) }), Dense(inputSize: 16, outputSize: 3)])
}
// batchSize is per process: the global batch is 16 × group.size, so the learning rate grows with it.
let optimizer = SGD(parameters: model.parameters, learningRate: 0.05 * Float(group.size), momentum: 0.9)
let history = try model.fit(x, labels, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 20,
                            batchSize: 16, verbosity: .silent, generator: SeededGenerator(seed: 2),
                            processGroup: group)
#expect(history.loss.last! < history.loss.first! / 2)  // the same History on every process

// Checkpoint on rank 0 only; the others wait until the file is written.
let checkpoint = FileManager.default.temporaryDirectory
    .appendingPathComponent("several-machines-\\(ProcessInfo.processInfo.processIdentifier).safetensors")
if group.rank == 0 { try model.saveParameters(to: checkpoint) }
try group.barrier()

// A loop of your own: each process takes its share of the batch, and the gradients are averaged
// (one allreduce of all of them) between backward() and step().
let mine = Array(stride(from: group.rank, to: 256, by: group.size))
optimizer.zeroGrad()
softmaxCrossEntropy(logits: model(Variable(x.gathering(atIndices: mine), requiresGrad: false)),
                    labels: mine.map { labels[$0] }).backward()
try group.averageGradients(of: model)
optimizer.step()

var sum = Tensor<Double>([Double(group.rank), 1])
try group.allReduce(&sum)                           // [0 + 1 + … + (size − 1), size] on every process
#expect(sum.scalars[1] == Double(group.size))
if group.rank == 0 { try? FileManager.default.removeItem(at: checkpoint) }
""", """
## What `fit(…, processGroup:)` does

- The parameters start as rank 0's (one broadcast), and so does the shuffling generator: every process may build
  its model from any seed.
- `batchSize` is **per process**. The global batches are those a one-process `fit` with batch size
  `batchSize × size` takes, in its order; each is split in rank order into contiguous parts.
- Before every step the gradients are averaged over the processes in **one** allreduce of all of them (with the
  loss and accuracy counts), each process's mean gradient weighted by its number of samples, so a short last
  batch matches too. Every process then takes the same optimizer step.
- `History` is the same on every process; progress is printed by rank 0 only; validation data is evaluated on
  every process; callbacks run on every process (they see the same numbers, so `EarlyStopping` stops all of them
  at the same epoch).

So 2 processes with `batchSize: 16` end with the parameters of 1 process with `batchSize: 32` (checked in CI on the
digits: 2 × 10⁻⁷ of the largest parameter after two epochs), and every process holds the same bits.

## Batch size and learning rate

To reproduce a one-process run on p processes, divide its batch size by p: the same global batch, the same steps.
To go faster, keep the batch per process and let the global batch grow p-fold; there are then p times fewer steps
per epoch, so raise the learning rate: linearly with p for SGD (Goyal et al., 2017), with a few warm-up epochs
(`LearningRateScheduler`) when p is large; for Adam, by about √p. Very large global batches generalize worse.

## Checkpoints

Every process holds the same parameters, so save them on rank 0 only (`if group.rank == 0 { … }`) and let the
others wait with `barrier()` when they are going to read the file. To resume, every process may load the file, or
only rank 0: `fit` starts from rank 0's parameters anyway. Optimizer state (Adam's moments) is the same on every
process too.

## What is and is not deterministic

- The same program with the same seeds and the same number of processes gives the same bits on every run, and all
  processes the same bits (Open MPI reduces in an order fixed by the number of processes and the message size;
  both processes' results were compared bit for bit in CI).
- Another number of processes gives the same result to Float rounding only: each process sums its share of the
  batch, then the shares are added, in another order than one process does.
- Dropout masks come from each process's own generator: reproducible for a given number of processes, but not
  the masks a one-process run draws.
- Threads do not change results (the built-in kernels give the same bits for any thread count); a system BLAS
  may.
- Timings, and the order in which processes print, vary.

## Failures end the job

Every collective first exchanges a small header (which call, how many elements) between the processes. Different
sizes or different calls on different processes throw a `ProcessGroupError` on every process, naming the call and
what each rank called; a process that reaches the end of its program while others wait in a collective makes them
throw within seconds. A process that crashes or is killed makes `mpirun` end the job. MPI's error handler is set
to return codes, which become `ProcessGroupError.mpiFailure` with MPI's message. Under `mpirun` without a loadable
`libmpi`, `ProcessGroup.current()` throws an error listing the library names tried and how to install Open MPI.

## Cost on a cluster

Each step sends the gradients once through an allreduce. A ring allreduce over p processes moves
2(p−1)/p × B bytes per process for B bytes of gradients, plus 2(p−1) message latencies α, so

  step time ≈ compute(batch per process) + 2(p−1)/p × B ÷ link bandwidth + 2(p−1)·α

(`fit` does not overlap the allreduce with the backward pass, as PyTorch's DDP does by buckets). For the wide MLP
784-512-512-10, B = 669,706 Float gradients = 2.68 MB, and one step of batch 128 computes in 8–11 ms on one
thread of this machine when it is quiet (the performance notes; 9.5–33 ms in this session's runs). On paper,
with α neglected and 10 ms of compute:

| link | p = 2 | p = 8 | p = 32 |
|---|---|---|---|
| 10 Gb/s Ethernet (1.25 GB/s): allreduce | 2.1 ms | 3.8 ms | 4.2 ms |
| efficiency, batch 128 per process (compute 10 ms) | 82 % | 73 % | 71 % |
| efficiency, batch 32 per process (compute 2.5 ms) | 54 % | 40 % | 38 % |
| 100 Gb/s InfiniBand (12.5 GB/s): allreduce | 0.21 ms | 0.38 ms | 0.42 ms |
| efficiency, batch 128 per process | 98 % | 96 % | 96 % |
| efficiency, batch 32 per process | 92 % | 87 % | 86 % |

Latency matters for small models and many processes: with α ≈ 30 µs on Ethernet, 32 processes add 2 ms per step.
The digits MLP (17,226 parameters, 69 KB) computes a step of batch 32 in about 0.1 ms, so it cannot gain from
more processes: its step is all latency.

Measured on this 2-core machine with `swift run -c release --package-path Benchmarks autodiff-benchmarks
distributed` (one process, then the same program started under `mpirun -np 2`: shared memory between the
processes, one thread each) and `Benchmarks/peers/allreduce_mpi4py.py` (NumPy through mpi4py on the same Open MPI
4.1.4). Other programs were compiling on the same two cores during the whole session (load average 4–10), and
processes that must meet at every step suffer from that far more than one process does: the one waiting can only
go on when the scheduler runs the other. Over 10–24 runs:

| | 1 process, 1 thread | 1 process, 2 threads | 2 processes |
|---|---|---|---|
| digits epoch, global batch 32 | 4.0–14.3 ms | 4.1–17.5 ms | 4.4–4.5 ms at the quietest (load 3.7); 48–136 ms under load (28–420 ms before waiting processes yielded their core) |
| wide step, global batch 128 | 9.5–33 ms | 6.8–31 ms | 5.0–6.3 ms at the quietest; 25–44 ms under load |

| allreduce, 2 processes: median (range) | ours | mpi4py |
|---|---|---|
| the wide MLP's gradients, 2.55 MiB | 3.9 ms (0.36–21) | 1.0 ms (0.25–10.5) |
| 1 MiB | 0.43 ms (0.11–7.9) | 0.36 ms (0.11–3.6) |
| 64 MiB | 225 ms (92–329) | 184 ms (81–264) |
| the header exchanged before each collective (a barrier) | 1–5 µs at load 4 | — |

So on this machine: the digits MLP cannot gain from a second process (0.1 ms of compute per step against two
meetings per step); the wide step gains 1.5–1.9× (efficiency 75–95 %) when the cores are free, and loses when
they are not. Large messages run at memory speed for both libraries, which the compilers shared. The formula with
the measured inputs: at the quietest, the 2.68 MB allreduce took 0.36 ms over shared memory (2(p−1)/p × B ÷ time
= 7.4 GB/s), 4 % of a 9.5 ms step; two processes then need half the compute (4.8 ms) plus that, 5.1 ms, against
the 5.0–6.3 ms measured. On the wide gradients our allreduce took 1.4× mpi4py's time at best (0.36 against
0.25 ms) and about 4× in the median under load: the header exchanged first is one more meeting of the processes,
which costs 1–5 µs when the cores are free and up to a scheduler time slice when they are not. For 1 MiB and
64 MiB the medians are within 25 %.
"""),
("ConvolutionalNetworks", "Convolutional networks", """
Images are `[N, C, H, W]` (batch, channels, height, width) and sequences `[N, C, L]`, as in PyTorch.
`conv2d(x, filter: w, bias: b, stride:, padding:, dilation:, groups:)` slides each filter `w[o]`
(`[O, C/groups, kH, kW]`) over the zero-padded input and gives one map per filter, `[N, O, outH, outW]`, with

    out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1        (and likewise for W)

so a 3×3 filter with padding 1 and stride 1 keeps the size, and stride 2 halves it. `dilation` spaces the
filter's taps apart (a 3×3 filter with dilation 2 covers 5×5). `groups` splits the C input channels into that
many groups of C/groups, each convolved with its own O/groups filters: the filter's axis 1 is C/groups, and
`groups == C` is a *depthwise* convolution (one filter per channel). `conv1d` is the same on sequences;
`maxPool2d` and `avgPool2d` take the maximum or mean of each `kernelSize × kernelSize` window (the stride
defaults to the kernel size; `avgPool2d` counts padding zeros in the mean, PyTorch's default).

The layers `Conv2D`, `Conv1D`, `MaxPool2D`, `AvgPool2D`, `Flatten` and `BatchNorm` name and lay out their
parameters like PyTorch's (`"weight"` `[O, C/groups, k, k]`, `"bias"` `[O]`; a layer with `activation:` counts
as two modules). `BatchNorm` normalizes each channel (axis 1 of `[N, C]` or `[N, C, H, W]`): in training mode
with the batch's mean and variance, moving its running statistics 10% towards them (momentum 0.1, with the
unbiased variance for `running_var`, and counting `num_batches_tracked`); in evaluation mode with the running
statistics, so that a sample's output no longer depends on the rest of its batch. `model.eval()` and
`predict` switch it, as they switch off dropout; the running statistics are saved in parameter files as
buffers (`running_mean`, `running_var` F32, `num_batches_tracked` I64), which PyTorch's
`load_state_dict(strict=True)` accepts. PyTorch's options have the same effect on the entries: `Conv2D(…, bias:
false)` has only `"weight"`; `BatchNorm(featureCount:, affine: false)` has no `weight` and `bias` (the buffers
only), and `BatchNorm(featureCount:, trackRunningStatistics: false)` no buffers (it normalizes with the batch's
statistics in evaluation mode too).
""", """
let x = Tensor<Float>.ones(shape: [2, 3, 8, 8])                  // 2 images, 3 channels, 8×8
let w = Tensor<Float>.ones(shape: [4, 3, 3, 3])                  // 4 filters over the 3 channels
#expect(conv2d(x, filter: w, padding: 1).shape == [2, 4, 8, 8])
#expect(conv2d(x, filter: w, stride: 2).shape == [2, 4, 3, 3])   // ⌊(8 − 2 − 1) / 2⌋ + 1 = 3
#expect(conv2d(x, filter: w, padding: 2, dilation: 2).shape == [2, 4, 8, 8])
let depthwise = Tensor<Float>.ones(shape: [3, 1, 3, 3])          // groups == channels: one filter per channel
#expect(conv2d(x, filter: depthwise, padding: 1, groups: 3).shape == [2, 3, 8, 8])
#expect(maxPool2d(x, kernelSize: 2).shape == [2, 3, 4, 4])
#expect(conv1d(Tensor<Float>.ones(shape: [2, 3, 10]), filter: .ones(shape: [5, 3, 3])).shape == [2, 5, 8])

let model = Sequential {
    Conv2D(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, activation: relu)
    BatchNorm(featureCount: 8)
    MaxPool2D(kernelSize: 2)
    Flatten()
    Dense(inputSize: 8 * 4 * 4, outputSize: 10)
}
#expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"])
#expect(model.namedBuffers.map(\.name) == ["2.running_mean", "2.running_var", "2.num_batches_tracked"])
let images = Tensor<Float>.randomUniform(shape: [16, 1, 8, 8])
let norm = model.layers[1] as! BatchNorm
_ = model(images)                          // training mode: batch statistics; the running ones move towards them
#expect(norm.batchesTracked.value.scalar == 1)
model.eval()                               // evaluation: the running statistics, left unchanged
let alone = model.predict(images[0..<4]), inBatch = model.predict(images)[0..<4]
#expect(zip(alone.scalars, inBatch.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
#expect(norm.batchesTracked.value.scalar == 1)
""", """
Each convolution is one matrix product per group for the whole batch on the unfolded input (im2col), and its
derivative rules are matrix products too: the input's gradient is the transposed convolution fold(Wᵀ·g), the
filter's g·unfold(x)ᵀ, the bias's the sum of g over the batch and the positions. They are written with
differentiable operations, so second derivatives work, and `gradcheck` checks them
(`swift run gradcheck --op conv2d,maxPool2d --order 2`, or an expression such as
`'sum(conv2d(x, filter: w, stride: 2, padding: 1) ^ 2)' --shape x=1x2x5x5 w=3x2x3x3`). The playground's
chapter 11 trains a CNN on the digits and reports its test accuracy over 8 seeds. Its images are standardized
first (minus the training pixels' mean, divided by their standard deviation, like torchvision's `Normalize`):
from pixels scaled to [0, 1] the same network ends about 0.007 lower on average, in PyTorch as here.
"""),
("DebuggingGradients", "Debugging gradients", """
When training goes wrong the tape can show what it did. `withAnomalyDetection` finds the first operation that
made a NaN or an infinity out of finite numbers, forward or in its derivative rule, and names the line of your
code that recorded it (PyTorch's `detect_anomaly`). `graph()` draws the recorded graph with every value and
gradient (micrograd's `draw_dot`). Hooks see and change gradients as `backward()` computes them (PyTorch's
`register_hook`). When `checkGradients` fails on a function of yours, it also finds the operation whose own
rule is wrong. And `withTapeTrace` prints the tape entry by entry, as recorded and as differentiated.
""", """
// The first NaN or infinity, named with the line that recorded it.
let x = Variable(Tensor<Double>([1, 2, 3]))
let anomaly = #expect(throws: AnomalyError.self) {
    try withAnomalyDetection {
        let loss = log(x - 1).sum()             // log(0) = -inf
        loss.backward()
    }
}
#expect(anomaly?.operation == "log" && anomaly?.phase == .forward && anomaly?.file.hasSuffix(".swift") == true)

// Hooks: clip a parameter's gradient norm to 1, and log the norms.
let w = Variable(Tensor<Double>([3, -4]))
var norms: [Double] = []
let clipping = w.registerHook { g in
    let norm = (g * g).sum().scalar.squareRoot()
    norms.append(norm)
    return norm > 1 ? g / norm : g
}
(w * w).sum().backward()                        // dL/dw = 2w = [6, -8], norm 10
#expect(norms == [10] && w.grad == Tensor([0.6, -0.8]))
clipping.remove()

// The graph, with values and (after backward(retainGraph: true)) gradients.
let a = Variable(2.0), b = Variable(-3.0)
let y = a * b + a
y.backward(retainGraph: true)
let graph = y.graph()
#expect(graph.nodes.map(\\.operation) == ["leaf", "leaf", "*", "+"])
#expect(graph.nodes.map(\\.gradient) == ["-2", "2", "1", "1"])
#expect(graph.dot.hasPrefix("digraph") && graph.mermaid.hasPrefix("flowchart") && graph.svg.hasPrefix("<svg"))

// A model's graph, one node per layer.
let model = Sequential {
    Dense(inputSize: 2, outputSize: 3, activation: relu)
    Dense(inputSize: 3, outputSize: 1)
}
let output = model(Tensor<Float>([[1, 2]])).sum()
let layers = output.graph(collapsingGroups: true).nodes.filter { $0.kind == .group }
#expect(layers.map(\\.operation) == ["0: Dense", "1: Dense"])

// A wrong rule inside a composite is located.
let broken = DifferentiableFunction<Double>(name: "brokenSquare", forward: { $0[0] * $0[0] },
                                            pullback: { g, xs, _ in [g * xs[0]] })   // should be g·2x
let report = checkGradients(of: { xs in (exp(broken(tanh(xs[0]))) * xs[0]).sum() }, at: [Tensor([0.5, -1])])
#expect(!report.passed && report.faultyRule?.operation == "brokenSquare")

// The tape, entry by entry.
var lines: [String] = []
withTapeTrace(to: { lines.append($0) }) {
    let p = Variable(2.0)
    (p * p).backward()
}
// #0 leaf = 2, #1 = #0 * #0 = 4, #1 *: gradient 1, → #0 (leaf) += 2 (twice), #0 leaf: gradient 4
// (node numbers are positions on the thread's tape: here after the graph of y above, which is still alive)
#expect(lines.count == 6 && lines[1].hasSuffix(" * #\(lines[0].dropFirst().prefix { $0 != " " }) = 4"))
#expect(lines[2].hasSuffix("*: gradient 1") && lines[5].hasSuffix("leaf: gradient 4"))
""", """
**Anomaly detection.** Printing an `AnomalyError` gives one message: the operation, the phase, the input
shapes, whether the inputs were finite, the place and what to do, e.g.

```text
log (forward): log produced an infinity (-inf) from finite inputs of shape [3], at App/Train.swift:42.
Fix: log needs x > 0: clamp its input (max(x, 1e-12)) or use a stable form (logSoftmax, softplus, log1p); ...
```

The origin is reported, not the propagation: a NaN made by `log` and carried through ten more operations names
`log`. Backward, a rule is reported when it turns a finite gradient into a NaN or an infinity (`sqrt` at 0,
`pow(x, 0.5)` at 0, a custom rule returning NaN). Functions, methods and layers (`log(x)`, `x.sum()`,
`matmul`, a `DifferentiableFunction`, `model(x)`) are named with the exact line. Operators (`+ - * /`) get no
call site from Swift, and the activations (`relu`, `tanh`, `sigmoid`, `softplus`, `gelu`, `silu`) take none so
that they stay usable as values (`activation: relu`) without a second overload for every call to type-check
(they make no NaN from finite inputs anyway): for these `placeIsExact` is false, `file` and `line` are those of
the nearest operation recorded with a place (usually the enclosing call on the same line, or the layer), and
`note` says so. Code of your own built from other operations (a layer, a loss) can attribute everything it
records to its caller with `withCallerPlace(file:line:) { … }`.

Inside the block every recorded value and every rule's result is scanned, and the place of each operation is
kept: it runs several times slower. Outside, recording tests one thread-local flag and nothing else (the scalar
benchmark is unchanged). Detection is per thread, like the tape, and scopes nest.

**Graphs.** Each node shows its operation, shape, value (tensors of up to 6 elements, with at least 4 decimals
where not an integer) and gradient once a backward pass from the drawn value has run with `retainGraph: true`
(leaves show their accumulated `grad`). `graph.svg` is laid out by the library in columns by tape order, with
nodes ordered to keep edges from crossing; it stays readable to a few hundred nodes. A `Sequential` records each
layer as a group, and `graph(collapsingGroups: true)` draws one node per layer; group your own blocks with
`x.grouped("name") { … }`. `graph.dot` renders with Graphviz (`dot -Tpng`), `graph.mermaid` in Markdown pages.

**Hooks.** A hook on a leaf gets each backward pass's gradient before it is added into `grad`; on a computed
value, its gradient once every use has contributed; what it returns is used instead, upstream too. Hooks run
with recording off.

**A faulty rule.** When a first-order check fails, each recorded operation's own rule is checked by finite
differences at the values it saw, in tape order; `report.faultyRule` is the first that disagrees (operation,
place, input, element, the rule's and the numerical derivative), and `print(report)` shows it. Every primitive
is re-checked this way, convolutions and pooling included (a `conv2d` whose filter rule is wrong is named as
`conv2d`, input 1); at a kink (ReLU at 0, a tie for a window's maximum) a rule giving either one-sided slope
counts as right. `gradcheck` prints it too and its `--json` carries it as `faultyRule`. Playground chapter 13
shows it on a broken rule.

**The trace.** `swift run playground tape --trace` prints chapter 1's tape as it is recorded and as `backward()`
applies each rule: micrograd's lecture, in text.
"""),
("SequenceModels", "Sequence models", """
Sequences are batches shaped `[N, T, …]`: N sequences of T steps, each step a vector of features (or, before an
embedding, one index). `Embedding(vocabularySize:embeddingSize:)` turns whole-number class indices stored as
`Float` (`[N, T]`) into vectors (`[N, T, E]`); `LSTM(inputSize:hiddenSize:)` and `GRU(inputSize:hiddenSize:)`
read the steps in order from a zero state and return every hidden state (`[N, T, H]`); `Dense` acts on the last
axis, so it maps each step to logits (`[N, T, classes]`); and `softmaxCrossEntropy(logits:labels:)` takes those
logits with N·T labels in row-major order (step t of sequence n is label `n·T + t`), averaging over all N·T.
Every layer has PyTorch's parameter names and layouts (`batch_first=True`), so weights move both ways
through a safetensors file.
""", """
// Each name: the boundary 0, then its letters a = 1 … z = 26; the model predicts the next character at every step.
let names = [[5, 13, 13, 1], [12, 9, 1, 13]]                     // "emma", "liam": equal lengths, one batch
let inputs = Tensor<Float>(shape: [2, 5], scalars: names.flatMap { [0] + $0 }.map(Float.init))
let labels = names.flatMap { $0 + [0] }                           // N·T = 10 next characters
let model = withRandomSeed(0) {
    Sequential {
        Embedding(vocabularySize: 27, embeddingSize: 8)           // [2, 5] -> [2, 5, 8]
        LSTM(inputSize: 8, hiddenSize: 32)                        // -> [2, 5, 32]
        Dense(inputSize: 32, outputSize: 27)                      // -> [2, 5, 27]
    }
}
#expect(model.namedParameters.map(\.name).contains("1.weight_ih_l0"))
let optimizer = Adam(for: model, learningRate: 0.02)
for _ in 0..<100 {
    optimizer.zeroGrad()
    softmaxCrossEntropy(logits: model(inputs), labels: labels).backward()
    optimizer.step()
}
// Nearly learned by heart (ln 27 = 3.3 before), but for the first letter: e or l is a coin toss.
#expect(softmaxCrossEntropy(logits: model(inputs), labels: labels).value.scalar < 0.2)

// Causal self-attention: position t sees positions ≤ t only, so changing the last step leaves the others alone.
let attention = withRandomSeed(1) { MultiHeadAttention(embeddingSize: 8, headCount: 2, causal: true) }
var rng = SeededGenerator(seed: 2)
let x = Tensor<Float>.randomNormal(shape: [1, 4, 8], using: &rng)
var changed = x.scalars
changed[31] += 1                                                  // the last step's last feature
let (a, b) = (attention(x).value, attention(Tensor(shape: [1, 4, 8], scalars: changed)).value)
#expect(a[0..<1, 0..<3] == b[0..<1, 0..<3] && a[0..<1, 3..<4] != b[0..<1, 3..<4])

// Sampling: seeded, with a temperature; a fixed seed gives the same name every time.
var sampler = SeededGenerator(seed: 7)
let letters = model.sample(prompt: [0], maxNewCount: 10, stopIndex: 0, temperature: 0.5, using: &sampler)
#expect(letters == [5, 13, 13, 1] || letters == [12, 9, 1, 13])  // it only knows these two names
""", """
## The gates

An LSTM keeps a cell state c beside the hidden state h. From the step's input x and the previous h, four gates
are computed at once as `[x h]·[W U]ᵀ + b` (rows of `weight_ih_l0` `[4H, I]` and `weight_hh_l0` `[4H, H]` in
PyTorch's order i, f, g, o): i = σ(…) decides how much of the candidate g = tanh(…) enters the cell, f = σ(…)
how much of the old cell stays, and o = σ(…) how much of tanh(c) shows as h:

    c ← f ⊙ c + i ⊙ g        h ← o ⊙ tanh(c)

A GRU has three gates (r, z, n; `[3H, …]`) and no separate cell: r = σ(…), z = σ(…),
n = tanh(Wₙx + bₙ + r ⊙ (Uₙh + b'ₙ)) and h ← (1 − z) ⊙ n + z ⊙ h, with r multiplying the recurrent part
after its bias, exactly as PyTorch does. Gradients flow back through every step (backpropagation through time)
through a rule: `LSTM` and `GRU` each run as one fused operation over the whole sequence (gate functions on
vector kernels), checked against the layer composed step by step, and every layer's outputs and parameter
gradients match PyTorch's (fixtures in the tests).

## Masks and causality

`scaledDotProductAttention(query:key:value:causal:)` computes softmax(Q·Kᵀ/√d)·V over `[N, heads, T, d]`
(PyTorch's `F.scaled_dot_product_attention`). With `causal: true`, query t may use keys 0…t only: the scores
above the diagonal are replaced with `select` by the lowest finite number, so their weights are exactly 0 and
receive no gradient, and no infinity ever appears (anomaly detection stays quiet). A model that predicts the
next element must be causal, or it would read the answer. `MultiHeadAttention` (`in_proj_weight` `[3E, E]`,
`in_proj_bias`, `out_proj.weight`, `out_proj.bias`) splits E into heads of E / heads features, attends per head
and joins them.

## Feeding indices

Indices go in as `Float` tensors holding whole numbers, so an `Embedding` can open a `Sequential`; anything else
(a fraction, a negative number, an index ≥ the vocabulary) stops with a message naming the element and your
line. Sequences in one batch share T: group sequences of equal length (as the playground's sequence chapter
does), or pad them and weight the loss terms — `softmaxCrossEntropy(logits:labels:reduction: .none)` gives the
N·T terms to multiply by a mask before averaging.

## Sampling

`sampleIndex(logits:temperature:using:)` draws one index from softmax(logits / temperature) with a
`SeededGenerator` (temperature 0: the most likely index). `sampleSequence(prompt:maxNewCount:stopIndex:temperature:using:logits:)`
extends a prompt one index at a time from any function of the sequence so far to logits — a count table, an MLP
over a window, a recurrent model. For a model that is a `Layer` over `[1, T]` indices, `model.sample(…)` does the
feeding: it takes the last position's logits (or the `[1, classes]` output of a fixed-window model, with
`window:`), runs in evaluation mode and records nothing. `swift run -c release playground sequences` trains a
bigram table, an MLP, an LSTM and a small transformer on 5,163 first names and prints names each one invents.
"""),
]

tests = ['''// Generated by Scripts/make-guide.py with the Guide pages: every code block of Docs/Guide runs here.
import Foundation
import Testing
import NN
import DistributedTraining

@Suite("Docs/Guide code blocks")
struct DocsGuideTests {''']
for slug, title, intro, code, outro in pages:
    body = [f"# {title}", "", textwrap.dedent(intro).strip(), "", "```swift", textwrap.dedent(code).strip(), "```", ""]
    if outro.strip():
        body += [textwrap.dedent(outro).strip(), ""]
    (root / "Docs/Guide" / f"{slug}.md").write_text("\n".join(body))
    snippet = textwrap.indent(textwrap.dedent(code).strip(), "        ")
    tests.append(f'''
    @Test("{title}")
    func guide{slug}() throws {{
        // BEGIN DOCS SNIPPET
{snippet}
        // END DOCS SNIPPET
    }}''')
tests.append("}\n")
(root / "Tests/NNTests/DocsGuideTests.swift").write_text("\n".join(tests))
index = ["# The guide", ""] + [f"- [{title}]({slug}.md)" for slug, title, *_ in pages]
(root / "Docs/Guide/README.md").write_text("\n".join(index) + "\n")
