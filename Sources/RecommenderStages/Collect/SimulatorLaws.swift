import Foundation

/// The laws each simulator draws its labels from. A law reads only the
/// latent factors kept in `SimulatorTruth`, so evaluate can compute the same
/// probabilities for any list.
public enum SimulatorLaws {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// How well a user's taste matches an item's, scaled so that random
    /// tastes give values of order one.
    static func affinity(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
        zip(user.taste, item.taste).reduce(0) { $0 + $1.0 * $1.1 } / Double(max(user.taste.count, 1)).squareRoot()
    }

    /// A shop: clicks follow taste, popularity, position and device; a
    /// purchase follows a click, more likely when cheap and well matched.
    public enum Ecommerce {
        public static func click(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item, position: Int) -> Double {
            sigmoid(-2.0 + 1.3 * affinity(user, item) + 0.35 * item.popularity - 0.12 * Double(position - 1) + user.deviceBias)
        }

        /// The probability of a purchase given a click.
        public static func conversion(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            sigmoid((item.conversionBias ?? 0) + (user.conversionBias ?? 0) + 0.9 * affinity(user, item))
        }

        /// The item's part of the conversion logit: dearer items sell less.
        static func conversionBias(price: Double) -> Double { -0.8 - 0.6 * log(price / 30) }
    }

    /// A social feed: shares follow taste and the post's virality (which its
    /// text shows), comments and follows mostly come from the user's circle.
    public enum Social {
        /// The engagement a feed ranks by: one follow, two comments or three
        /// shares' worth, per post shown.
        public static let weights = (follow: 1.0, comment: 2.0, share: 3.0)

        static func sameCircle(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            user.community != nil && user.community == item.authorCommunity ? 1 : 0
        }

        public static func share(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            sigmoid(-3.2 + 1.0 * affinity(user, item) + 1.2 * (item.virality ?? 0) + 0.4 * sameCircle(user, item))
        }

        public static func comment(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            sigmoid(-3.0 + 1.3 * affinity(user, item) + 0.9 * sameCircle(user, item) + 0.3 * item.popularity)
        }

        public static func follow(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            sigmoid(-3.6 + 1.8 * sameCircle(user, item) + 0.6 * affinity(user, item))
        }

        public static func engagement(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            weights.follow * follow(user, item) + weights.comment * comment(user, item) + weights.share * share(user, item)
        }
    }

    /// Ads: clicks follow taste, the creative's quality, position and device;
    /// a conversion follows a click, mostly by advertiser; its revenue is
    /// log-normal around the advertiser's mean (a heavy tail).
    public enum Ads {
        /// The spread of log revenue, the same for every advertiser.
        public static let revenueSpread = 1.0

        public static func click(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item, position: Int) -> Double {
            sigmoid(-3.0 + 1.1 * affinity(user, item) + 0.5 * item.popularity - 0.15 * Double(position - 1) + user.deviceBias)
        }

        public static func conversion(_ user: SimulatorTruth.User, _ item: SimulatorTruth.Item) -> Double {
            sigmoid((item.conversionBias ?? 0) + 0.8 * affinity(user, item))
        }

        /// The mean of a log-normal revenue whose log has mean `logMean`.
        static func expectedRevenue(logMean: Double) -> Double { exp(logMean + revenueSpread * revenueSpread / 2) }
    }
}
