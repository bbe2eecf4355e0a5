import Foundation
import NN

/// What a chapter needs: where pictures go, the seed, and how to write text.
final class Context {
    let outputDirectory: URL
    let seed: UInt64
    /// Whether chapters that can print the tape as it is recorded and differentiated do (`--trace`).
    let trace: Bool
    /// Whether chapters that train for long train briefly instead (`--quick`, for tests).
    let quick: Bool
    private(set) var written: [String] = []

    init(outputDirectory: URL, seed: UInt64, trace: Bool = false, quick: Bool = false) {
        self.outputDirectory = outputDirectory
        self.seed = seed
        self.trace = trace
        self.quick = quick
    }

    func say(_ text: String = "") { print(text) }

    /// Writes an SVG into the output directory and says where it is.
    func save(_ svg: SVG, as name: String) throws {
        let url = outputDirectory.appendingPathComponent(name)
        try svg.write(to: url)
        written.append(name)
        say("  picture: \(url.path)")
    }

    /// Writes an SVG document made by the library (e.g. `TapeGraph.svg`) into the output directory.
    func save(svgText: String, as name: String) throws {
        let url = outputDirectory.appendingPathComponent(name)
        try svgText.write(to: url, atomically: true, encoding: .utf8)
        written.append(name)
        say("  picture: \(url.path)")
    }
}

/// One chapter of the tour.
struct Chapter: Sendable {
    let number: Int
    let name: String
    let title: String
    let run: @Sendable (Context) throws -> Void
}

/// The chapters, in order.
let chapters: [Chapter] = [
    Chapter(number: 1, name: "tape", title: "A scalar expression on the tape", run: tapeChapter),
    Chapter(number: 2, name: "neuron", title: "One neuron and its activations", run: neuronChapter),
    Chapter(number: 3, name: "layer", title: "Forward and backward through a layer", run: layerChapter),
    Chapter(number: 4, name: "losses", title: "Losses, and why logits are stable", run: lossesChapter),
    Chapter(number: 5, name: "descent", title: "Gradient descent and the learning rate", run: descentChapter),
    Chapter(number: 6, name: "xor", title: "XOR with a 2-3-1 sigmoid network", run: xorChapter),
    Chapter(number: 7, name: "classifier", title: "A binary classifier, Keras style", run: classifierChapter),
    Chapter(number: 8, name: "optimizers", title: "Optimizers side by side", run: optimizersChapter),
    Chapter(number: 9, name: "overfitting", title: "Overfitting and its cures", run: overfittingChapter),
    Chapter(number: 10, name: "digits", title: "Handwritten digits", run: digitsChapter),
    Chapter(number: 11, name: "convolutions", title: "Convolutions", run: convolutionsChapter),
    Chapter(number: 12, name: "sequences", title: "Sequences: a character model that invents names", run: sequencesChapter),
    Chapter(number: 13, name: "trust", title: "Trust your gradients", run: trustChapter),
]

func format(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
func format(_ x: Float, _ digits: Int = 4) -> String { format(Double(x), digits) }
