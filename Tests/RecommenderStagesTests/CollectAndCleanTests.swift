import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

@Suite("collect and clean")
struct CollectAndCleanTests {
    @Test func theSimulatorKeepsTheFunnelAndIsSeeded() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let params: [String: ParamValue] = ["users": .int(50), "items": .int(30), "impressions": .int(4000)]
        let first = try TableFolder.read(try harness.run(CollectStage(), params: params, tag: "a")["events"]!)
        let again = try TableFolder.read(try harness.run(CollectStage(), params: params, tag: "b")["events"]!)
        let same = first == again
        #expect(same, "the same seed gives the same events")
        let clicks = try #require(first.floats("click")), conversions = try #require(first.floats("conversion"))
        let ratings = try #require(first.floats("rating"))
        #expect(first.rowCount == 4000)
        for row in 0..<first.rowCount {
            #expect(clicks[row] == 1 || conversions[row].isNaN, "no conversion without a click")
            #expect(conversions[row] == 1 || ratings[row].isNaN, "no rating without a conversion")
        }
        let rate = clicks.reduce(0, +) / Float(clicks.count)
        #expect(rate > 0.05 && rate < 0.3, "click rate \(rate)")
        #expect(first["true_click_probability"] != nil)
    }

    @Test func mmoeSyntheticReportsRequestedAndMeasuredCorrelation() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        var measured: [Double] = []
        for p in [0.1, 0.9] {
            let outputs = try harness.run(CollectStage(), params: ["source": .string("mmoe_synthetic"), "rows": .int(5000),
                                                                   "dimensions": .int(16), "correlation": .float(p)], tag: "p\(p)")
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: outputs["report"]!)) as! [String: Any]
            #expect(report["requestedCorrelation"] as? Double == p)
            measured.append(try #require(report["measuredLabelCorrelation"] as? Double))
            #expect(try TableFolder.read(outputs["events"]!).names.suffix(4) == ["y1", "y2", "click", "conversion"])
        }
        #expect(measured[1] > measured[0] + 0.3, "a higher p gives more correlated labels: \(measured)")
    }

    static let badCSV = """
        user_id,item_id,price,click
        1,10,9.5,1
        2,11,3.25
        3,12,abc,0
        4,13,7.0,1
        5,14,?,0
        6,15,1.5,0
        7,16,2.5,1
        8,17,3.5,0
        9,18,4.5,0
        10,19,5.5,7
        11,20,6.5,1
        12,21,7.5,0
        13,22,8.5,0
        14,23,9.5,1
        15,24,10.5,0
        16,25,11.5,0
        17,26,12.5,1
        18,27,13.5,0
        19,28,14.5,0
        20,29,15.5,1
        21,30,16.5,0

        """

    @Test func badRowsAreReportedRowByRowAndTheRunContinuesWithinTheLimit() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let file = try harness.write("events.csv", Self.badCSV)
        let collected = try harness.run(CollectStage(), params: ["source": .string("file"), "max_rejected_share": .float(0.2)],
                                        inputs: ["file": file])
        let rejected = try String(contentsOf: collected["rejected"]!, encoding: .utf8)
        #expect(rejected.contains("3,\"expected 4 fields, found 3\",\"2,11,3.25\""))
        #expect(rejected.contains("4,column 'price': 'abc' is not a number"))
        let events = try TableFolder.read(collected["events"]!)
        #expect(events.rowCount == 19)
        #expect(events.floats("price")?[2].isNaN == true, "'?' is a missing value, not a bad row")

        let cleaned = try harness.run(CleanStage(), params: ["binary_labels": .strings(["click"]), "max_rejected_share": .float(0.2)],
                                      inputs: ["events": collected["events"]!.path])
        let cleanRejected = try String(contentsOf: cleaned["rejected"]!, encoding: .utf8)
        #expect(cleanRejected.contains("8,\"label 'click' is 7, not 0 or 1\""), "row 8 of the collected table")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: cleaned["report"]!)) as! [String: Int]
        #expect(report["label click not 0 or 1"] == 1)
        #expect(report["output rows"] == 18)
    }

    @Test func tooManyBadRowsFailTheStage() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let file = try harness.write("events.csv", Self.badCSV)
        do {
            try harness.run(CollectStage(), params: ["source": .string("file"), "max_rejected_share": .float(0.05)], inputs: ["file": file])
            Issue.record("collect passed with too many bad rows")
        } catch let failure as StageFailure {
            // A failed stage keeps no outputs, so the reasons must be in the error itself.
            #expect(failure.description.contains("first: line 3: expected 4 fields, found 3; line 4: column 'price'"), "\(failure)")
        }
    }

    @Test func cleanFillsDropsDeduplicatesClipsAndPseudonymizes() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = Table([("user_id", .int([1, 1, 2, 2, 3, 3])), ("item_id", .int([5, 5, 6, 7, 8, 9])),
                            ("price", .float([1, 1, .nan, 100, 3, 4])), ("brand", .string(["a", "a", "", "b", "b", "c"])),
                            ("rating", .float([4, 4, 2, 9, .nan, 5]))])
        let input = try harness.write("events", table: events)
        let outputs = try harness.run(CleanStage(), params: [
            "missing": .map([("price", .string("median")), ("brand", .string("most_frequent"))]),
            "clip": .map([("price", .list([.int(0), .int(10)]))]),
            "label_ranges": .map([("rating", .list([.int(1), .int(5)]))]),
            "pseudonymize_salt": .string("pepper"), "max_rejected_share": .float(0.5),
        ], inputs: ["events": input])
        let cleaned = try TableFolder.read(outputs["events"]!)
        #expect(cleaned.rowCount == 4, "one duplicate and one out-of-range rating removed")
        #expect(cleaned.floats("price") == [1, 3.5, 3, 4], "median of 1, 100, 3, 4 is 3.5; nothing left to clip")
        #expect(cleaned["brand"] == .string(["a", "b", "b", "c"]))
        guard case .string(let users)? = cleaned["user_id"] else { Issue.record("user ids are not hashed"); return }
        #expect(users.allSatisfy { $0.count == 16 && $0 != "1" })
        #expect(users[2] == users[3], "the same user keeps the same pseudonym")
        let rejected = try String(contentsOf: outputs["rejected"]!, encoding: .utf8)
        #expect(rejected.contains("2,duplicate of row 1"))
        #expect(rejected.contains("4,\"label 'rating' is 9, outside [1.0, 5.0]\""))
    }
}

