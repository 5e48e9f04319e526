/// Who interacted with what in the training rows: per user the set of item
/// indices (the binary matrix X of item-to-item models), and per item its
/// total weight (the popularity order).
struct Interactions {
    /// Items in id order; an item's index is its place here.
    let items: [String]
    let itemIndex: [String: Int]
    let byUser: [String: Set<Int>]
    let popularity: [Double]

    /// Every row counts with weight 1, or with its `weights` value when given
    /// (a label column): a row of weight 0 is no interaction, but its item
    /// stays in the catalog.
    init(users: [String], items rowItems: [String], weights: [Float]? = nil) {
        items = Array(Set(rowItems)).sorted()
        let itemIndex = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, $0) })
        var byUser: [String: Set<Int>] = [:]
        var popularity = [Double](repeating: 0, count: items.count)
        for row in users.indices {
            let weight = weights.map { Double($0[row]) } ?? 1
            guard weight.isFinite, weight > 0 else { continue }
            let item = itemIndex[rowItems[row]]!
            byUser[users[row], default: []].insert(item)
            popularity[item] += weight
        }
        self.itemIndex = itemIndex
        self.byUser = byUser
        self.popularity = popularity
    }

    /// Item indices by popularity, most first, ties by id.
    var popularityOrder: [Int] {
        items.indices.sorted { popularity[$0] != popularity[$1] ? popularity[$0] > popularity[$1] : $0 < $1 }
    }
}
