/// The few parts of Protocol Buffers' wire format an ONNX file needs:
/// varints (wire type 0), length-delimited fields (type 2) and fixed 32-bit
/// floats (type 5), written in field order as the caller gives them.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func key(_ field: Int, _ wireType: Int) {
        varint(UInt64(field << 3 | wireType))
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// An int32, int64 or enum field (negative numbers take ten bytes, as protobuf writes them).
    mutating func integer(_ field: Int, _ value: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }

    /// A nested message, written by `body`.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        data(field, nested.bytes)
    }

    /// A repeated int64 field, packed (one length-delimited run of varints).
    mutating func packedIntegers(_ field: Int, _ values: [Int64]) {
        var run = ProtobufWriter()
        for value in values { run.varint(UInt64(bitPattern: value)) }
        data(field, run.bytes)
    }
}
