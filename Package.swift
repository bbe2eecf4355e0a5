// swift-tools-version: 6.0
import PackageDescription

// Zero package dependencies: users embed AutoDiff without pulling anything else.
// Benchmarks live in their own package under Benchmarks/.
let package = Package(
    name: "AutoDiff",
    products: [
        .library(name: "AutoDiff", targets: ["AutoDiff"]),
        .library(name: "NN", targets: ["NN"]),
        .executable(name: "gradcheck", targets: ["GradCheck"]),
        .executable(name: "playground", targets: ["Playground"]),
    ],
    targets: [
        // Vector kernels in C (AVX2 + FMA chosen at run time by per-function target attributes: no flags).
        .target(name: "CKernels"),
        .target(name: "AutoDiff", dependencies: ["CKernels"]),
        .target(name: "NN", dependencies: ["AutoDiff", "CKernels"]),
        .target(name: "GradCheckCore", dependencies: ["AutoDiff"]),
        .executableTarget(name: "GradCheck", dependencies: ["GradCheckCore"]),
        .executableTarget(name: "Playground", dependencies: ["NN"]),
        .executableTarget(name: "GradCheckFixture", dependencies: ["AutoDiff", "GradCheckCore"],
                          path: "Tests/Fixtures/GradCheckFixture"),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff"], exclude: ["Fixtures"]),   // read by path
        .testTarget(name: "NNTests", dependencies: ["NN", "AutoDiff"], exclude: ["Fixtures"]),   // read by path
        .testTarget(name: "GradCheckTests", dependencies: ["GradCheck", "GradCheckFixture"]),
        .testTarget(name: "PlaygroundTests", dependencies: ["Playground"]),
    ]
)
