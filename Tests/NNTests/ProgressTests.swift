import Testing
@testable import NN

@Suite("Progress output")
struct ProgressTests {
    final class Capture: @unchecked Sendable {
        var text = ""
    }

    func run(_ verbosity: Verbosity) -> String {
        let capture = Capture()
        let reporter = ProgressReporter(verbosity: verbosity, epochs: 2, batches: 3) { capture.text += $0 }
        for epoch in 0..<2 {
            reporter.epochBegan(epoch)
            for b in 0..<3 { reporter.batchEnded(b, loss: 0.5, accuracy: 0.75) }
            reporter.epochEnded(EpochLogs(epoch: epoch, loss: 0.5, accuracy: 0.75, validationLoss: 0.625, validationAccuracy: 0.5))
        }
        return capture.text
    }

    @Test("one plain line per epoch when output is not a terminal")
    func perEpoch() {
        let lines = run(.perEpoch).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("epoch 1/2  loss 0.5000  accuracy 0.7500  validation loss 0.6250  validation accuracy 0.5000  "))
        #expect(lines[1].hasPrefix("epoch 2/2  loss 0.5000"))
    }

    @Test("a progress bar redrawn in place: epoch, batch, loss, accuracy and time left")
    func bar() {
        let text = run(.progressBar)
        #expect(text.contains("\repoch 2/2 [========================] 3/3  loss 0.5000  accuracy 0.7500  ETA "))
        #expect(text.contains("\repoch 1/2  loss 0.5000"))
        #expect(text.split(separator: "\n").count == 2)
    }

    @Test("silent writes nothing")
    func silent() { #expect(run(.silent).isEmpty) }
}
