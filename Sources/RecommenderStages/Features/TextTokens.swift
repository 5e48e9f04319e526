import Foundation
import MultiTaskLearning

/// A text as token ids for an embedding bag, without a vocabulary: its
/// lower-cased words (runs of letters and digits), then each pair of
/// neighbouring words, each hashed (FNV-1a) into 1...buckets. New words at
/// predict time get ids like any other. At most `slots` tokens (words
/// first), padded with 0.
enum TextTokens {
    static func terms(_ text: String) -> [String] {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        return words + zip(words, words.dropFirst()).map { $0 + " " + $1 }
    }

    static func ids(_ text: String, buckets: Int, slots: Int) -> [Int32] {
        var ids = terms(text).prefix(slots).map { Int32(1 + StableHash.fnv1a($0) % UInt64(buckets)) }
        ids += [Int32](repeating: 0, count: slots - ids.count)
        return ids
    }

    /// Every row's ids for each text feature, side by side (the `Dataset.tokens` layout).
    /// Each distinct text is hashed once: candidate rows repeat an item's text for every user.
    static func matrix(_ table: Table, features: [TextFeature]) throws -> [Int32] {
        let width = features.reduce(0) { $0 + $1.slots }
        var tokens = [Int32](repeating: 0, count: table.rowCount * width)
        var start = 0
        for feature in features {
            guard let column = table["text.\(feature.name)"] else { throw StageFailure("the table has no text feature '\(feature.name)'") }
            var known: [String: [Int32]] = [:]
            for row in 0..<table.rowCount {
                let text = column.text(row)
                let ids = known[text] ?? Self.ids(text, buckets: feature.buckets, slots: feature.slots)
                known[text] = ids
                for (slot, id) in ids.enumerated() { tokens[row * width + start + slot] = id }
            }
            start += feature.slots
        }
        return tokens
    }
}