@Suite("collect from other files")
struct CollectFileFormatTests {
    @Test func jsonLinesWithMissingKeysAndABadLine() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let file = try harness.write("events.jsonl", """
            {"user": "a", "price": 2.5, "click": 1}
            {"user": "b", "click": 0}
            not json
            {"user": "c", "price": 4, "click": true}

            """)
        let outputs = try harness.run(CollectStage(), params: ["source": .string("file"), "max_rejected_share": .float(0.5)],
                                      inputs: ["file": file])
        let table = try TableFolder.read(outputs["events"]!)
        #expect(table.names == ["click", "price", "user"])
        #expect(table["user"] == .string(["a", "b", "c"]))
        #expect(table["price"] == .float([2.5, .nan, 4]))
        #expect(table.floats("click") == [1, 0, 1])
        #expect(try String(contentsOf: outputs["rejected"]!, encoding: .utf8).contains("3,not a JSON object,not json"))
    }

    @Test func gzippedTabSeparatedWithoutHeaderAndSelectedColumns() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let plain = try harness.write("events.tsv", "1\tx\t0.5\n2\ty\t?\n")
        #expect(try ChildProcess.run(["/bin/gzip", plain]).status == 0)
        let outputs = try harness.run(CollectStage(), params: [
            "source": .string("file"), "header": .bool(false), "columns": .strings(["id", "name", "score"]),
            "select": .strings(["id", "score"]), "types": .map([("id", .string("string"))]),
        ], inputs: ["file": plain + ".gz"])
        let table = try TableFolder.read(outputs["events"]!)
        #expect(table.names == ["id", "score"])
        #expect(table["id"] == .string(["1", "2"]))
        #expect(table["score"] == .float([0.5, .nan]))
    }
}
