// swift-tools-version: 6.0
import PackageDescription

// The benchmarks live in their own package so that users of AutoDiff never build them.
let package = Package(
    name: "Benchmarks",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "autodiff-benchmarks",
            dependencies: [.product(name: "AutoDiff", package: "main"), .product(name: "NN", package: "main")],
            path: "Sources/Benchmarks"
        ),
    ]
)
