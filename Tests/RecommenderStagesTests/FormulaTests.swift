import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

@Suite("The expression language")
struct ExpressionTests {
    static let names = ["rating", "timestamp", "device", "price", "click"]

    func value(_ text: String, _ row: [String: Formula.Value]) throws -> Formula.Value {
        try Formula.parse(text, names: Self.names).evaluate { row[$0] ?? .missing }
    }

    @Test func precedenceFromOrDownToPower() throws {
        let row: [String: Formula.Value] = ["rating": .number(4), "timestamp": .number(90_000), "price": .number(10)]
        #expect(try value("rating >= 4", row) == .number(1))
        #expect(try value("(timestamp % 86400) / 3600", row) == .number(1))
        #expect(try value("1 + 2 * 3 ^ 2", row) == .number(19))
        #expect(try value("-2 ^ 2", row) == .number(-4))
        #expect(try value("2 ^ -1", row) == .number(0.5))
        #expect(try value("rating > 3 and price < 20 or rating == 1", row) == .number(1))
        #expect(try value("not rating >= 4", row) == .number(0))
        #expect(try value("not (rating >= 5 or price > 100)", row) == .number(1))
        #expect(try value("1.5e1 + 2E-1", row) == .number(15.2))
    }

    @Test func missingValuesFollowTheWrittenRules() throws {
        let row: [String: Formula.Value] = ["rating": .missing, "click": .number(0), "price": .number(3)]
        #expect(try value("rating >= 4", row) == .missing)
        #expect(try value("rating + 1", row) == .missing)
        #expect(try value("click == 1 and rating >= 4", row) == .number(0), "false and missing is false")
        #expect(try value("click == 0 or rating >= 4", row) == .number(1), "true or missing is true")
        #expect(try value("click == 1 or rating >= 4", row) == .missing)
        #expect(try value("not rating", row) == .missing)
        #expect(try value("price / click", row) == .missing, "a division by zero is missing")
        #expect(try value("price % click", row) == .missing)
        #expect(try value("(0 - price) ^ 0.5", row) == .missing, "NaN is missing, never a silent number")
        #expect(try value("not ((0 - price) ^ 0.5)", row) == .missing)
        #expect(try value("10 ^ 400 - 10 ^ 400", row) == .missing, "inf - inf")
    }

    @Test func textComparesAsTextAndNumbersInTextAsNumbers() throws {
        let row: [String: Formula.Value] = ["device": .text("ios"), "rating": .text("4")]
        #expect(try value("device == 'ios'", row) == .number(1))
        #expect(try value("device != \"web\"", row) == .number(1))
        #expect(try value("rating >= 4", row) == .number(1))
        #expect(try value("device > 3", row) == .missing, "text that is not a number compared with a number")
        #expect(try value("device", row) == .text("ios"))
    }

    @Test func mistakesNameTheirColumn() throws {
        func failure(_ text: String) -> Formula.ParseError? {
            do { _ = try Formula.parse(text, names: Self.names); return nil } catch { return error as? Formula.ParseError }
        }
        #expect(failure("ratng >= 4")?.column == 1 && failure("ratng >= 4")?.message.contains("did you mean 'rating'") == true)
        #expect(failure("rating >= ")?.message.contains("ends where a value was expected") == true)
        #expect(failure("rating = 4")?.column == 8 && failure("rating = 4")?.message.contains("write '=='") == true)
        #expect(failure("1 < rating < 5")?.message.contains("do not chain") == true)
        #expect(failure("(rating + 1")?.message.contains("missing ')'") == true)
        #expect(failure("device == 'ios")?.column == 11)
        #expect(failure("rating >= 4 4")?.column == 13)
        #expect(failure("rating == not 4")?.message.contains("'not' stands where a value was expected") == true,
                "not binds looser than ==: write rating == (not 4)")
        #expect(try Formula.parse("rating == (not 4)", names: Self.names) == .binary(.equal, .name("rating"), .unary(.not, .number(4))))
        #expect(failure("rating and")?.message.contains("ends where a value was expected") == true)
        #expect(failure(String(repeating: "(", count: 100_000) + "1")?.message.contains("nested more than 256 levels") == true,
                "a deep text is refused, not a stack overflow")
        #expect(failure(String(repeating: "-", count: 100_000) + "1")?.message.contains("nested more than 256 levels") == true)
    }

    @Test func cleanDerivesColumnsBeforeItsRules() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = Table([("user_id", .int([1, 2, 3, 4])), ("rating", .float([5, 3, .nan, 4])), ("timestamp", .int([3600, 7200, 90_000, 0])),
                            ("device", .string(["ios", "web", "ios", ""]))])
        let outputs = try harness.run(CleanStage(), params: [
            "derive": .stringMap([("liked", "rating >= 4"), ("hour", "(timestamp % 86400) / 3600"), ("phone", "device == 'ios' or device == 'android'")]),
            "binary_labels": .strings(["liked"]),
        ], inputs: ["events": try harness.write("events", table: events)])
        let cleaned = try TableFolder.read(outputs["events"]!)
        #expect(cleaned.floats("hour") == [1, 2, 1, 0])
        let liked = try #require(cleaned.floats("liked"))
        #expect(liked[0] == 1 && liked[1] == 0 && liked[2].isNaN && liked[3] == 1, "\(liked)")
        let phone = try #require(cleaned.floats("phone"))
        #expect(phone[0] == 1 && phone[1] == 0 && phone[2] == 1 && phone[3].isNaN)
        #expect(throws: StageFailure.self) {
            try harness.run(CleanStage(), params: ["derive": .stringMap([("liked", "ratin >= 4")])],
                            inputs: ["events": try harness.write("events2", table: events)], tag: "typo")
        }
        #expect(throws: StageFailure.self) {
            try harness.run(CleanStage(), params: ["derive": .stringMap([("rating", "rating * 2")])],
                            inputs: ["events": try harness.write("events3", table: events)], tag: "clash")
        }
    }

    @Test func aPositiveLabelConditionMeansWhatItSays() throws {
        let ratings = Column.float([1, 4, 5, .nan, 3])
        let condition = try FeatureTransform.Label(task: "liked", column: "rating", positive: ">=4").rule()
        #expect((0..<5).map { condition(ratings, $0) } == [0, 1, 1, nil, 0])
        let text = try FeatureTransform.Label(task: "bought", column: "answer", positive: "yes").rule()
        #expect((0..<3).map { text(.string(["yes", "no", ""]), $0) } == [1, 0, nil])
        let quoted = try FeatureTransform.Label(task: "bought", column: "answer", positive: "== 'yes'").rule()
        #expect(quoted(.string(["yes"]), 0) == 1)
        #expect(throws: StageFailure.self) { try FeatureTransform.Label(task: "x", column: "y", positive: ">= four").rule() }
    }
}
