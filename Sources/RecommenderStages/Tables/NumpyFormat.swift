import Foundation

/// Reads and writes one-dimensional .npy files (format version 1.0), so
/// numpy opens each column with `np.load`: float32 as '<f4', int64 as '<i8'.
/// Text is two arrays: every value's UTF-8 bytes one after another ('|u1') and
/// the n + 1 offsets where each starts ('<i8'), so one long value costs its own
/// bytes, not a fixed width times every row. Fixed-width '|S<n>' columns, the
/// earlier text format, are still read.
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
        case .string:
            preconditionFailure("text columns are written with encodeText")
        }
        return file(descriptor: descriptor, count: column.count, payload: payload)
    }

    /// A text column as (offsets, bytes): value i is `bytes[offsets[i] ..< offsets[i + 1]]`.
    static func encodeText(_ values: [String]) -> (offsets: Data, bytes: Data) {
        var offsets: [Int64] = [0]
        offsets.reserveCapacity(values.count + 1)
        var bytes = Data()
        for value in values {
            bytes.append(contentsOf: value.utf8)
            offsets.append(Int64(bytes.count))
        }
        return (encode(.int(offsets)), file(descriptor: "|u1", count: bytes.count, payload: bytes))
    }

    static func decodeText(offsets offsetsData: Data, bytes bytesData: Data, files: (offsets: String, bytes: String)) throws -> Column {
        guard case .int(let offsets) = try decode(offsetsData, file: files.offsets), let last = offsets.last, offsets.first == 0 else {
            throw FormatError.invalid(files.offsets, reason: "text offsets must be int64 starting at 0")
        }
        let bytes = try rawBytes(bytesData, file: files.bytes)
        guard Int(last) == bytes.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw FormatError.invalid(files.offsets, reason: "offsets do not run in order to the \(bytes.count) bytes of \(files.bytes)")
        }
        return .string(bytes.withUnsafeBufferPointer { buffer in
            (0..<(offsets.count - 1)).map { row in
                String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(offsets[row])..<Int(offsets[row + 1])]), as: UTF8.self)
            }
        })
    }

    /// A one-dimensional '|u1' file's payload.
    private static func rawBytes(_ data: Data, file: String) throws -> [UInt8] {
        let (descriptor, count, start, bytes) = try parseHeader(data, file: file)
        guard descriptor == "|u1" || descriptor == "<u1" else { throw FormatError.invalid(file, reason: "text bytes must be uint8, not \(descriptor)") }
        guard start + count <= bytes.count else { throw FormatError.invalid(file, reason: "truncated data") }
        return Array(bytes[start..<(start + count)])
    }

    static func file(descriptor: String, count: Int, payload: Data) -> Data {
        file(descriptor: descriptor, shape: "\(count),", payload: payload)
    }

    /// A .npy file of `payload` in C order; `shape` as numpy writes it ("3," or "3, 4").
    static func file(descriptor: String, shape: String, payload: Data) -> Data {
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': (\(shape)), }"
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

    /// The header's dtype, the element count, where the payload starts, and the file's bytes.
    private static func parseHeader(_ data: Data, file: String) throws -> (descriptor: String, count: Int, start: Int, bytes: [UInt8]) {
        let (descriptor, shape, start, bytes) = try parseHeader(data, file: file, dimensions: 1)
        return (descriptor, shape[0], start, bytes)
    }

    /// The header's dtype, its shape of `dimensions` sizes, where the payload starts, and the file's bytes.
    static func parseHeader(_ data: Data, file: String, dimensions wanted: Int) throws -> (descriptor: String, shape: [Int], start: Int, bytes: [UInt8]) {
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
        guard dimensions.count == wanted else {
            throw FormatError.invalid(file, reason: "shape (\(shape)) is not \(wanted == 1 ? "one" : "\(wanted)")-dimensional")
        }
        // Every element takes at least one byte, so a larger count is a damaged header.
        let count = dimensions.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) }
        guard dimensions.allSatisfy({ $0 >= 0 }), count <= bytes.count else {
            throw FormatError.invalid(file, reason: "shape (\(shape)) does not fit the file")
        }
        return (descriptor, dimensions, headerStart + headerLength, bytes)
    }

    /// `count` values of `T` stored one after another from `start` in `bytes`.
    static func elements<T>(_ type: T.Type, count: Int, from start: Int, in bytes: [UInt8], file: String) throws -> [T] {
        let width = MemoryLayout<T>.size
        guard start + count * width <= bytes.count else { throw FormatError.invalid(file, reason: "truncated data") }
        return bytes[start..<(start + count * width)].withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    static func decode(_ data: Data, file: String) throws -> Column {
        let (descriptor, count, start, bytes) = try parseHeader(data, file: file)
        func payload(width: Int) throws -> ArraySlice<UInt8> {
            guard start + count * width <= bytes.count else { throw FormatError.invalid(file, reason: "truncated data") }
            return bytes[start..<(start + count * width)]
        }
        switch descriptor {
        case "<f4": return .float(try elements(Float.self, count: count, from: start, in: bytes, file: file))
        case "<i8": return .int(try elements(Int64.self, count: count, from: start, in: bytes, file: file))
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
