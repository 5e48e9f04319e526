import Foundation

/// What a simulator knows and a model must learn: each user's and item's
/// latent factors, and the laws (`SimulatorLaws`) that turn them into clicks,
/// purchases, shares or revenue. The simulators draw their labels from those
/// laws, and evaluate judges lists with them (the expected value of a list,
/// and the oracle's list), so both read one formula.
public struct SimulatorTruth: Codable, Sendable, Equatable {
    /// Which simulator wrote the truth, and so which laws apply.
    public enum Scenario: String, Codable, Sendable {
        case ecommerce, social, ads

        /// What a list can be judged by, each an expected value per item
        /// shown at the top of a page.
        public var quantities: [String] {
            switch self {
            case .ecommerce: ["click", "purchase", "purchase_value"]
            case .social: ["follow", "share", "comment", "engagement"]
            case .ads: ["click", "conversion", "revenue"]
            }
        }
    }

    public struct User: Codable, Sendable, Equatable {
        public var taste: [Double]
        /// Added to the click logit (the device's effect).
        public var deviceBias: Double
        /// e-commerce: added to the conversion logit (the city tier's effect).
        public var conversionBias: Double?
        /// social: the user's circle; posts by its members draw follows and comments.
        public var community: Int?

        public init(taste: [Double], deviceBias: Double, conversionBias: Double? = nil, community: Int? = nil) {
            self.taste = taste
            self.deviceBias = deviceBias
            self.conversionBias = conversionBias
            self.community = community
        }
    }

    public struct Item: Codable, Sendable, Equatable {
        public var taste: [Double]
        /// How much the item draws clicks apart from taste (ads: the creative's quality).
        public var popularity: Double
        /// e-commerce and ads: the conversion logit apart from taste (price, advertiser).
        public var conversionBias: Double?
        /// e-commerce: the price; ads: the expected revenue of one conversion.
        public var value: Double?
        /// social: the post's author (a user id) and the author's circle.
        public var author: String?
        public var authorCommunity: Int?
        /// social: how shareable the post is (its text shows it).
        public var virality: Double?

        public init(taste: [Double], popularity: Double, conversionBias: Double? = nil, value: Double? = nil,
                    author: String? = nil, authorCommunity: Int? = nil, virality: Double? = nil) {
            self.taste = taste
            self.popularity = popularity
            self.conversionBias = conversionBias
            self.value = value
            self.author = author
            self.authorCommunity = authorCommunity
            self.virality = virality
        }
    }

    public var scenario: Scenario
    /// Keyed by the ids the events carry (as text, like key.user and key.item).
    public var users: [String: User]
    public var items: [String: Item]
    /// The position lists are judged at: the top of the page.
    public static let listPosition = 1

    public init(scenario: Scenario = .ecommerce, users: [String: User], items: [String: Item]) {
        self.scenario = scenario
        self.users = users
        self.items = items
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A truth written before the other scenarios existed is e-commerce's.
        scenario = try container.decodeIfPresent(Scenario.self, forKey: .scenario) ?? .ecommerce
        users = try container.decode([String: User].self, forKey: .users)
        items = try container.decode([String: Item].self, forKey: .items)
    }

    /// The e-commerce click probability at `position` (the quickstart's law).
    public static func clickProbability(_ user: User, _ item: Item, position: Int) -> Double {
        SimulatorLaws.Ecommerce.click(user, item, position: position)
    }

    /// The click probability at the top of the list; nil for an unknown user or item.
    public func clickProbability(user: String, item: String) -> Double? {
        expected("click", user: user, item: item)
    }

    /// The expected `quantity` (one of `scenario.quantities`) of showing
    /// `item` to `user` at the top of a page; nil for an unknown user, item
    /// or quantity.
    public func expected(_ quantity: String, user: String, item: String) -> Double? {
        guard let user = users[user], let item = items[item] else { return nil }
        let position = Self.listPosition
        switch (scenario, quantity) {
        case (.ecommerce, "click"): return SimulatorLaws.Ecommerce.click(user, item, position: position)
        case (.ecommerce, "purchase"):
            return SimulatorLaws.Ecommerce.click(user, item, position: position) * SimulatorLaws.Ecommerce.conversion(user, item)
        case (.ecommerce, "purchase_value"):
            return SimulatorLaws.Ecommerce.click(user, item, position: position) * SimulatorLaws.Ecommerce.conversion(user, item)
                * (item.value ?? 0)
        case (.social, "follow"): return SimulatorLaws.Social.follow(user, item)
        case (.social, "share"): return SimulatorLaws.Social.share(user, item)
        case (.social, "comment"): return SimulatorLaws.Social.comment(user, item)
        case (.social, "engagement"): return SimulatorLaws.Social.engagement(user, item)
        case (.ads, "click"): return SimulatorLaws.Ads.click(user, item, position: position)
        case (.ads, "conversion"): return SimulatorLaws.Ads.click(user, item, position: position) * SimulatorLaws.Ads.conversion(user, item)
        case (.ads, "revenue"):
            return SimulatorLaws.Ads.click(user, item, position: position) * SimulatorLaws.Ads.conversion(user, item) * (item.value ?? 0)
        default: return nil
        }
    }

    /// Items a user can never be shown: their own posts.
    public func ownedItems(of user: String) -> Set<String> {
        scenario == .social ? Set(items.filter { $0.value.author == user }.map(\.key)) : []
    }
}
