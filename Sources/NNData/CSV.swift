import Foundation
import TensorCore

/// What is wrong with a CSV file: every case names the line (1-based, counting the header).
public enum CSVError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file has no data rows.
    case empty
    /// A row has a different number of fields than the header (or the first row).
    case raggedRow(line: Int, expected: Int, found: Int)
    /// A field is not a number.
    case notANumber(line: Int, column: Int, text: String)
    /// A column the caller asked for does not exist.
    case missingColumn(name: String, available: [String])

    /// The error as one line: what went wrong, where, and how to fix it.
    @_optimize(none) public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .empty: return "the file has no data rows"
        case .raggedRow(let line, let expected, let found):
            return "line \(line): \(found) fields, but the file has \(expected) columns"
        case .notANumber(let line, let column, let text):
            return "line \(line), column \(column): '\(text)' is not a number"
        case .missingColumn(let name, let available):
            return "no column named '\(name)' (columns: \(available.joined(separator: ", ")))"
        }
    }
}

/// A table of numbers read from comma-separated text.
public struct NumericTable: Sendable {
    /// The column names (from the header, or `column0`, `column1`, … without one).
    public let columns: [String]
    /// The values, one array per row.
    public let rows: [[Float]]

    /// Parses `text`: fields separated by commas, one row per line, blank lines skipped.
    ///
    /// - Throws: ``CSVError`` naming the line of a ragged row or a field that is not a number.
    public init(csv text: String, hasHeader: Bool = true) throws {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (number: $0.offset + 1, text: String($0.element)) }
            .filter { !trimmedWhitespace($0.text[...]).isEmpty }
        var header: [String]? = nil
        if hasHeader, let first = lines.first {
            header = first.text.split(separator: ",", omittingEmptySubsequences: false)
                .map { String(trimmedWhitespace($0)) }
            lines.removeFirst()
        }
        guard !lines.isEmpty else { throw CSVError.empty }
        let width = header?.count ?? lines[0].text.split(separator: ",", omittingEmptySubsequences: false).count
        var rows: [[Float]] = []
        rows.reserveCapacity(lines.count)
        for line in lines {
            let fields = line.text.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == width else {
                throw CSVError.raggedRow(line: line.number, expected: width, found: fields.count)
            }
            var row: [Float] = []
            row.reserveCapacity(width)
            for (column, field) in fields.enumerated() {
                let text = trimmedWhitespace(field)
                guard let value = Float(text), value.isFinite else {
                    throw CSVError.notANumber(line: line.number, column: column + 1, text: String(text))
                }
                row.append(value)
            }
            rows.append(row)
        }
        self.columns = header ?? (0..<width).map { "column\($0)" }
        self.rows = rows
    }

    /// Reads and parses the file at `url`.
    public init(contentsOf url: URL, hasHeader: Bool = true) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw CSVError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(csv: text, hasHeader: hasHeader)
    }

    /// A classification data set: every column but `labelColumn` as inputs, that column as class indices.
    public func dataset(labelColumn: String) throws -> Dataset {
        guard let index = columns.firstIndex(of: labelColumn) else {
            throw CSVError.missingColumn(name: labelColumn, available: columns)
        }
        let features = columns.count - 1
        var flat: [Float] = []
        flat.reserveCapacity(rows.count * features)
        var labels: [Int] = []
        for (r, row) in rows.enumerated() {
            for (c, v) in row.enumerated() where c != index { flat.append(v) }
            guard let label = Int(exactly: row[index]), label >= 0 else {
                throw CSVError.notANumber(line: r + 2, column: index + 1, text: "\(row[index]) (a class label must be a whole number ≥ 0)")
            }
            labels.append(label)
        }
        return Dataset(inputs: Tensor(shape: [rows.count, features], scalars: flat), labels: labels)
    }
}

/// `text` without the white space at either end (a cheaper `trimmingCharacters(in: .whitespaces)`).
func trimmedWhitespace(_ text: Substring) -> Substring {
    var result = text
    while let first = result.first, first.isWhitespace { result = result.dropFirst() }
    while let last = result.last, last.isWhitespace { result = result.dropLast() }
    return result
}
