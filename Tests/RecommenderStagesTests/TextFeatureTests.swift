import Foundation
import Testing
@testable import MultiTaskLearning
@testable import RecommenderStages

/// Text columns as hashed word and word-pair tokens: no vocabulary, the same
/// ids in every process, new words at predict time work like any other.
@Suite("Text features")
struct TextFeatureTests {
    @Test func wordsThenWordPairsLowerCasedWithoutPunctuation() {
        #expect(TextTokens.terms("Wow, an EPIC goal!") == ["wow", "an", "epic", "goal", "wow an", "an epic", "epic goal"])
        #expect(TextTokens.terms("  ") == [])
        #expect(TextTokens.terms("café 42") == ["café", "42", "café 42"])
    }

    @Test func idsAreStableInRangeAndPaddedOrCut() {
        let ids = TextTokens.ids("wow an epic goal", buckets: 50, slots: 10)
        #expect(ids.count == 10)
        #expect(ids.prefix(7).allSatisfy { $0 >= 1 && $0 <= 50 } && ids.suffix(3) == [0, 0, 0], "7 terms, then empty slots")
        #expect(ids[0] == Int32(1 + StableHash.fnv1a("wow") % 50), "FNV-1a, the same in every process")
        #expect(TextTokens.ids("wow an epic goal", buckets: 50, slots: 2) == Array(ids.prefix(2)), "words first when cut")
        #expect(TextTokens.ids("", buckets: 50, slots: 3) == [0, 0, 0])
        #expect(TextTokens.ids("a never seen word", buckets: 50, slots: 3).allSatisfy { $0 > 0 }, "no vocabulary: any word has an id")
    }

    static func events() -> Table {
        let titles = (0..<60).map { $0 % 3 == 0 ? "Red running shoes" : ($0 % 3 == 1 ? "blue WINTER jacket" : "") }
        return Table([("user_id", .int((0..<60).map { Int64($0 % 7) })), ("item_id", .int((0..<60).map { Int64($0 % 5) })),
                      ("title", .string(titles)), ("click", .float((0..<60).map { Float($0 % 2) }))])
    }

    @Test func featuresKeepTheTextAndTheModelReadsItsTokens() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let outputs = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id"]), "text": .strings(["title"]), "text_buckets": .int(64), "text_slots": .int(4),
            "labels": .stringMap([("click", "click")]),
        ], inputs: ["events": try harness.write("events", table: Self.events())])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        #expect(transform.text == [TextFeature(name: "title", buckets: 64, slots: 4)])
        let schema = transform.schema(embeddingDimension: 3)
        #expect(schema.inputWidth == 2 * 3 && schema.tokenWidth == 4)
        let train = try TableFolder.read(outputs["train"]!)
        let data = try EncodedData.dataset(train, transform: transform, schema: schema, tasks: ["click"])
        let texts = try #require(train["text.title"])
        for row in 0..<train.rowCount {
            #expect(Array(data.tokens[(row * 4)..<(row * 4 + 4)]) == TextTokens.ids(texts.text(row), buckets: 64, slots: 4))
        }
        #expect(data.subset([1, 0]).tokens == Array(data.tokens[4..<8] + data.tokens[0..<4]))
    }

    @Test func aColumnIsOneKindOfFeature() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        #expect(throws: StageFailure.self) {
            try harness.run(FeaturesStage(), params: ["categorical": .strings(["title"]), "text": .strings(["title"]),
                                                      "labels": .stringMap([("click", "click")])],
                            inputs: ["events": try harness.write("events", table: Self.events())])
        }
    }

    @Test func candidateRowsTakeAnItemsTextFromItsLatestRow() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let outputs = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id", "item_id"]), "text": .strings(["title"]), "text_slots": .int(4),
            "labels": .stringMap([("click", "click")]), "user_features": .strings(["user_id"]), "item_features": .strings(["item_id", "title"]),
        ], inputs: ["events": try harness.write("events", table: Self.events())])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        let history = try TableFolder.read(outputs["train"]!)
        let schema = transform.schema(embeddingDimension: 2)
        let encoder = try CandidateEncoder(history: history, transform: transform, schema: schema)
        let (users, items) = try history.userItemKeys()
        let user = users[0], item = items[history.rowCount - 1]
        let latest = (0..<history.rowCount).last { items[$0] == item }!
        let rows = encoder.dataset(user: user, items: [item, "an unknown item"], tasks: ["click"])
        #expect(Array(rows.tokens[0..<4]) == TextTokens.ids(history["text.title"]!.text(latest), buckets: 4096, slots: 4))
        #expect(Array(rows.tokens[4..<8]) == [0, 0, 0, 0], "an item without history has no text")
    }
}
