import CZlib
import Orchestrator

/// Decompresses a gzip file in this process with zlib (every member of a
/// file made of several, as `gzip -dc` does).
enum Gzip {
    static func decompress(_ compressed: UnsafeBufferPointer<UInt8>, path: String) throws -> [UInt8] {
        guard let start = compressed.baseAddress, !compressed.isEmpty else { return [] }
        var stream = z_stream()
        // 15 + 32: a window of 2^15 and a gzip (or zlib) header detected from the data.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw StageFailure("cannot decompress \(path): zlib could not start")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: start)
        stream.avail_in = UInt32(clamping: compressed.count)
        var remaining = compressed.count - Int(stream.avail_in)
        var output: [UInt8] = []
        output.reserveCapacity(expectedSize(compressed))
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 18)
        defer { chunk.deallocate() }
        while true {
            stream.next_out = chunk.baseAddress
            stream.avail_out = UInt32(chunk.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[..<(chunk.count - Int(stream.avail_out))]))
            if stream.avail_in == 0, remaining > 0 {  // a file over 4 GiB is fed in parts
                stream.avail_in = UInt32(clamping: remaining)
                remaining -= Int(stream.avail_in)
            }
            switch status {
            case Z_STREAM_END:
                guard stream.avail_in > 0 else { return output }
                // Zeros after the last member (padding some writers add) are ignored, as gzip ignores them.
                let rest = UnsafeBufferPointer(start: stream.next_in, count: compressed.count - (stream.next_in - UnsafeMutablePointer(mutating: start)))
                if rest.allSatisfy({ $0 == 0 }) { return output }
                // Another member follows (files joined with cat are valid gzip).
                guard inflateReset(&stream) == Z_OK else { throw StageFailure("cannot decompress \(path): zlib could not restart") }
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw StageFailure("cannot decompress \(path): the compressed data ends early (a truncated file?)")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw StageFailure("cannot decompress \(path): \(reason)")
            }
        }
    }

    /// The uncompressed size the last member's trailer records (modulo 2^32),
    /// trusted only up to a thousand times the compressed size.
    private static func expectedSize(_ compressed: UnsafeBufferPointer<UInt8>) -> Int {
        guard compressed.count >= 18 else { return 0 }
        let tail = compressed.count - 4
        let recorded = (0..<4).reduce(0) { $0 | Int(compressed[tail + $1]) << (8 * $1) }
        return min(recorded, compressed.count * 1_000)
    }
}
