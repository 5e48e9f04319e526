import Orchestrator

/// Popularity within a segment of users (an age band, a country): items by
/// how many of the segment's interactions they have, then by their overall
/// popularity, then by id. A user's segment is the value of the segment
/// column on their latest training row.
struct SegmentPopularity {
    /// Per segment value, item indices best first.
    let orders: [String: [Int]]
    let segmentOfUser: [String: String]

    init(history: Table, column: String, interactions: Interactions) throws {
        guard let values = history[column] ?? history["cat.\(column)"] ?? history["keep.\(column)"] else {
            let available = history.names.compactMap { name in ["cat.", "keep."].first { name.hasPrefix($0) }.map { _ in String(name.split(separator: ".", maxSplits: 1)[1]) } }
            throw StageFailure("segment_column '\(column)' is not in the history\(Suggestion.hint(for: column, in: available)); segments can be: \(available.joined(separator: ", "))")
        }
        let (users, items) = try history.userItemKeys()
        var segmentOfUser: [String: String] = [:]
        var counts: [String: [Double]] = [:]
        for row in 0..<history.rowCount {
            let segment = values.text(row)
            segmentOfUser[users[row]] = segment
            guard let item = interactions.itemIndex[items[row]], interactions.byUser[users[row]]?.contains(item) == true else { continue }
            counts[segment, default: [Double](repeating: 0, count: interactions.items.count)][item] += 1
        }
        let overall = interactions.popularity
        orders = counts.mapValues { count in
            count.indices.sorted { count[$0] != count[$1] ? count[$0] > count[$1] : overall[$0] != overall[$1] ? overall[$0] > overall[$1] : $0 < $1 }
        }
        self.segmentOfUser = segmentOfUser
    }

    /// The user's segment's order, or nil for a user without training rows.
    func order(for user: String) -> [Int]? { segmentOfUser[user].flatMap { orders[$0] } }
}
