import Foundation

/// A two-dimensional .npy array of numbers (float32, float64, int32 or
/// int64, C order), read as float rows: precomputed embeddings, one row per
/// id.
public struct NumpyMatrix: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    /// rows x columns, row by row.
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "a \(rows) x \(columns) matrix needs \(rows * columns) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public func row(_ index: Int) -> ArraySlice<Float> { values[(index * columns)..<((index + 1) * columns)] }

    public static func read(_ url: URL) throws -> NumpyMatrix {
        let file = url.lastPathComponent
        let (descriptor, shape, start, bytes) = try NumpyFormat.parseHeader(try Data(contentsOf: url), file: file, dimensions: 2)
        let count = shape[0] * shape[1]
        func payload<T>(_ type: T.Type) throws -> [T] { try NumpyFormat.elements(type, count: count, from: start, in: bytes, file: file) }
        let values: [Float] = switch descriptor {
        case "<f4": try payload(Float.self)
        case "<f8": try payload(Double.self).map(Float.init)
        case "<i4": try payload(Int32.self).map(Float.init)
        case "<i8": try payload(Int64.self).map(Float.init)
        default: throw NumpyFormat.FormatError.invalid(file, reason: "unsupported dtype \(descriptor); use float32, float64, int32 or int64")
        }
        return NumpyMatrix(rows: shape[0], columns: shape[1], values: values)
    }

    /// float32, as numpy's `np.save` writes it.
    public func encoded() -> Data {
        let payload = values.withUnsafeBufferPointer { Data(buffer: $0) }
        return NumpyFormat.file(descriptor: "<f4", shape: "\(rows), \(columns)", payload: payload)
    }
}
