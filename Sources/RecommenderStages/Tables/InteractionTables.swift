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

    /// Each user's own items by the owner column (a kept column, `keep.NAME`)
    /// of the tables that have it: a post belongs to its author. Empty for an
    /// empty column name; an error when no table keeps the column.
    static func ownedItems(in tables: [Table], column: String) throws -> [String: Set<String>] {
        guard !column.isEmpty else { return [:] }
        var owned: [String: Set<String>] = [:]
        var found = false
        for table in tables {
            guard let owners = table["keep.\(column)"] else { continue }
            found = true
            let items = try table.userItemKeys().items
            for row in 0..<table.rowCount { owned[owners.text(row), default: []].insert(items[row]) }
        }
        guard found else { throw StageFailure("owner_column '\(column)' needs the column kept by features (keep: [\(column)])") }
        return owned
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
