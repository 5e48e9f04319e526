import Foundation
import Testing
@testable import RecommenderStages

@Suite("Reading gzip files in process")
struct GzipTests {
    func gzip(_ text: String) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = folder.appendingPathComponent("data.csv")
        try text.write(to: plain, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = [plain.path]
        try process.run()
        process.waitUntilExit()
        return Array(try Data(contentsOf: plain.appendingPathExtension("gz")))
    }

    func read(_ bytes: [UInt8]) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("read-\(UUID().uuidString).csv.gz")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try FileBytes.contents(of: file).withUnsafeBufferPointer { Array($0) }
    }

    @Test func aFileMadeByGzipReadsBackWhole() throws {
        // Over the 256 KiB chunk, so that inflate runs more than once.
        let text = (0..<40_000).map { "\($0),\(Double($0) / 7),row \($0 % 97)\n" }.joined()
        #expect(try read(gzip(text)) == Array(text.utf8))
    }

    @Test func membersJoinedByCatReadAsOneText() throws {
        let first = "a,b\n1,2\n", second = "3,4\n"
        #expect(try read(gzip(first) + gzip(second)) == Array((first + second).utf8))
    }

    @Test func truncatedOrCorruptDataIsAnErrorNamingTheFile() throws {
        let whole = try gzip((0..<2_000).map { "\($0),x\n" }.joined())
        #expect(throws: (any Error).self) { try read(Array(whole.prefix(whole.count / 2))) }
        var corrupt = whole
        for index in 20..<60 { corrupt[index] ^= 0x5A }
        do {
            _ = try read(corrupt)
            Issue.record("corrupt data was read")
        } catch {
            #expect("\(error)".contains("cannot decompress") && "\(error)".contains(".csv.gz"))
        }
    }

    @Test func zerosAfterTheLastMemberAreIgnoredAsGzipIgnoresThem() throws {
        let text = "a,b\n1,2\n"
        #expect(try read(gzip(text) + [UInt8](repeating: 0, count: 512)) == Array(text.utf8))
    }
}
