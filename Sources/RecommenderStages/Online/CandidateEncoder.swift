import Foundation
import MultiTaskLearning

/// The model's inputs for (user, item) pairs, built as predict's candidate
/// rows are: a user feature from the user's latest training row, an item
/// feature from the item's latest row, any other feature at its most common
/// code (categorical), 0 (numeric, i.e. the training mean) or no text at
/// all (an empty bag). Everything is
/// looked up once at load, so a request only copies numbers.
struct CandidateEncoder: Sendable {
    /// Where one model input comes from.
    private enum Source: Sendable {
        case user(Int), item(Int), constant
    }

    let schema: FeatureSchema
    private let numericSources: [Source], categoricalSources: [Source]
    private let numericConstants: [Float], categoricalConstants: [Int32]
    /// Per known user (and item), its values for the inputs whose source is the user (item), in schema order.
    private let userNumeric: [String: [Float]], userCategorical: [String: [Int32]]
    private let itemNumeric: [String: [Float]], itemCategorical: [String: [Int32]]
    /// Text features: where each comes from, and each known user's (item's) token ids of its own texts, side by side.
    private let textSources: [Source]
    private let userTokens: [String: [Int32]], itemTokens: [String: [Int32]]

    init(history: Table, transform: FeatureTransform, schema: FeatureSchema) throws {
        self.schema = schema
        let (users, items) = try history.userItemKeys()
        var lastUserRow: [String: Int] = [:], lastItemRow: [String: Int] = [:]
        for row in history.loggedRows {
            lastUserRow[users[row]] = row
            lastItemRow[items[row]] = row
        }
        func source(_ name: String, userCount: inout Int, itemCount: inout Int) -> Source {
            if transform.userFeatures.contains(name) { userCount += 1; return .user(userCount - 1) }
            if transform.itemFeatures.contains(name) { itemCount += 1; return .item(itemCount - 1) }
            return .constant
        }
        var (userInputs, itemInputs) = (0, 0)
        let numericSources = schema.numericNames.map { source($0, userCount: &userInputs, itemCount: &itemInputs) }
        var (userCodes, itemCodes) = (0, 0)
        let categoricalSources = schema.categorical.map { source($0.name, userCount: &userCodes, itemCount: &itemCodes) }
        (self.numericSources, self.categoricalSources) = (numericSources, categoricalSources)

        var numericColumns: [[Float]] = [], categoricalColumns: [[Int32]] = []
        for name in schema.numericNames {
            guard case .float(let values)? = history["num.\(name)"] else { throw StageFailure("the training rows have no encoded numeric feature '\(name)'") }
            numericColumns.append(values)
        }
        for feature in schema.categorical {
            guard case .int(let values)? = history["cat.\(feature.name)"] else {
                throw StageFailure("the training rows have no encoded categorical feature '\(feature.name)'")
            }
            categoricalColumns.append(values.map { Int32(min(max($0, 0), Int64(feature.cardinality - 1))) })
        }
        numericConstants = numericColumns.map { _ in 0 }
        categoricalConstants = categoricalColumns.map { MissingValues.mostFrequent($0) ?? 0 }

        func gather<T>(_ columns: [[T]], _ sources: [Source], row: Int, user: Bool) -> [T] {
            zip(columns, sources).compactMap { column, source in
                switch source {
                case .user: user ? column[row] : nil
                case .item: user ? nil : column[row]
                case .constant: nil
                }
            }
        }
        userNumeric = lastUserRow.mapValues { gather(numericColumns, numericSources, row: $0, user: true) }
        userCategorical = lastUserRow.mapValues { gather(categoricalColumns, categoricalSources, row: $0, user: true) }
        itemNumeric = lastItemRow.mapValues { gather(numericColumns, numericSources, row: $0, user: false) }
        itemCategorical = lastItemRow.mapValues { gather(categoricalColumns, categoricalSources, row: $0, user: false) }

        var (userTexts, itemTexts) = (0, 0)
        let textSources = schema.text.map { source($0.name, userCount: &userTexts, itemCount: &itemTexts) }
        self.textSources = textSources
        let textColumns = try schema.text.map { feature in
            guard let column = history["text.\(feature.name)"] else { throw StageFailure("the training rows have no text feature '\(feature.name)'") }
            return column
        }
        func tokens(row: Int, user: Bool) -> [Int32] {
            zip(schema.text, zip(textColumns, textSources)).flatMap { feature, pair -> [Int32] in
                switch pair.1 {
                case .user where user, .item where !user:
                    TextTokens.ids(pair.0.text(row), buckets: feature.buckets, slots: feature.slots)
                default: []
                }
            }
        }
        userTokens = textSources.isEmpty ? [:] : lastUserRow.mapValues { tokens(row: $0, user: true) }
        itemTokens = textSources.isEmpty ? [:] : lastItemRow.mapValues { tokens(row: $0, user: false) }
    }

    func knows(user: String) -> Bool { userNumeric[user] != nil }

    /// The model's inputs for `user` with each of `items`, one row per item.
    func dataset(user: String, items: [String], tasks: [String]) -> Dataset {
        let numericCount = schema.numericCount, categoricalCount = schema.categorical.count
        var numeric = [Float](repeating: 0, count: items.count * numericCount)
        var categorical = [Int32](repeating: 0, count: items.count * categoricalCount)
        let userValues = (userNumeric[user], userCategorical[user])
        for (row, item) in items.enumerated() {
            let itemValues = (itemNumeric[item], itemCategorical[item])
            for (position, source) in numericSources.enumerated() {
                numeric[row * numericCount + position] = switch source {
                case .user(let index): userValues.0?[index] ?? numericConstants[position]
                case .item(let index): itemValues.0?[index] ?? numericConstants[position]
                case .constant: numericConstants[position]
                }
            }
            for (position, source) in categoricalSources.enumerated() {
                categorical[row * categoricalCount + position] = switch source {
                case .user(let index): userValues.1?[index] ?? categoricalConstants[position]
                case .item(let index): itemValues.1?[index] ?? categoricalConstants[position]
                case .constant: categoricalConstants[position]
                }
            }
        }
        let tokens = textSources.isEmpty ? [] : textTokens(user: user, items: items)
        let empty = [Float](repeating: 0, count: items.count)
        return Dataset(schema: schema, taskNames: tasks, numeric: numeric, categorical: categorical, tokens: tokens,
                       labels: tasks.map { _ in empty }, masks: tasks.map { _ in empty }, users: nil)
    }

    /// Each row's token ids: a user's text from the user, an item's from the item, others empty.
    private func textTokens(user: String, items: [String]) -> [Int32] {
        let width = schema.tokenWidth
        var tokens = [Int32](repeating: 0, count: items.count * width)
        let ofUser = userTokens[user]
        for (row, item) in items.enumerated() {
            let ofItem = itemTokens[item]
            var (slot, userSlot, itemSlot) = (row * width, 0, 0)
            for (feature, source) in zip(schema.text, textSources) {
                switch source {
                case .user:
                    if let ofUser { for index in 0..<feature.slots { tokens[slot + index] = ofUser[userSlot + index] } }
                    userSlot += feature.slots
                case .item:
                    if let ofItem { for index in 0..<feature.slots { tokens[slot + index] = ofItem[itemSlot + index] } }
                    itemSlot += feature.slots
                case .constant: break
                }
                slot += feature.slots
            }
        }
        return tokens
    }
}
