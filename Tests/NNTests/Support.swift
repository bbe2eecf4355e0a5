import Foundation
import NN

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The UCI digits, as a data set with inputs scaled to [0, 1].
func loadDigits() throws -> Dataset {
    var data = try NumericTable(contentsOf: repositoryRoot.appendingPathComponent("Data/digits.csv")).dataset(labelColumn: "label")
    data.inputs = data.inputs / 16
    return data
}

func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("nn-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
}

func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
}
