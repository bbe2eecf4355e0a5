import Foundation

extension Tensor: CustomStringConvertible {
    /// The elements nested by axis, like NumPy, followed by the shape; long axes are elided with `...`.
    ///
    /// ```
    /// [[1.0, 2.0, 3.0],
    ///  [4.0, 5.0, 6.0]]  shape [2, 3]
    /// ```
    public var description: String {
        if case .scalar(let value) = storage { return Self.format(value) }
        let values = scalars
        let elide = values.count > 1000
        var out = ""
        func write(axis: Int, offset: Int, indent: Int) {
            let n = shape[axis]
            let stride = ShapeMath.count(Array(shape[(axis + 1)...]))
            out += "["
            var i = 0
            while i < n {
                if elide && n > 6 && i == 3 {
                    out += axis == shape.count - 1 ? "..., " : "...,\n" + String(repeating: " ", count: indent + 1)
                    i = n - 3
                    continue
                }
                if axis == shape.count - 1 {
                    out += Self.format(values[offset + i])
                } else {
                    write(axis: axis + 1, offset: offset + i * stride, indent: indent + 1)
                }
                if i < n - 1 {
                    out += axis == shape.count - 1 ? ", " : ",\n" + String(repeating: "\n", count: shape.count - axis - 2)
                        + String(repeating: " ", count: indent + 1)
                }
                i += 1
            }
            out += "]"
        }
        write(axis: 0, offset: 0, indent: 0)
        return out + "  shape \(shape)"
    }

    static func format(_ value: Scalar) -> String {
        switch value {
        case let v as Double: return formatReal(v)
        case let v as Float: return formatReal(Double(v))
        default: return "\(value)"
        }
    }

    package static func formatReal(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == v.rounded() && Swift.abs(v) < 1e15 { return String(format: "%.1f", v) }
        return String(format: "%.6g", v)
    }
}

extension Tensor: CustomDebugStringConvertible {
    /// The type, shape and every element.
    public var debugDescription: String { "Tensor<\(Scalar.self)>(shape: \(shape), scalars: \(scalars))" }
}
