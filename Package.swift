// swift-tools-version: 6.0
import PackageDescription

// Zero package dependencies: users embed AutoDiff without pulling anything else.
// Benchmarks live in their own package under Benchmarks/.
let package = Package(
    name: "AutoDiff",
    products: [
        .library(name: "AutoDiff", targets: ["AutoDiff"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "NN", targets: ["NN"]),
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
        // The tensor values (storage, math, shapes, reductions, linear algebra, convolution kernels, BLAS loading,
        // threads): no differentiation. AutoDiff re-exports it, so `import AutoDiff` brings `Tensor` too.
        .target(name: "TensorCore", dependencies: ["CKernels"]),
        .target(name: "AutoDiff", dependencies: ["TensorCore"]),
        .target(name: "NN", dependencies: ["AutoDiff", "CKernels"]),
        .target(name: "GradCheckCore", dependencies: ["AutoDiff"]),
        // Data parallelism over Open MPI, loaded at run time (no build dependency on MPI).
        .target(name: "DistributedTraining", dependencies: ["NN", "AutoDiff"]),
        // Checks run under `mpirun -np 2` by .ci/run (collectives, broadcast, fit equivalence, failures).
        .executableTarget(name: "MPIChecks", dependencies: ["DistributedTraining", "NN"], path: "Tests/MPIChecks"),
        .executableTarget(name: "GradCheck", dependencies: ["GradCheckCore"]),
        .executableTarget(name: "Playground", dependencies: ["NN"]),
        .executableTarget(name: "GradCheckFixture", dependencies: ["AutoDiff", "GradCheckCore"],
                          path: "Tests/Fixtures/GradCheckFixture"),
        // Tensor values alone (no AutoDiff): making tensors, the shape checks.
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff"], exclude: ["Fixtures"]),   // read by path
        .testTarget(name: "NNTests", dependencies: ["NN", "AutoDiff", "DistributedTraining"], exclude: ["Fixtures"]),   // read by path
        .testTarget(name: "GradCheckTests", dependencies: ["GradCheck", "GradCheckFixture"]),
        .testTarget(name: "PlaygroundTests", dependencies: ["Playground"]),
    ]
)
