import Foundation

/// Cosine item-kNN (Sarwar et al. 2001; Deshpande and Karypis 2004): two
/// items are similar when the same users interacted with both,
/// sim(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|). Each item keeps only its
/// `neighbours` most similar items, so memory grows with items x neighbours,
/// not items squared: the method for catalogs too large for EASE. A user's
/// score for j is the sum of sim(i, j) over the items i they interacted with.
struct ItemNeighbours {
    let itemCount: Int
    /// Per item, its neighbours and their similarities, best first.
    let neighbours: [[(item: Int, similarity: Double)]]

    init(_ interactions: Interactions, neighbours count: Int) {
        let n = interactions.items.count
        var usersOfItem = [[Int]](repeating: [], count: n)
        let rows = interactions.byUser.values.map { Array($0).sorted() }
        for (user, row) in rows.enumerated() { for item in row { usersOfItem[item].append(user) } }
        let sizes = usersOfItem.map { Double($0.count) }
        // Co-occurrence counts of one item at a time, in a dense counter cleared through its touched list.
        var counts = [Double](repeating: 0, count: n), touched: [Int] = []
        var result: [[(item: Int, similarity: Double)]] = []
        result.reserveCapacity(n)
        for item in 0..<n {
            for user in usersOfItem[item] {
                for other in rows[user] where other != item {
                    if counts[other] == 0 { touched.append(other) }
                    counts[other] += 1
                }
            }
            touched.sort()  // ties go to the lower item index, whatever order the users came in
            var similarities = [Double](repeating: 0, count: touched.count)
            for (slot, other) in touched.enumerated() { similarities[slot] = counts[other] / (sizes[item] * sizes[other]).squareRoot() }
            let best = TopK.indices(of: similarities, count: count) { _ in false }
            // TopK gives best first, ties by lower slot: touched is sorted, so by lower item.
            result.append(best.map { (touched[$0], similarities[$0]) })
            for other in touched { counts[other] = 0 }
            touched.removeAll(keepingCapacity: true)
        }
        itemCount = n
        neighbours = result
    }

    /// Scores of every item for a user who interacted with these item indices (0 where no neighbour reaches).
    func scores(_ row: Set<Int>) -> [Double] {
        var scores = [Double](repeating: 0, count: itemCount)
        for item in row.sorted() { for (other, similarity) in neighbours[item] { scores[other] += similarity } }
        return scores
    }
}
