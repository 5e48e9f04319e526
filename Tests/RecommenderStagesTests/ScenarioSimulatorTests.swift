import Foundation
import Testing
@testable import RecommenderStages

/// The three scenario simulators draw their labels from the laws their
/// truth keeps, so evaluate's expected values and oracle read the same
/// probabilities the logs were drawn with.
@Suite("Scenario simulators")
struct ScenarioSimulatorTests {
    func ids(_ table: Table, _ name: String) throws -> [String] {
        let column = try #require(table[name], "no column \(name)")
        return (0..<column.count).map(column.text)
    }

    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    @Test func socialFeedsNeverShowAUsersOwnPostsAndKeepTheTrueProbabilities() throws {
        let simulation = try SocialSimulator(users: 40, posts: 60, impressions: 3000, seed: 3).generate()
        let (events, truth) = (simulation.events, simulation.truth)
        #expect(truth.scenario == .social)
        let users = try ids(events, "user_id"), posts = try ids(events, "item_id"), authors = try ids(events, "author_id")
        let follow = try #require(events.floats("true_follow_probability")), share = try #require(events.floats("true_share_probability"))
        let comment = try #require(events.floats("true_comment_probability"))
        for row in 0..<events.rowCount {
            #expect(users[row] != authors[row], "row \(row): a user was shown their own post")
            let (user, post) = (truth.users[users[row]]!, truth.items[posts[row]]!)
            #expect(post.author == authors[row])
            #expect(Float(SimulatorLaws.Social.follow(user, post)) == follow[row])
            #expect(Float(SimulatorLaws.Social.share(user, post)) == share[row])
            #expect(Float(SimulatorLaws.Social.comment(user, post)) == comment[row])
        }
        // Engagement is follow + 2 comment + 3 share, and a user's own posts are theirs.
        let (user, post) = (users[0], posts[0])
        let expected = Double(follow[0]) + 2 * Double(comment[0]) + 3 * Double(share[0])
        #expect(abs(truth.expected("engagement", user: user, item: post)! - expected) < 1e-6)
        #expect(truth.expected("revenue", user: user, item: post) == nil, "not a social quantity")
        #expect(truth.ownedItems(of: authors[0]).contains(posts[0]))
        // A post's words come from its topic's list.
        let texts = try ids(events, "text"), topics = try ids(events, "topic")
        for row in 0..<50 {
            let words = try #require(SocialSimulator.topicWords.first { $0.topic == topics[row] }?.words)
            #expect(texts[row].split(separator: " ").filter { words.contains(String($0)) }.count >= 3, "\(texts[row])")
        }
    }

    @Test func aSocialSimulationWithOneAuthorIsRefused() throws {
        #expect(throws: StageFailure.self) { try SocialSimulator(users: 1, posts: 5, impressions: 10, seed: 1).generate() }
    }

