import Foundation
import Testing
@testable import RecommenderStages

@Suite("Tables as .npy columns")
struct TableTests {
    @Test func aTableRoundTripsThroughItsFolder() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let table = Table([("id", .int([3, -1, 9_000_000_000])), ("score", .float([0.5, .nan, -2])),
                           ("name", .string(["a", "héllo", ""]))])
        try TableFolder.write(table, to: harness.folder.appendingPathComponent("t"))
        let read = try TableFolder.read(harness.folder.appendingPathComponent("t"))
        #expect(read.names == ["id", "score", "name"])
        #expect(read["id"] == .int([3, -1, 9_000_000_000]))
        #expect(read["name"] == .string(["a", "héllo", ""]))
        guard case .float(let scores)? = read["score"] else { Issue.record("score is not float"); return }
        #expect(scores[0] == 0.5 && scores[1].isNaN && scores[2] == -2)
    }

    @Test func theNpyHeaderIsWhatNumpyExpects() throws {
        let data = NumpyFormat.encode(.float([1, 2]))
        let bytes = [UInt8](data)
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0, "data starts 64-byte aligned")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"))
        #expect(header.hasSuffix("\n"))
        #expect(Array(bytes[(10 + headerLength)...]) == [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40], "little-endian 1.0 and 2.0")
    }

    @Test func aBrokenColumnFileIsAClearError() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let folder = harness.folder.appendingPathComponent("t")
        try TableFolder.write(Table([("x", .float([1]))]), to: folder)
        try Data("not numpy".utf8).write(to: folder.appendingPathComponent("000_x.npy"))
        #expect(throws: NumpyFormat.FormatError.self) { try TableFolder.read(folder) }
    }
}
