// swift-tools-version: 6.0
import PackageDescription

// Zero package dependencies: users embed AutoDiff without pulling anything else.
// Benchmarks live in their own package under Benchmarks/.
// The playground's chapters (Sources/Playground/Chapters) by the module that compiles them: those that need only
// AutoDiff, and the others in two halves of about equal compile time.
let chaptersAutoDiff = ["Chapter01Tape.swift", "Chapter02Neuron.swift", "Chapter13Trust.swift"]
let chaptersNN1 = ["Chapter03Layer.swift", "Chapter04Losses.swift", "Chapter05Descent.swift", "Chapter06XOR.swift",
                   "Chapter07Classifier.swift"]
let chaptersNN2 = ["Chapter08Optimizers.swift", "Chapter09Overfitting.swift", "Chapter10Digits.swift",
                   "Chapter11Convolutions.swift", "Chapter12Sequences.swift"]
let chapters = chaptersAutoDiff + chaptersNN1 + chaptersNN2

let package = Package(
    name: "AutoDiff",
    products: [
        .library(name: "AutoDiff", targets: ["AutoDiff"]),
        .library(name: "TensorCore", targets: ["TensorCore", "TensorMath", "TensorLinearAlgebra"]),
        .library(name: "NN", targets: ["NN", "NNData", "NNKernels"]),
        .library(name: "DistributedTraining", targets: ["DistributedTraining"]),
        .executable(name: "gradcheck", targets: ["GradCheck"]),
        .executable(name: "playground", targets: ["Playground"]),
    ],
    targets: [
        // Vector kernels in C: Float32 matrix multiplication (AVX2 + FMA, or AVX-512), Adam's update (AVX-512,
        // or SSE) and eˣ, σ, tanh (AVX-512, or the baseline's vectors), each instruction set chosen at run time
        // by what the processor supports, through per-function target attributes: no compiler flags.
        // AUTODIFF_NO_AVX512=1 in the environment keeps to AVX2 and the baseline.
        .target(name: "CKernels"),
        // The tensor values, in three targets so that a release build compiles the two larger ones side by side:
        // TensorCore (storage, shapes and their checks, the elementwise and broadcasting loops, reshaping and
        // transposing, threads), then TensorMath (arithmetic, elementwise functions, comparisons, slicing,
        // gathering, concatenation) beside TensorLinearAlgebra (reductions, softmax, matrix products,
        // convolution and pooling, the C kernels' and the system BLAS's entry points). No differentiation:
        // AutoDiff re-exports all three, so `import AutoDiff` brings `Tensor` and everything on it.
        .target(name: "TensorCore"),
        .target(name: "TensorMath", dependencies: ["TensorCore"]),
        .target(name: "TensorLinearAlgebra", dependencies: ["TensorCore", "CKernels"]),
        // The graph pictures: `TapeGraph` and its DOT, Mermaid and SVG (laid out here), from plain nodes; AutoDiff
        // re-exports it. On its own so that a release build compiles it beside TensorCore.
        .target(name: "TapeDrawing"),
        .target(name: "AutoDiff", dependencies: ["TensorCore", "TensorMath", "TensorLinearAlgebra", "TapeDrawing"]),
        // NN's data side (data sets, scaling, one-hot encoding, CSV tables, safetensors files) needs only the
        // tensor values: on its own, a release build compiles it beside AutoDiff. NN re-exports it.
        .target(name: "NNData", dependencies: ["TensorCore", "TensorMath", "TensorLinearAlgebra"]),
        // The fused LSTM's and GRU's loops on raw buffers and the vector kernels they run on: no tape, so a release
        // build compiles them beside AutoDiff too. Package-internal (NN records them as operations). It needs
        // nothing of NNData: that dependency only orders the build (see TourDocument's).
        .target(name: "NNKernels", dependencies: ["TensorCore", "TensorMath", "TensorLinearAlgebra", "CKernels", "NNData"]),
        .target(name: "NN", dependencies: ["AutoDiff", "NNData", "NNKernels", "CKernels"]),
        // The gradient-check tool's logic and the catalog of operations it checks (`PrimitiveCheck.all`), kept out
        // of AutoDiff so that a release build compiles them beside NN.
        .target(name: "GradCheckCore", dependencies: ["AutoDiff"]),
        // Data parallelism over Open MPI, loaded at run time (no build dependency on MPI).
        .target(name: "DistributedTraining", dependencies: ["NN", "AutoDiff"]),
        // Checks run under `mpirun -np 2` by .ci/run (collectives, broadcast, fit equivalence, failures).
        .executableTarget(name: "MPIChecks", dependencies: ["DistributedTraining", "NN"], path: "Tests/MPIChecks"),
        .executableTarget(name: "GradCheck", dependencies: ["GradCheckCore"]),
        // The playground is five modules, so that a release build compiles them side by side: the page and the
        // pictures (Foundation only: beside AutoDiff), the chapters that need only AutoDiff (beside NN), the
        // others in two halves (beside each other), and the executable (the chapter list and the command line).
        // The files stay under Sources/Playground; each target names its own and excludes the others'.
        // (TourDocument imports Foundation only. Its dependency on NNKernels orders the build: TensorCore, then
        // TensorMath beside TensorLinearAlgebra, then AutoDiff beside NNData, NNKernels and TourDocument, one
        // after the other. Without the order, two of them take both job slots ahead of AutoDiff, which the
        // rest waits for.)
        .target(name: "TourDocument", dependencies: ["NNKernels"], path: "Sources/Playground",
                exclude: ["Chapters", "Tour.swift", "main.swift"], sources: ["Document", "Plot"]),
        .target(name: "TourChaptersAutoDiff", dependencies: ["AutoDiff", "TourDocument"], path: "Sources/Playground/Chapters",
                exclude: chapters.filter { !chaptersAutoDiff.contains($0) }, sources: chaptersAutoDiff),
        .target(name: "TourChaptersNN1", dependencies: ["NN", "TourDocument"], path: "Sources/Playground/Chapters",
                exclude: chapters.filter { !chaptersNN1.contains($0) }, sources: chaptersNN1),
        .target(name: "TourChaptersNN2", dependencies: ["NN", "TourDocument"], path: "Sources/Playground/Chapters",
                exclude: chapters.filter { !chaptersNN2.contains($0) }, sources: chaptersNN2),
        .executableTarget(name: "Playground",
                          dependencies: ["NN", "TourDocument", "TourChaptersAutoDiff", "TourChaptersNN1", "TourChaptersNN2"],
                          exclude: ["Chapters", "Document", "Plot"], sources: ["Tour.swift", "main.swift"]),
        .executableTarget(name: "GradCheckFixture", dependencies: ["AutoDiff", "GradCheckCore"],
                          path: "Tests/Fixtures/GradCheckFixture"),
        // Tensor values alone (no AutoDiff): making tensors, the shape checks.
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TensorMath", "TensorLinearAlgebra"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff", "GradCheckCore", "TapeDrawing"], exclude: ["Fixtures"]),   // read by path
        .testTarget(name: "NNTests", dependencies: ["NN", "NNKernels", "AutoDiff", "DistributedTraining"], exclude: ["Fixtures"]),   // read by path
        .testTarget(name: "GradCheckTests", dependencies: ["GradCheck", "GradCheckCore", "GradCheckFixture"]),
        .testTarget(name: "PlaygroundTests", dependencies: ["Playground"]),
    ]
)
