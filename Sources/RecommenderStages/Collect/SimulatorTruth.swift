import Foundation

/// What the e-commerce simulator knows and a model must learn: each user's
/// taste and device, each item's taste, popularity, price, and the law that
/// turns them into a click. The simulator draws its clicks from it, and
/// evaluate scores lists with it (the expected click of a list, and the
/// oracle's list), so both read one formula.
public struct SimulatorTruth: Codable, Sendable, Equatable {
    public struct User: Codable, Sendable, Equatable {
        public var taste: [Double]
        public var deviceBias: Double
    }

    public struct Item: Codable, Sendable, Equatable {
        public var taste: [Double]
        public var popularity: Double
    }

    /// Keyed by the ids the events carry (as text, like key.user and key.item).
    public var users: [String: User]
    public var items: [String: Item]
    /// The position lists are judged at: the top of the page.
    public static let listPosition = 1

    /// The probability that `user` clicks `item` shown at `position`.
    public static func clickProbability(_ user: User, _ item: Item, position: Int) -> Double {
        let affinity = zip(user.taste, item.taste).reduce(0) { $0 + $1.0 * $1.1 } / Double(user.taste.count).squareRoot()
        let logit = -2.0 + 1.3 * affinity + 0.35 * item.popularity - 0.12 * Double(position - 1) + user.deviceBias
        return 1 / (1 + exp(-logit))
    }

    /// The click probability at the top of the list; nil for an unknown user or item.
    public func clickProbability(user: String, item: String) -> Double? {
        guard let user = users[user], let item = items[item] else { return nil }
        return Self.clickProbability(user, item, position: Self.listPosition)
    }
}
