import Foundation

/// Reads and writes one-dimensional .npy files (format version 1.0), so
/// numpy opens each column with `np.load`: float32 as '<f4', int64 as '<i8',
/// text as fixed-width UTF-8 bytes '|S<n>'.
enum NumpyFormat {
    enum FormatError: Error, CustomStringConvertible {
        case invalid(String, reason: String)

        var description: String {
            switch self {
            case .invalid(let file, let reason): "\(file) is not a readable .npy column: \(reason)"
            }
        }
    }

    static func encode(_ column: Column) -> Data {
        let descriptor: String
        var payload = Data()
        switch column {
        case .float(let values):
            descriptor = "<f4"
            payload.reserveCapacity(values.count * 4)
            values.withUnsafeBufferPointer { payload.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: values.count * 4)) }
        case .int(let values):
            descriptor = "<i8"
            values.withUnsafeBufferPointer { payload.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: values.count * 8)) }
        case .string(let values):
            let width = max(1, values.map(\.utf8.count).max() ?? 1)
            descriptor = "|S\(width)"
            payload.reserveCapacity(values.count * width)
            for value in values {
                payload.append(contentsOf: Array(value.utf8))
                payload.append(contentsOf: [UInt8](repeating: 0, count: width - value.utf8.count))
            }
        }
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': (\(column.count),), }"
        // Magic (6) + version (2) + length (2) + header + newline, padded to 64 bytes.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(UInt8(header.utf8.count & 0xff))
        data.append(UInt8(header.utf8.count >> 8))
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        return data
    }

    static func decode(_ data: Data, file: String) throws -> Column {
        guard data.count >= 10, data.prefix(6) == Data([0x93] + Array("NUMPY".utf8)) else {
            throw FormatError.invalid(file, reason: "no NUMPY magic")
        }
        let bytes = [UInt8](data)
        let major = bytes[6]
        let (headerLength, headerStart) = major == 1
            ? (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
            : (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24, 12)
        guard headerStart + headerLength <= bytes.count else { throw FormatError.invalid(file, reason: "truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descriptor = field("descr", in: header), let shape = field("shape", in: header) else {
            throw FormatError.invalid(file, reason: "header without descr or shape")
        }
        guard !header.contains("'fortran_order': True") else { throw FormatError.invalid(file, reason: "Fortran order") }
        let dimensions = shape.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dimensions.count == 1, let count = dimensions.first else { throw FormatError.invalid(file, reason: "not one-dimensional: \(shape)") }
        let start = headerStart + headerLength
        func payload(width: Int) throws -> ArraySlice<UInt8> {
            guard start + count * width <= bytes.count else { throw FormatError.invalid(file, reason: "truncated data") }
            return bytes[start..<(start + count * width)]
        }
        switch descriptor {
        case "<f4":
            let raw = try payload(width: 4)
            return .float(raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        case "<i8":
            let raw = try payload(width: 8)
            return .int(raw.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) })
        case let text where text.hasPrefix("|S"):
            guard let width = Int(text.dropFirst(2)) else { throw FormatError.invalid(file, reason: "bad descr \(text)") }
            let raw = Array(try payload(width: width))
            return .string((0..<count).map { row in
                let slice = raw[(row * width)..<((row + 1) * width)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            })
        default:
            throw FormatError.invalid(file, reason: "unsupported dtype \(descriptor); use float32, int64 or bytes")
        }
    }

    /// The text of `'key': value` in a numpy header dict.
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "'" {
            return String(rest.dropFirst().prefix { $0 != "'" })
        }
        if rest.first == "(" {
            return String(rest.dropFirst().prefix { $0 != ")" })
        }
        return nil
    }
}