    @Test func adsConvertOnlyAfterAClickAndEarnRevenueOnlyWhenConverted() throws {
        let simulation = AdsSimulator(users: 50, ads: 40, impressions: 20000, seed: 5).generate()
        let (events, truth) = (simulation.events, simulation.truth)
        #expect(truth.scenario == .ads)
        let users = try ids(events, "user_id"), ads = try ids(events, "item_id")
        let click = try #require(events.floats("click")), conversion = try #require(events.floats("conversion"))
        let revenue = try #require(events.floats("revenue")), positions = try #require(events.floats("position"))
        let trueClick = try #require(events.floats("true_click_probability"))
        let trueConversion = try #require(events.floats("true_conversion_probability"))
        var revenues: [Float] = []
        for row in 0..<events.rowCount {
            #expect(click[row] == 1 || conversion[row].isNaN, "row \(row): a conversion label without a click")
            #expect(conversion[row] == 1 || revenue[row].isNaN, "row \(row): revenue without a conversion")
            if conversion[row] == 1 { #expect(revenue[row] > 0); revenues.append(revenue[row]) }
            let (user, ad) = (truth.users[users[row]]!, truth.items[ads[row]]!)
            #expect(Float(SimulatorLaws.Ads.click(user, ad, position: Int(positions[row]))) == trueClick[row])
            #expect(Float(SimulatorLaws.Ads.conversion(user, ad)) == trueConversion[row])
        }
        // Log-normal revenue: the mean is well above the median.
        let sorted = revenues.sorted()
        #expect(revenues.count > 50)
        #expect(revenues.reduce(0, +) / Float(revenues.count) > 1.3 * sorted[sorted.count / 2])
        // Expected revenue of a shown ad: P(click at the top) x P(conversion) x the ad's mean revenue.
        let (user, ad) = (truth.users[users[0]]!, truth.items[ads[0]]!)
        let expected = SimulatorLaws.Ads.click(user, ad, position: 1) * SimulatorLaws.Ads.conversion(user, ad) * ad.value!
        #expect(truth.expected("revenue", user: users[0], item: ads[0]) == expected)
    }

    @Test func theShopsConversionAndPurchaseValueFollowItsLaw() throws {
        let simulation = EcommerceSimulator(users: 30, items: 20, impressions: 800, seed: 4).generate()
        let (events, truth) = (simulation.events, simulation.truth)
        let users = try ids(events, "user_id"), items = try ids(events, "item_id")
        let kept = try #require(events.floats("true_conversion_probability")), prices = try #require(events.floats("price"))
        for row in 0..<events.rowCount {
            let (user, item) = (truth.users[users[row]]!, truth.items[items[row]]!)
            #expect(Float(SimulatorLaws.Ecommerce.conversion(user, item)) == kept[row])
            #expect(Float(item.value!) == prices[row])
        }
        let click = truth.expected("click", user: users[0], item: items[0])!
        let conversion = SimulatorLaws.Ecommerce.conversion(truth.users[users[0]]!, truth.items[items[0]]!)
        #expect(truth.expected("purchase_value", user: users[0], item: items[0]) == click * conversion * truth.items[items[0]]!.value!)
    }

    @Test func imageVectorsAreOnePerItemAndChangeNoEvent() throws {
        let plain = EcommerceSimulator(users: 30, items: 20, impressions: 500, seed: 4).generate()
        let withVectors = EcommerceSimulator(users: 30, items: 20, impressions: 500, seed: 4, vectorDimensions: 6).generate()
        #expect(plain.events == withVectors.events)
        #expect(plain.itemVectors == nil)
        let vectors = try #require(withVectors.itemVectors)
        #expect(vectors.rows == 20 && vectors.columns == 7)
        let firstColumn: [Float] = (0..<20).map { vectors.values[$0 * 7] }
        let itemIDs: [Float] = (1...20).map { Float($0) }
        #expect(firstColumn == itemIDs, "the first column is the item id")
        // The vectors carry the item's taste: the 20 closest pairs by taste are closer in vectors than the 20 farthest.
        func squared(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).reduce(0.0) { total, pair in total + (pair.0 - pair.1) * (pair.0 - pair.1) }
        }
        let tastes: [[Double]] = (1...20).map { withVectors.truth.items[String($0)]!.taste }
        let images: [[Double]] = (0..<20).map { vectors.row($0).dropFirst().map { Double($0) } }
        var pairs: [(Int, Int)] = []
        for a in 0..<20 { for b in (a + 1)..<20 { pairs.append((a, b)) } }
        pairs.sort { squared(tastes[$0.0], tastes[$0.1]) < squared(tastes[$1.0], tastes[$1.1]) }
        let nearSum = pairs.prefix(20).reduce(0.0) { $0 + squared(images[$1.0], images[$1.1]) }
        let farSum = pairs.suffix(20).reduce(0.0) { $0 + squared(images[$1.0], images[$1.1]) }
        #expect(nearSum < farSum)
    }

    @Test func aTruthWrittenBeforeScenariosIsTheShops() throws {
        let json = #"{"users": {"1": {"taste": [0.5], "deviceBias": 0}}, "items": {"9": {"taste": [1.0], "popularity": 0}}}"#
        let truth = try JSONDecoder().decode(SimulatorTruth.self, from: Data(json.utf8))
        #expect(truth.scenario == .ecommerce)
        #expect(truth.expected("click", user: "1", item: "9") == sigmoid(-2.0 + 1.3 * 0.5))
    }
}
