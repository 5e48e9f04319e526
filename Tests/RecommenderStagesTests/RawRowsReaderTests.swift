import Foundation
import Testing
@testable import RecommenderStages

@Suite("Reading a score request's rows")
struct RawRowsReaderTests {
    func rows(_ text: String, maximumRows: Int = 100) throws -> [[String: RawValue]] {
        try RawRowsReader.rows(Array(text.utf8), maximumRows: maximumRows)
    }

    func problem(_ text: String, maximumRows: Int = 100) -> String {
        do {
            _ = try rows(text, maximumRows: maximumRows)
            return "no problem"
        } catch {
            return "\(error)"
        }
    }

    @Test func valuesOfEveryKind() throws {
        let read = try rows(#" { "other": {"a": [1, {"b": null}], "c": "x"}, "rows" : [ {"user": "u\"1\\", "price": -1.5e2,"#
                            + #" "zero": 0, "flag": true, "off": false, "none": null, "text": "caf\u00e9 \ud83d\ude00\n\/"} , {} ] } "#)
        #expect(read.count == 2)
        #expect(read[0]["user"] == .text("u\"1\\"))
        #expect(read[0]["price"] == .number(-150))
        #expect(read[0]["zero"] == .number(0))
        #expect(read[0]["flag"] == .text("true") && read[0]["off"] == .text("false"))
        #expect(read[0]["none"] == .missing)
        #expect(read[0]["text"] == .text("café 😀\n/"))
        #expect(read[1].isEmpty)
    }

    @Test func mistakesNameTheirPlace() {
        #expect(problem("{}") == "'rows' is required")
        #expect(problem(#"{"rows": 3}"#) == "'rows' must be a list of objects")
        #expect(problem(#"{"rows": [3]}"#) == "'rows[0]' must be an object")
        #expect(problem(#"{"rows": [{"a": 1}, {"price": [1]}]}"#) == "'rows[1].price': expected a number, text, a boolean or null")
        #expect(problem(#"{"rows": [{}, {}, {}]}"#, maximumRows: 2) == "'rows' must hold 1 to 2 rows")
        #expect(problem(#"{"rows": [{"price": 1e400}]}"#).hasPrefix("'rows[0].price': beyond a double"))
        #expect(problem(#"{"rows": [{}, {"price": -1e39}]}"#).hasPrefix("'rows[1].price': beyond a 32-bit float"))
        for broken in ["", "{not json", #"{"rows": [{"a": 1}"#, #"{"rows": [{"a": 01}]}"#, #"{"rows": [{"a": 1.}]}"#,
                       #"{"rows": [{"a": "\x"}]}"#, #"{"rows": [{"a": "\ud800"}]}"#, #"{"rows": []} x"#, #"{"rows": [{"a": tru}]}"#,
                       "{\"rows\": [{\"a\": \"tab\there\"}]}", #"{"rows": [{"a" 1}]}"#, #"{"rows": [{"a": 1,}]}"#] {
            #expect(problem(broken).hasPrefix("the body is not valid JSON: "), "\(broken): \(problem(broken))")
        }
        let deep = #"{"x": "# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + #", "rows": []}"#
        #expect(problem(deep).contains("nested more than 64 deep"))
    }

    /// Random documents written by JSONSerialization read back as generated.
    @Test func readsWhatFoundationWrites() throws {
        var random = SystemRandomNumberGenerator()
        let pieces = ["a", "é", "\"", "\\", "\n", "\u{1}", "😀", "/", " ", "7"]
        func text() -> String { (0..<Int.random(in: 0...5, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() }
        for _ in 0..<200 {
            var rows: [[String: Any]] = [], expected: [[String: RawValue]] = []
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                var row: [String: Any] = [:], wanted: [String: RawValue] = [:]
                for _ in 0..<Int.random(in: 0...6, using: &random) {
                    let key = "k" + text()
                    switch Int.random(in: 0..<5, using: &random) {
                    case 0:
                        let number = Double.random(in: -1e6...1e6, using: &random)
                        (row[key], wanted[key]) = (number, .number(number))
                    case 1:
                        let number = Int.random(in: -1000...1000, using: &random)
                        (row[key], wanted[key]) = (number, .number(Double(number)))
                    case 2:
                        let value = text()
                        (row[key], wanted[key]) = (value, .text(value))
                    case 3:
                        let flag = Bool.random(using: &random)
                        (row[key], wanted[key]) = (flag, .text(flag ? "true" : "false"))
                    default: (row[key], wanted[key]) = (NSNull(), .missing)
                    }
                }
                rows.append(row)
                expected.append(wanted)
            }
            let data = try JSONSerialization.data(withJSONObject: ["rows": rows, "other": ["nested": rows]])
            let read = try RawRowsReader.rows(Array(data), maximumRows: 10)
            #expect(read.count == expected.count)
            for (ours, wanted) in zip(read, expected) {
                #expect(Set(ours.keys) == Set(wanted.keys), "\(String(decoding: data, as: UTF8.self))")
                for (key, value) in wanted {
                    if case .number(let number) = value, case .number(let got)? = ours[key] {
                        #expect(abs(got - number) <= 1e-9 * max(1, abs(number)), "\(key)")
                    } else {
                        #expect(ours[key] == value, "\(key): \(String(describing: ours[key])) vs \(value)")
                    }
                }
            }
        }
    }
}

@Suite("Answers in JSON")
struct RecommendationJSONTests {
    @Test func aScoreThatIsNotFiniteIsNull() throws {
        typealias Item = OnlineRecommender.Recommendations.Item
        let items = [Item(item: "a", rank: 1, score: .nan, scores: ["click": .infinity, "rating": 2.5], explanation: nil),
                     Item(item: "b", rank: 2, score: 0.25, scores: nil, explanation: nil)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(items), as: UTF8.self)
        #expect(text == #"[{"item":"a","rank":1,"score":null,"scores":{"click":null,"rating":2.5}},{"item":"b","rank":2,"score":0.25}]"#)
    }
}
