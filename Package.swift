// swift-tools-version: 6.0
import PackageDescription

// Zero package dependencies: users embed AutoDiff without pulling anything else.
// Benchmarks live in their own package under Benchmarks/.
let package = Package(
    name: "AutoDiff",
    products: [
        .library(name: "AutoDiff", targets: ["AutoDiff"]),
        .library(name: "NN", targets: ["NN"]),
    ],
    targets: [
        .target(name: "AutoDiff"),
        .target(name: "NN", dependencies: ["AutoDiff"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "AutoDiff"]),
    ]
)
