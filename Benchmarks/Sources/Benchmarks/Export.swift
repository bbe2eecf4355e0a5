import AutoDiff
import Foundation
import NN

/// Writes the data, initial weights and batch orders of the workloads to `directory` as safetensors files,
/// so that the peer scripts (`Benchmarks/peers/`) run exactly the same computations.
func exportWorkloads(to directory: URL) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

    // scalar: the two-moons points and the MLP(2, [16, 16, 1]) weights, in Double.
    var rng = SeededGenerator(seed: 1337)
    let mlp = ScalarMLP(sizes: [2, 16, 16, 1], using: &rng)
    let (points, labels) = twoMoons(count: 100, noise: 0.1, using: &rng)
    var scalar: [(String, ExportTensor)] = [
        ("x", .f64([points.count, 2], points.flatMap { $0 })),
        ("y", .f64([labels.count], labels)),
    ]
    for (l, (w, b)) in zip(mlp.weights, mlp.biases).enumerated() {
        scalar.append(("w\(l)", .f64([w.count, w[0].count], w.flatMap { $0.map(\.scalar) })))
        scalar.append(("b\(l)", .f64([b.count], b.map(\.scalar))))
    }
    try writeSafeTensors(scalar, to: directory.appendingPathComponent("scalar.safetensors"))

    // digits: the split, the initial weights (PyTorch names) and each epoch's batch order, as `fit` draws it.
    let (train, test) = loadDigits()
    var digits: [(String, ExportTensor)] = [
        ("train_x", .f32(train.inputs.shape, train.inputs.scalars)), ("train_y", .i64([train.count], train.labels!)),
        ("test_x", .f32(test.inputs.shape, test.inputs.scalars)), ("test_y", .i64([test.count], test.labels!)),
    ]
    let digitsModel = multilayerPerceptron([64, 128, 64, 10], seed: 0)
    for (name, p) in digitsModel.namedParameters { digits.append((name, .f32(p.shape, p.value.scalars))) }
    var orders: [Int] = []
    for epoch in 0..<30 {
        var generator = SeededGenerator(seed: UInt64(epoch))
        orders += Array(0..<train.count).shuffled(using: &generator)
    }
    digits.append(("orders", .i64([30, train.count], orders)))
    try writeSafeTensors(digits, to: directory.appendingPathComponent("digits.safetensors"))

    // cnn: the digits as standardized images (and the mean and deviation that did it), the CNN's initial weights (PyTorch names), the digits' batch orders.
    let (trainImages, testImages, mean, deviation) = loadDigitImages()
    var cnn: [(String, ExportTensor)] = [
        ("mean", .f32([], [mean])), ("deviation", .f32([], [deviation])),
        ("train_x", .f32(trainImages.inputs.shape, trainImages.inputs.scalars)), ("train_y", .i64([train.count], train.labels!)),
        ("test_x", .f32(testImages.inputs.shape, testImages.inputs.scalars)), ("test_y", .i64([test.count], test.labels!)),
        ("orders", .i64([30, train.count], orders)),
    ]
    for (name, p) in digitsCNN(seed: 0).namedParameters { cnn.append((name, .f32(p.shape, p.value.scalars))) }
    try writeSafeTensors(cnn, to: directory.appendingPathComponent("cnn.safetensors"))

    // wide: the random batch and the initial weights.
    let (x, wideLabels) = wideBatch()
    var wide: [(String, ExportTensor)] = [("x", .f32(x.shape, x.scalars)), ("y", .i64([wideLabels.count], wideLabels))]
    let wideModel = multilayerPerceptron([784, 512, 512, 10], seed: 7)
    for (name, p) in wideModel.namedParameters { wide.append((name, .f32(p.shape, p.value.scalars))) }
    try writeSafeTensors(wide, to: directory.appendingPathComponent("wide.safetensors"))

    // names: the split (names as indices, padded with 0 to 11 letters, and their lengths), the initial weights
    // and, per epoch, the names in batch order with each batch's size.
    let (trainNames, validationNames) = loadNames()
    func padded(_ names: [[Int]]) -> ExportTensor { .i64([names.count, 11], names.flatMap { $0 + Array(repeating: 0, count: 11 - $0.count) }) }
    var names: [(String, ExportTensor)] = [
        ("train", padded(trainNames)), ("train_lengths", .i64([trainNames.count], trainNames.map(\.count))),
        ("validation", padded(validationNames)), ("validation_lengths", .i64([validationNames.count], validationNames.map(\.count))),
    ]
    for (name, p) in namesModel().namedParameters { names.append((name, .f32(p.shape, p.value.scalars))) }
    let epochs = (0..<6).map { namesBatchOrder(trainNames, epoch: $0) }
    names.append(("orders", .i64([epochs.count, trainNames.count], epochs.flatMap { $0.flatMap { $0 } })))
    names.append(("batch_sizes", .i64([epochs.count, epochs[0].count], epochs.flatMap { $0.map(\.count) })))
    try writeSafeTensors(names, to: directory.appendingPathComponent("names.safetensors"))
}

enum ExportTensor {
    case f64([Int], [Double]), f32([Int], [Float]), i64([Int], [Int])
}

/// A minimal safetensors writer (little-endian F64, F32 and I64 tensors).
func writeSafeTensors(_ tensors: [(String, ExportTensor)], to url: URL) throws {
    var header: [String] = []
    var body = Data()
    for (name, tensor) in tensors {
        let start = body.count
        let dtype: String, shape: [Int]
        switch tensor {
        case .f64(let s, let v): dtype = "F64"; shape = s; v.withUnsafeBytes { body.append(contentsOf: $0) }
        case .f32(let s, let v): dtype = "F32"; shape = s; v.withUnsafeBytes { body.append(contentsOf: $0) }
        case .i64(let s, let v): dtype = "I64"; shape = s; v.map { Int64($0) }.withUnsafeBytes { body.append(contentsOf: $0) }
        }
        header.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(start),\(body.count)]}")
    }
    var json = Data("{\(header.joined(separator: ","))}".utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var file = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
    file.append(json)
    file.append(body)
    try file.write(to: url, options: .atomic)
}
