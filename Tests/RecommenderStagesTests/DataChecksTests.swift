import Foundation
import Testing
@testable import Orchestrator
@testable import MultiTaskLearning
@testable import RecommenderStages

/// Data that would silently give a wrong number is caught at the first stage
/// that can see it.
@Suite("Data checks")
struct DataChecksTests {
    @Test func aBinaryTaskOnRatingsIsRefusedBeforeTraining() throws {
        let ratings = Table([("label.liked", .float([1, 5, 4, .nan, 0, 3]))])
        do {
            try LabelCheck.check(ratings, tasks: [TaskSpec(name: "liked", type: .binary)], split: "training")
            Issue.record("1-5 labels on a binary task must be refused")
        } catch let failure as StageFailure {
            #expect(failure.description.hasPrefix("task 'liked' is binary, but 3 of 6 training labels are not 0 or 1 (e.g. 5, 4, 3)"), "\(failure)")
        }
        try LabelCheck.check(ratings, tasks: [TaskSpec(name: "liked", type: .regression)], split: "training")
        let infinite = Table([("label.rating", .float([1, .infinity]))])
        #expect(throws: StageFailure.self) {
            try LabelCheck.check(infinite, tasks: [TaskSpec(name: "rating", type: .regression)], split: "training")
        }
        try LabelCheck.check(Table([("label.click", .float([0, 1, .nan]))]), tasks: [TaskSpec(name: "click", type: .binary)], split: "training")
    }

    @Test func declaredColumnsMeanTheFileHasNoHeaderLine() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let file = harness.folder.appendingPathComponent("plain.csv")
        try "1,10\n2,20\n3,30\n".write(to: file, atomically: true, encoding: .utf8)
        let outputs = try harness.run(CollectStage(), params: ["source": .string("file"), "columns": .strings(["user", "item"])],
                                      inputs: ["file": file.path])
        let table = try TableFolder.read(outputs["events"]!)
        #expect(table.rowCount == 3, "the first data row is data, not a header")
        #expect(table.names == ["user", "item"])
        // Said explicitly, a header line is still skipped (and renamed).
        let renamed = try TableFolder.read(try harness.run(CollectStage(), params: ["source": .string("file"), "header": .bool(true),
                                                                                    "columns": .strings(["user", "item"])],
                                                           inputs: ["file": file.path], tag: "header")["events"]!)
        #expect(renamed.rowCount == 2)
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstColumnsName() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        for (name, text) in [("bom.csv", "\u{FEFF}user,item\n1,2\n"), ("bom.jsonl", "\u{FEFF}{\"user\": 1, \"item\": 2}\n")] {
            let file = harness.folder.appendingPathComponent(name)
            try text.write(to: file, atomically: true, encoding: .utf8)
            let outputs = try harness.run(CollectStage(), params: ["source": .string("file")], inputs: ["file": file.path], tag: name)
            let table = try TableFolder.read(outputs["events"]!)
            #expect(table.names.sorted() == ["item", "user"], "\(name): \(table.names.map { Array($0.utf8) })")
            #expect(table.rowCount == 1)
        }
    }

    @Test func cleanRejectsAHalfAsABinaryLabel() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = Table([("user_id", .int([1, 2, 3, 4])), ("click", .float([0, 0.5, 1, .nan]))])
        let outputs = try harness.run(CleanStage(), params: ["binary_labels": .strings(["click"]), "max_rejected_share": .float(0.5)],
                                      inputs: ["events": try harness.write("events", table: events)])
        let cleaned = try TableFolder.read(outputs["events"]!)
        #expect(cleaned.floats("click")?.filter { !$0.isNaN } == [0, 1], "0.5 is rejected; a missing label is allowed")
        #expect(try String(contentsOf: outputs["rejected"]!, encoding: .utf8).contains("label 'click' is 0.5, not 0 or 1"))
    }

    @Test func infiniteAndMissingNumbersAreCountedAndEncodedAsTheMean() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let rows = 100
        var price = (0..<rows).map { Float($0 % 10) }
        price[3] = .infinity
        price[5] = .nan
        price[7] = -.infinity
        let events = Table([("user_id", .int((0..<rows).map { Int64($0 % 7) })), ("item_id", .int((0..<rows).map { Int64($0 % 5) })),
                            ("price", .float(price)), ("click", .float((0..<rows).map { Float($0 % 2) }))])
        let outputs = try harness.run(FeaturesStage(), params: ["numeric": .strings(["price"]), "labels": .stringMap([("click", "click")]),
                                                                "valid_fraction": .float(0), "test_fraction": .float(0)],
                                      inputs: ["events": try harness.write("events", table: events)])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        let numeric = try #require(transform.numeric.first)
        #expect(numeric.mean.isFinite && numeric.deviation.isFinite, "statistics from finite values only")
        let finite = price.filter(\.isFinite).map(Double.init)
        #expect(abs(Double(numeric.mean) - finite.reduce(0, +) / Double(finite.count)) < 1e-5)
        #expect(transform.warnings.contains { $0.contains("numeric 'price': 1 missing and 2 infinite values in 100 train rows, encoded as the train mean") },
                "\(transform.warnings)")
        let encoded = try #require(try TableFolder.read(outputs["train"]!).floats("num.price"))
        #expect(encoded.allSatisfy { $0.isFinite })
        // Rows are shuffled by the split; the finite prices never equal their (fractional) mean.
        #expect(encoded.filter { $0 == 0 }.count == 3, "the three non-finite prices become the mean, 0 once standardized")
    }

    @Test func wildcardsInItemAndUserFeaturesAreExpanded() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let rows = 40
        let events = Table([("user_id", .int((0..<rows).map { Int64($0 % 4) })), ("item_id", .int((0..<rows).map { Int64($0 % 5) })),
                            ("g_colour", .string((0..<rows).map { "c\($0 % 5)" })), ("g_size", .float((0..<rows).map { Float($0 % 5) })),
                            ("click", .float((0..<rows).map { Float($0 % 2) }))])
        let outputs = try harness.run(FeaturesStage(), params: ["categorical": .strings(["user_id", "item_id", "g_colour"]),
                                                                "numeric": .strings(["g_size"]), "labels": .stringMap([("click", "click")]),
                                                                "item_features": .strings(["item_id", "g_*"]), "keep": .strings(["g_*"])],
                                      inputs: ["events": try harness.write("events", table: events)])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        #expect(transform.itemFeatures == ["item_id", "g_colour", "g_size"])
        #expect(transform.keep == ["g_colour", "g_size"])
    }

    @Test func aFirstLineThatRepeatsTheColumnsIsAHeaderAndJSONLinesRefusesColumns() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let file = harness.folder.appendingPathComponent("named.csv")
        try "user,item\nu1,i1\nu2,i2\n".write(to: file, atomically: true, encoding: .utf8)
        let table = try TableFolder.read(try harness.run(CollectStage(), params: ["source": .string("file"), "columns": .strings(["user", "item"])],
                                                         inputs: ["file": file.path])["events"]!)
        #expect(table.rowCount == 2 && table.names == ["user", "item"])
        let lines = harness.folder.appendingPathComponent("rows.jsonl")
        try "{\"user\": 1}\n".write(to: lines, atomically: true, encoding: .utf8)
        #expect(throws: StageFailure.self) {
            try harness.run(CollectStage(), params: ["source": .string("file"), "columns": .strings(["user"])], inputs: ["file": lines.path], tag: "jsonl")
        }
    }

    @Test func bucketsSayWhatBecomesOfMissingValuesAndNeedFiniteOnes() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let rows = 40
        func events(_ price: (Int) -> Float) -> Table {
            Table([("user_id", .int((0..<rows).map { Int64($0 % 4) })), ("item_id", .int((0..<rows).map { Int64($0 % 5) })),
                   ("price", .float((0..<rows).map(price))), ("click", .float((0..<rows).map { Float($0 % 2) }))])
        }
        let params: [String: ParamValue] = ["numeric": .strings(["price"]), "transforms": .stringMap([("price", "buckets:4")]),
                                            "labels": .stringMap([("click", "click")])]
        let outputs = try harness.run(FeaturesStage(), params: params, inputs: ["events": try harness.write("events", table: events { $0 == 3 ? .nan : Float($0) })])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        #expect(transform.warnings.contains { $0.hasSuffix("a missing value gets a code of its own, an infinite one the first or last bucket") },
                "\(transform.warnings)")
        do {
            try harness.run(FeaturesStage(), params: params, inputs: ["events": try harness.write("none", table: events { _ in .infinity })], tag: "none")
            Issue.record("buckets without a finite value must be refused")
        } catch let failure as StageFailure {
            #expect(failure.description.contains("buckets need finite values"))
        }
    }

    @Test func aTaskMayNotTakeTheNameOfAMetricsSection() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = Table([("user_id", .int([1, 2])), ("item_id", .int([1, 2])), ("click", .float([0, 1]))])
        #expect(throws: StageFailure.self) {
            try harness.run(FeaturesStage(), params: ["labels": .stringMap([("counts", "click")])],
                            inputs: ["events": try harness.write("events", table: events)])
        }
    }

    @Test func aSaltWithoutItsUserColumnIsAnError() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = Table([("uid", .string(["a", "b"])), ("click", .float([0, 1]))])
        #expect(throws: StageFailure.self) {
            try harness.run(CleanStage(), params: ["pseudonymize_salt": .string("pepper")], inputs: ["events": try harness.write("events", table: events)])
        }
    }

    @Test func hugeLabelsAreReportedNotATrap() throws {
        do {
            try LabelCheck.check(Table([("label.click", .float([1e30, 0]))]), tasks: [TaskSpec(name: "click", type: .binary)], split: "training")
            Issue.record("1e30 is not a binary label")
        } catch let failure as StageFailure {
            #expect(failure.description.contains("1 of 2 training labels are not 0 or 1"))
        }
    }
}
