import Foundation
import NN
import TourDocument

/// Chapter 11: convolutions: what a filter does to a digit (edges, blur, pooling), then a small CNN on the same
/// digits as chapter 10, its accuracy over seeds, and the filters it learned.
@_optimize(none) package func convolutionsChapter(_ context: Context) throws {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Data/digits.csv")
    var data = try NumericTable(contentsOf: file).dataset(labelColumn: "label")
    data.inputs = data.inputs / 16
    var rng = SeededGenerator(seed: 0)
    var (train, test) = data.split(trainCount: 1437, using: &rng)
    // The same split as chapter 10, as images [N, channels, height, width].
    train.inputs = train.inputs.reshaped(to: [-1, 1, 8, 8])
    test.inputs = test.inputs.reshaped(to: [-1, 1, 8, 8])
    context.say("""
    The MLP of chapter 10 sees a digit as 64 unrelated numbers: shift the digit by one pixel and every input
    changes. A convolution slides one small filter over the whole image instead: each output pixel is the
    weighted sum of the 3×3 pixels under the filter, with the same 9 weights everywhere. A filter that
    subtracts the left column from the right one answers "is there a vertical edge here?" at every place;
    one that averages its 9 pixels blurs. conv2d(x, filter: w, padding: 1) takes images [N, C, H, W] and
    filters [O, C, 3, 3]; padding 1 adds a border of zeros so the 8×8 image gives 8×8 maps, one per filter.
    """)
    let digit = test.inputs[test.labels!.firstIndex(of: 0)!].reshaped(to: [1, 1, 8, 8])
    let filters = Tensor<Float>(shape: [3, 1, 3, 3], scalars: [
        -1, 0, 1, -2, 0, 2, -1, 0, 1,     // vertical edges (Sobel)
        -1, -2, -1, 0, 0, 0, 1, 2, 1,     // horizontal edges
        1, 1, 1, 1, 1, 1, 1, 1, 1,        // blur (divided by 9 below)
    ]) * Tensor<Float>(shape: [3, 1, 1, 1], scalars: [1, 1, 1.0 / 9])
    let maps = conv2d(digit, filter: filters, padding: 1)
    let pooled = maxPool2d(abs(maps), kernelSize: 2)
    /// A map's magnitudes scaled to [0, 1] for drawing.
    func magnitude(_ t: Tensor<Float>) -> [Float] {
        let values = t.scalars.map(Swift.abs)
        let top = values.max() ?? 1
        return values.map { top > 0 ? $0 / top : 0 }
    }
    let names = ["vertical edges", "horizontal edges", "blur"]
    var images: [(pixels: [Float], caption: String)] = [(digit.scalars, "a test digit 0")]
    for k in 0..<3 { images.append((magnitude(maps[0][k]), names[k])) }
    for k in 0..<2 { images.append((magnitude(pooled[0][k]), "pooled \(k == 0 ? "vertical" : "horiz.")")) }
    let rows = images.map { Terminal.image($0.pixels) }
    context.say("\n  A digit, its three feature maps (|value|, darker is larger), and two of them after maxPool2d(kernelSize: 2):")
    for r in 0..<8 { context.say("    " + rows.map { r < $0.count ? $0[r] : String(repeating: " ", count: 8) }.joined(separator: "   ")) }
    context.say("    " + images.map { $0.caption.prefix(16).padding(toLength: 16, withPad: " ", startingAt: 0) }.joined(separator: "   "))
    try context.save(ImageStrip(title: "Filters slid over a digit: feature maps, then 2×2 max pooling", images: images).svg(),
                     as: "11-feature-maps.svg")
    context.say("""
    A CNN learns its filters. Two convolutions with ReLU, each followed by 2×2 max pooling, turn the 8×8
    digit into 32 maps of 2×2; Flatten makes them 128 numbers and a Dense layer gives the 10 logits.

    Its inputs are standardized first: minus the mean of the training pixels, divided by their standard
    deviation (two numbers, computed on the training images only and applied to the test images as they
    are: torchvision's Normalize with one channel). Scaled to [0, 1] every input is positive, and then the
    gradients of one filter's 9 weights, each a sum of (gradient at an output) × (input pixel), all take
    the sign of the output's gradient: they can only grow together or shrink together, and training
    zig-zags (LeCun et al., "Efficient BackProp", 1998: centre the inputs, scale them to a spread of 1).
    Standardized, the blank background is a constant below 0 and the strokes lie above it. It matters here:
    over seeds 0…7 on this split, PyTorch's identical network (its own initialization and shuffling,
    Benchmarks/peers/cnn_seeds_torch.py) reaches 0.979 on average from pixels / 16 and 0.986 standardized;
    ours, 0.977 and 0.984.
    """)
    let pixels = train.inputs.scalars
    let mean = pixels.reduce(0, +) / Float(pixels.count)
    let deviation = (pixels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(pixels.count)).squareRoot()
    let trainImages = (train.inputs - mean) / deviation, testImages = (test.inputs - mean) / deviation
    let trainLabels = train.labels!, testLabels = test.labels!
    context.say("  training pixels: mean \(format(mean, 3)), standard deviation \(format(deviation, 3)); " +
                "a blank pixel becomes \(format(-mean / deviation, 3))")
    func makeCNN(batchNorm: Bool) -> Sequential {
        Sequential {
            Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 3, padding: 1, activation: relu)   // [N, 16, 8, 8]
            if batchNorm { BatchNorm(featureCount: 16) }
            MaxPool2D(kernelSize: 2)                                                                    // [N, 16, 4, 4]
            Conv2D(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1, activation: relu)  // [N, 32, 4, 4]
            MaxPool2D(kernelSize: 2)                                                                    // [N, 32, 2, 2]
            Flatten()                                                                                   // [N, 128]
            Dense(inputSize: 128, outputSize: 10)
        }
    }
    // --quick (tests in a debug build): 3 epochs and 2 seeds instead of 30 epochs and 8.
    let epochs = context.quick ? 3 : 30
    /// The CNN trained from `seed` (initial weights and batch order): the model and its history.
    func trainCNN(seed: UInt64, batchNorm: Bool = false) throws -> (model: Sequential, history: History) {
        try withRandomSeed(seed) {
            let model = makeCNN(batchNorm: batchNorm)
            let history = try model.fit(trainImages, trainLabels, loss: .softmaxCrossEntropy,
                                        optimizer: Adam(for: model, learningRate: 1e-3), epochs: epochs, batchSize: 32,
                                        validation: (testImages, testLabels), verbosity: .silent,
                                        generator: SeededGenerator(seed: seed))
            return (model, history)
        }
    }
    let seeds = Array(context.seed..<(context.seed + (context.quick ? 2 : 8)))
    let start = Date()
    var runs: [(model: Sequential, history: History)] = []
    for seed in seeds { runs.append(try trainCNN(seed: seed)) }
    let seconds = Date().timeIntervalSince(start)
    let (model, history) = runs[0]
    let accuracies = runs.map { Double($0.history.validationAccuracy.last!) }
    let meanAccuracy = accuracies.reduce(0, +) / Double(accuracies.count)
    context.say("  \(model.parameterCount) parameters (the MLP of chapter 10 has 17,226); Adam 1e-3, batch 32, \(epochs) epochs, " +
                "\(seeds.count) seeds in \(format(seconds, 1)) s")
    context.say("  accuracy per epoch  " + Terminal.sparkline(history.validationAccuracy.map(Double.init)))
    context.say("\n  CNN test accuracy \(format(accuracies[0])) on the 360 held-out digits of chapter 10 (seed \(seeds[0]))")
    context.say("  over \(seeds.count) seeds (\(seeds.first!)…\(seeds.last!)): mean \(format(meanAccuracy)), " +
                "lowest \(format(accuracies.min()!)), highest \(format(accuracies.max()!))")
    context.say("  per seed: " + accuracies.map { format($0) }.joined(separator: " "))
    context.say("""

    One run is one draw of the initial weights and the batch order, so a single accuracy says little; the
    mean and spread over seeds do. The MLP of chapter 10 reaches 0.970 with dropout. A BatchNorm after the
    first convolution rescales each of its 16 maps to mean 0 and variance 1 over the batch (then learns a
    scale and shift per map): the second convolution then sees inputs of a steady size while the first
    one's filters change. In evaluation mode (predict, and the test accuracy) it uses running averages of
    those statistics instead. The same seed with it:
    """)
    let normalized = try trainCNN(seed: seeds[0], batchNorm: true)
    context.say("  with BatchNorm: test accuracy \(format(normalized.history.validationAccuracy.last!)) (seed \(seeds[0]))")
    context.say("""

    Both networks over seeds 0…7, and PyTorch's twin of the plain one started from the same weights on the
    same batches (its epoch time beside ours):
      swift run -c release --package-path Benchmarks autodiff-benchmarks cnn-seeds
      python3 Benchmarks/peers/compare.py

    The 16 filters the first layer learned (grey is 0, darker positive, lighter negative), and what the
    first eight make of the digit above (all 16 in the pictures):
    """)
    let conv = model.layers[0] as! Conv2D
    let learned = (0..<16).map { conv.weight.value[$0][0].scalars }
    let scale = learned.flatMap { $0.map(Swift.abs) }.max() ?? 1
    let filterImages = learned.enumerated().map { k, w in (pixels: w.map { 0.5 + 0.5 * $0 / scale }, caption: "filter \(k)") }
    let filterRows = filterImages.map { Terminal.image($0.pixels) }
    for half in [filterRows.prefix(8), filterRows.suffix(8)] {
        for r in 0..<3 { context.say("    " + half.map { $0[r] }.joined(separator: "  ")) }
        context.say()
    }
    try context.save(ImageStrip(title: "The first layer's 16 learned 3×3 filters (grey 0, dark positive, light negative)",
                                images: filterImages).svg(), as: "11-learned-filters.svg")
    let standardizedDigit = (digit - mean) / deviation
    let activations = withoutGradients { conv(Variable(standardizedDigit, requiresGrad: false)).value }
    let activationImages = (0..<16).map { (pixels: magnitude(activations[0][$0]), caption: "map \($0)") }
    let activationRows = activationImages.prefix(8).map { Terminal.image($0.pixels) }
    for r in 0..<8 { context.say("    " + activationRows.map { $0[r] }.joined(separator: "  ")) }
    try context.save(ImageStrip(title: "The digit through the first layer (ReLU outputs of the 16 learned filters)",
                                images: activationImages).svg(), as: "11-learned-maps.svg")
    var curves = LinePlot(title: "Digits CNN: accuracy per epoch", xLabel: "epoch", yLabel: "accuracy")
    curves.yRange = 0...1
    curves.series.append(("training", history.accuracy.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    curves.series.append(("test", history.validationAccuracy.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    try context.save(curves.svg(), as: "11-cnn-accuracy.svg")
}
