import Testing
import Yams
@testable import Orchestrator

@Suite("Typing plain YAML scalars")
struct PlainScalarTests {
    /// Yams's default resolver (regular expressions for YAML 1.1) is the reference.
    func expected(_ text: String) -> PlainScalar.Kind {
        switch Resolver.default.resolveTag(of: Node(text)) {
        case .bool: .bool
        case .int: .int
        case .float: .float
        case .null: .null
        default: .string
        }
    }

    static let samples = [
        "", "~", "null", "Null", "NULL", "nULL", "yes", "No", "ON", "off", "true", "TRUE", "tRue", "y", "n",
        "0", "00", "08", "0o17", "0o", "017", "0_7", "-0", "+12", "12_000", "1__", "0b1010", "0b", "0b2", "0x1F", "0x", "0xg",
        "1:30", "1:30:59", "1:60", "1:7", "190:20:30", "0:30", "-1:30", "1:", "1::2", "12:345",
        "1.5", "1.", "-1.5e3", "1e3", "1E+3", "1e", "1e+", ".5", "._", ".5e+3", ".5e3", "-.5", "+.5", ".", "-", "+",
        "1:30.5", "1:30.", "1:30:00.25", "0:30.5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "-.nan", "inf", "nan",
        "2026-11-29", "<<", "=", "1.2.3", "abc", "12abc", "0.001", "1_000.000_1", "6.02e23", "1e-7",
    ]

    @Test(arguments: samples)
    func agreesWithYamsOnSamples(text: String) {
        #expect(PlainScalar.kind(of: text) == expected(text), "'\(text)'")
    }

    @Test func agreesWithYamsOnEveryShortString() {
        let alphabet = Array("0159+-._:eExbo")
        var texts = [""], level = [""]
        for _ in 1...3 {
            level = level.flatMap { text in alphabet.map { text + String($0) } }
            texts += level
        }
        var disagreements: [String] = []
        for text in texts where PlainScalar.kind(of: text) != expected(text) { disagreements.append(text) }
        #expect(disagreements.isEmpty, "disagree on: \(disagreements.sorted().prefix(20))")
    }

    @Test func quotedScalarsAreText() throws {
        let node = try #require(try Yams.compose(yaml: "a: '12'\nb: 12\n", .basic))
        let pairs = try #require(node.mapping)
        #expect(PlainScalar.kind(of: try #require(pairs["a"])) == .string)
        #expect(PlainScalar.kind(of: try #require(pairs["b"])) == .int)
    }
}
