/// What the recommender stages read from an encoded table of interactions
/// (features' train, valid and test outputs): who and what each row is, and
/// which rows really happened.
extension Table {
    /// The key.user and key.item columns.
    func userItemKeys() throws -> (users: [String], items: [String]) {
        guard case .string(let users)? = self["key.user"], case .string(let items)? = self["key.item"] else {
            throw StageFailure("a table of interactions has no key.user and key.item columns (features writes them from user_column and item_column)")
        }
        return (users, items)
    }

    /// The rows that are logged interactions: every row but sampled negatives.
    var loggedRows: [Int] {
        guard let flags = floats(NegativeSampling.flagColumn) else { return Array(0..<rowCount) }
        return flags.indices.filter { flags[$0] != 1 }
    }

    /// Each user's items over the logged rows of `tables`: what a list leaves out.
    static func seenItems(in tables: [Table]) throws -> [String: Set<String>] {
        var seen: [String: Set<String>] = [:]
        for table in tables {
            let (users, items) = try table.userItemKeys()
            for row in table.loggedRows { seen[users[row], default: []].insert(items[row]) }
        }
        return seen
    }
}
