import Foundation
import Orchestrator

/// A file's bytes for one read: a plain file is mapped (no copy into fresh
/// memory, whose pages the kernel would first clear), a .gz one is held
/// decompressed (by zlib, in this process). A UTF-8 byte-order mark is left out: it would
/// otherwise become part of the first column's name.
final class FileBytes {
    private let mapped: UnsafeMutableRawPointer?
    private let mappedLength: Int
    private let held: [UInt8]

    /// The file's text: a .gz file's bytes (mapped or read) are inflated,
    /// and the mapping is let go once they are.
    static func contents(of url: URL) throws -> FileBytes {
        let file = try FileBytes(url)
        guard url.pathExtension == "gz" else { return file }
        return FileBytes(held: try file.withRawBytes { try Gzip.decompress($0, path: url.path) })
    }

    private init(held: [UInt8]) {
        (mapped, mappedLength, self.held) = (nil, 0, held)
    }

    /// The file's bytes as they are: mapped when it is a plain file, else read.
    private init(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StageFailure("cannot read \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StageFailure("cannot read \(url.path): \(String(cString: strerror(errno)))") }
        let length = Int(info.st_size)
        // MAP_POPULATE maps every page of the page cache at once rather than one fault per page.
        if (info.st_mode & S_IFMT) == S_IFREG, length > 0,
           let mapping = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0), mapping != MAP_FAILED {
            (mapped, mappedLength, held) = (mapping, length, [])
        } else {
            (mapped, mappedLength, held) = (nil, 0, try Self.readWhole(descriptor, path: url.path))
        }
    }

    deinit {
        if let mapped { munmap(mapped, mappedLength) }
    }

    func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try withRawBytes { try body(Self.withoutByteOrderMark($0)) }
    }

    private func withRawBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        guard let mapped else { return try held.withUnsafeBufferPointer(body) }
        return try body(UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: mappedLength))
    }

    private static func withoutByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? UnsafeBufferPointer(rebasing: bytes[3...]) : bytes
    }

    /// Reads to the end (a pipe or a file that cannot be mapped).
    private static func readWhole(_ descriptor: Int32, path: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress!, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw StageFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
            guard got > 0 else { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }
}
