import Foundation
import Testing
@testable import MultiTaskLearning
@testable import Orchestrator
@testable import RecommenderStages

@Suite("Huge fields, huge models and full disks end in clear errors")
struct HostileInputTests {
    static func csv(rows: Int, longRow: Int, longBytes: Int) -> String {
        var lines = ["user_id,note,click"]
        for row in 1...rows { lines.append("\(row),\(row == longRow ? String(repeating: "x", count: longBytes) : "n\(row)"),\(row % 2)") }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aFieldOverTheLimitRejectsItsRowWithItsLengthAndTheRestIsRead() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let file = try harness.write("events.csv", Self.csv(rows: 40, longRow: 7, longBytes: 5_000))
        let outputs = try harness.run(CollectStage(), params: ["source": .string("file"), "max_field_bytes": .int(1_000)],
                                      inputs: ["file": file])
        let events = try TableFolder.read(outputs["events"]!)
        #expect(events.rowCount == 39)
        #expect(!(events["note"].map { column in (0..<column.count).contains { column.text($0).count > 1_000 } } ?? true))
        let rejected = try String(contentsOf: outputs["rejected"]!, encoding: .utf8)
        #expect(rejected.contains("8,\"column 'note': a field of 5000 bytes, over the limit of 1000 (param max_field_bytes)\""), "line 8: header + 7")
        #expect(rejected.contains("... (5004 bytes)"), "the rejected row's text is cut: \(rejected.count) characters")
        #expect(rejected.utf8.count < 1_300)
    }

    @Test func aJSONLinesValueOverTheLimitRejectsItsRow() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let lines = (1...10).map { "{\"user_id\": \($0), \"note\": \"\(String(repeating: "y", count: $0 == 3 ? 3_000 : 3))\"}" }
        let file = try harness.write("events.jsonl", lines.joined(separator: "\n") + "\n")
        let outputs = try harness.run(CollectStage(), params: ["source": .string("file"), "max_field_bytes": .int(1_000),
                                                               "max_rejected_share": .float(0.2)], inputs: ["file": file])
        #expect(try TableFolder.read(outputs["events"]!).rowCount == 9)
        let rejected = try String(contentsOf: outputs["rejected"]!, encoding: .utf8)
        #expect(rejected.contains("3,\"key 'note': a value of 3000 bytes, over the limit of 1000 (param max_field_bytes)\""))
    }

    @Test func oneLongTextValueCostsItsOwnBytesNotAFixedWidthForEveryRow() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        var values = (0..<2_000).map { "v\($0)" }
        values[5] = String(repeating: "é", count: 50_000)
        let folder = harness.folder.appendingPathComponent("t")
        try TableFolder.write(Table([("text", .string(values))]), to: folder)
        let bytes = try FileManager.default.contentsOfDirectory(atPath: folder.path).reduce(0) { total, name in
            total + ((try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
        }
        // Fixed width would be 2,000 x 100,000 bytes = 200 MB.
        #expect(bytes < 150_000, "\(bytes) bytes on disk")
        #expect(try TableFolder.read(folder)["text"] == .string(values))
    }

    @Test func aFixedWidthTextColumnFromEarlierTablesIsStillRead() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let folder = harness.folder.appendingPathComponent("old")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var header = "{'descr': '|S3', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
        data.append(contentsOf: Array(header.utf8) + Array("ab".utf8) + [0] + Array("cde".utf8))
        try data.write(to: folder.appendingPathComponent("000_name.npy"))
        try Data(#"{"rows": 2, "columns": [{"name": "name", "type": "string", "file": "000_name.npy"}]}"#.utf8)
            .write(to: folder.appendingPathComponent("schema.json"))
        #expect(try TableFolder.read(folder)["name"] == .string(["ab", "cde"]))
    }

    @Test func damagedTextOffsetsAreAClearError() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let folder = harness.folder.appendingPathComponent("t")
        try TableFolder.write(Table([("text", .string(["a", "bb"]))]), to: folder)
        try NumpyFormat.encode(.int([0, 5, 2])).write(to: folder.appendingPathComponent("000_text.offsets.npy"))
        #expect(throws: NumpyFormat.FormatError.self) { try TableFolder.read(folder) }
    }

    @Test func aFileErrorNamesThePathAndTheSystemsReason() throws {
        do {
            try Data("x".utf8).write(to: URL(fileURLWithPath: "/nonexistent-folder-\(UUID().uuidString)/out.txt"))
            Issue.record("the write should have failed")
        } catch {
            let text = ErrorText.describe(error)
            #expect(text.contains("/out.txt") && text.contains("No such file or directory"), "\(text)")
        }
        // /dev/full answers every write with ENOSPC.
        if FileManager.default.fileExists(atPath: "/dev/full") {
            do {
                try Data("x".utf8).write(to: URL(fileURLWithPath: "/dev/full"))
                Issue.record("writing /dev/full should fail")
            } catch {
                #expect(ErrorText.describe(error).contains("No space left on device"), "\(ErrorText.describe(error))")
            }
        }
    }
}

/// A tmpfs of a few kilobytes, to fill a disk on purpose; mounting needs root.
struct TinyFilesystem {
    let root: URL

    static let canMount: Bool = {
        guard let probe = TinyFilesystem(bytes: 4096) else { return false }
        probe.remove()
        return true
    }()

    init?(bytes: Int) {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-full-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard geteuid() == 0, mount("tmpfs", root.path, "tmpfs", 0, "size=\(bytes)") == 0 else {
            try? FileManager.default.removeItem(at: root)
            return nil
        }
    }

    func remove() {
        umount2(root.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: root)
    }
}
