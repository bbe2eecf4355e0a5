import Foundation

let availableWorkloads = ["scalar", "chain", "digits", "digits-seeds", "wide", "gemm", "memory", "cnn", "cnn-seeds", "names", "slow-paths", "growth",
                          "distributed"]

func printError(_ message: String) {
    FileHandle.standardError.write(Data(("autodiff-benchmarks: " + message + "\n").utf8))
}

/// Monotonic time in nanoseconds.
func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The process's CPU time in nanoseconds (user + system, every thread).
func cpuNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Median, minimum and maximum of a sample.
struct Summary {
    let median: Double, min: Double, max: Double
    init(_ values: [Double]) {
        let sorted = values.sorted()
        median = sorted[sorted.count / 2]
        min = sorted.first!
        max = sorted.last!
    }
}

func format(_ x: Double, _ digits: Int = 2) -> String {
    var factor = 1.0
    for _ in 0..<digits { factor *= 10 }
    let rounded = (x * factor).rounded() / factor
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

/// Figures for `--report FILE` (JSON, read by `Benchmarks/peers/compare.py`), by key such as "digits.epoch_ms.1".
nonisolated(unsafe) var report: [String: Double] = [:]

func writeReport(to path: String) {
    let body = report.keys.sorted().map { "  \"\($0)\": \(report[$0]!)" }.joined(separator: ",\n")
    do {
        try Data("{\n\(body)\n}\n".utf8).write(to: URL(fileURLWithPath: path))
    } catch {
        printError("cannot write the report to \(path): \(error)")
        exit(1)
    }
}

/// `value` written right-aligned in a field `width` characters wide.
func pad(_ value: Any, _ width: Int) -> String {
    let text = "\(value)"
    return String(repeating: " ", count: Swift.max(0, width - text.count)) + text
}
