// swift-tools-version: 6.0
import Foundation
import PackageDescription

// The benchmarks live in their own package so that users of AutoDiff never build them.
// A path dependency's identity is its folder's name, which depends on where the repository was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "Benchmarks",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "autodiff-benchmarks",
            dependencies: [.product(name: "AutoDiff", package: root), .product(name: "NN", package: root),
                           .product(name: "DistributedTraining", package: root)],
            path: "Sources/Benchmarks"
        ),
    ]
)
