import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON
/// header mapping each tensor name to its dtype, shape and byte offsets
/// (relative to the end of the header), then the raw little-endian data.
/// numpy and PyTorch users read it with the `safetensors` package.
public enum SafeTensors {
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var offsets: Range<Int>
    }

    public enum FormatError: Error, CustomStringConvertible {
        case truncated(String)
        case badHeader(String)

        public var description: String {
            switch self {
            case .truncated(let what): "safetensors file is truncated: \(what)"
            case .badHeader(let what): "safetensors header is invalid: \(what)"
            }
        }
    }

    /// Writes float32 tensors in the given order.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to url: URL) throws {
        var entries: [String] = []
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = tensor.count * 4
            entries.append("\(quote(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.rows),\(tensor.cols)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        let meta = metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }.joined(separator: ",")
        var header = "{\"__metadata__\":{\(meta)}" + entries.map { "," + $0 }.joined() + "}"
        // Pad with spaces so the data starts 8-byte aligned, as the format allows.
        while (8 + header.utf8.count) % 8 != 0 { header += " " }

        var data = Data(capacity: 8 + header.utf8.count + offset)
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for (_, tensor) in tensors {
            for index in 0..<tensor.count {
                withUnsafeBytes(of: tensor.data[index].bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        try data.write(to: url, options: .atomic)
    }

    /// Reads the header; the tensor bytes are `data[dataStart + offsets]`.
    public static func readHeader(_ data: Data) throws -> (entries: [Entry], metadata: [String: String], dataStart: Int) {
        guard data.count >= 8 else { throw FormatError.truncated("no header length") }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(data.count - 8) else { throw FormatError.truncated("header of \(length) bytes") }
        let headerData = data.subdata(in: 8..<(8 + Int(length)))
        guard let header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw FormatError.badHeader("not a JSON object")
        }
        let dataStart = 8 + Int(length)
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] <= offsets[1], dataStart + offsets[1] <= data.count else {
                throw FormatError.badHeader("entry '\(name)'")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, offsets: offsets[0]..<offsets[1]))
        }
        return (entries.sorted { $0.offsets.lowerBound < $1.offsets.lowerBound }, metadata, dataStart)
    }

    /// Copies a float32 entry's values into `tensor`.
    public static func load(_ entry: Entry, from data: Data, dataStart: Int, into tensor: Tensor) throws {
        guard entry.dtype == "F32", entry.shape == [tensor.rows, tensor.cols] else {
            throw FormatError.badHeader("'\(entry.name)' is \(entry.dtype) \(entry.shape), expected F32 [\(tensor.rows), \(tensor.cols)]")
        }
        data.withUnsafeBytes { raw in
            for index in 0..<tensor.count {
                let bits = raw.loadUnaligned(fromByteOffset: dataStart + entry.offsets.lowerBound + index * 4, as: UInt32.self)
                tensor.data[index] = Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
    }

    static func quote(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
