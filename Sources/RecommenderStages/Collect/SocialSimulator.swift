import Foundation
import MultiTaskLearning

/// Simulated social-feed logs: users in hidden circles (their region hints
/// at it), posts written by users on a topic, with a short text, shown in
/// other users' feeds (never their authors'). Each impression may draw a
/// share, a comment and a follow of the author, from `SimulatorLaws.Social`:
/// shares follow taste and the post's virality, which only its words show;
/// comments and follows come mostly from the user's own circle.
struct SocialSimulator {
    var users: Int
    var posts: Int
    var impressions: Int
    var seed: UInt64
    static let tasteDimension = 8, communities = 10
    /// One per circle: a circle mostly lives in its own region.
    static let regions = ["north", "south", "east", "west", "central", "coast", "hills", "lakes", "islands", "plains"]
    static let ageBands = EcommerceSimulator.ageBands
    /// Words a post on each topic is written with.
    static let topicWords: [(topic: String, words: [String])] = [
        ("sports", ["match", "goal", "league", "coach", "season", "team"]),
        ("music", ["album", "concert", "guitar", "song", "tour", "band"]),
        ("food", ["recipe", "pasta", "bakery", "spicy", "dinner", "brunch"]),
        ("travel", ["beach", "flight", "hostel", "island", "hiking", "map"]),
        ("tech", ["laptop", "code", "chip", "startup", "app", "robot"]),
        ("movies", ["trailer", "director", "sequel", "cinema", "actor", "scene"]),
        ("pets", ["puppy", "kitten", "leash", "vet", "paws", "treats"]),
        ("fitness", ["gym", "run", "yoga", "protein", "squat", "marathon"]),
        ("science", ["telescope", "cells", "physics", "lab", "fossil", "orbit"]),
        ("fashion", ["sneakers", "jacket", "denim", "runway", "vintage", "style"]),
        ("gaming", ["console", "boss", "speedrun", "quest", "pixel", "raid"]),
        ("books", ["novel", "chapter", "poetry", "library", "author", "plot"]),
    ]
    /// A viral post's tone, and a plain one's.
    static let buzzWords = ["wow", "unbelievable", "insane", "epic", "hilarious", "shocking", "must", "legendary"]
    static let plainWords = ["update", "note", "thoughts", "minor", "list", "again", "some", "okay"]
    static let fillerWords = ["today", "with", "my", "new", "the", "this", "week", "just"]

    func generate() throws -> EcommerceSimulator.Simulation {
        var random = RandomSource(seed: seed)
        let dimension = Self.tasteDimension
        func vector(_ scale: Double) -> [Double] { (0..<dimension).map { _ in random.normal() * scale } }

        let circleTaste = (0..<Self.communities).map { _ in vector(0.6) }
        let topicTaste = Self.topicWords.map { _ in vector(0.7) }
        let community = (0..<users).map { _ in random.int(below: Self.communities) }
        // The region is the circle's most of the time: a visible hint of a hidden group.
        let region = community.map { random.uniformDouble() < 0.75 ? $0 % Self.regions.count : random.int(below: Self.regions.count) }
        let age = (0..<users).map { _ in random.int(below: Self.ageBands.count) }
        let userTaste = community.map { circle in zip(circleTaste[circle], vector(0.5)).map { $0 + $1 } }
        let activity = (0..<users).map { _ in exp(random.normal() * 0.8) }
        let truthUsers = (0..<users).map { SimulatorTruth.User(taste: userTaste[$0], deviceBias: 0, community: community[$0]) }

        let pickUser = AliasSampler(weights: activity)
        let author = (0..<posts).map { _ in pickUser.sample(&random) }
        let topic = (0..<posts).map { _ in random.int(below: Self.topicWords.count) }
        let virality = (0..<posts).map { _ in random.normal() }
        let appeal = (0..<posts).map { _ in random.normal() * 0.7 }
        let postTaste = topic.map { zip(topicTaste[$0], vector(0.4)).map { $0 + $1 } }
        let text = (0..<posts).map { Self.text(topic: topic[$0], virality: virality[$0], random: &random) }
        let truthItems = (0..<posts).map {
            SimulatorTruth.Item(taste: postTaste[$0], popularity: appeal[$0], author: String(author[$0] + 1),
                                authorCommunity: community[author[$0]], virality: virality[$0])
        }

        guard Set(author).count > 1 else {
            throw StageFailure("simulate_social needs posts by at least two authors to fill a feed (users: \(users), items: \(posts)); raise users or items")
        }
        // Posts are published one after another over the whole log and stay in
        // feeds for a while: most of a post's impressions come soon after it
        // appears, so the latest posts have few (the cold start text helps with).
        let draw = (0..<posts).map { exp(0.4 * appeal[$0] + 0.3 * virality[$0]) }
        let highestDraw = draw.max() ?? 1
        let lifetime = max(posts / 6, min(posts, 20))
        func pickPost(at index: Int) -> Int {
            let newest = min(posts - 1, index * posts / max(impressions, 1)), oldest = max(0, newest - lifetime + 1)
            for _ in 0..<64 {
                let post = oldest + random.int(below: newest - oldest + 1)
                if random.uniformDouble() * highestDraw < draw[post] { return post }
            }
            return oldest + random.int(below: newest - oldest + 1)
        }
        var viewers: [Int64] = [], shown: [Int64] = [], follow: [Float] = [], share: [Float] = [], comment: [Float] = []
        var truths: (follow: [Float], share: [Float], comment: [Float]) = ([], [], [])
        var postOf: [Int] = [], viewerOf: [Int] = []
        for index in 0..<impressions {
            var viewer = pickUser.sample(&random)
            var post = pickPost(at: index)
            // A feed never shows users their own posts.
            while author[post] == viewer {
                viewer = pickUser.sample(&random)
                post = pickPost(at: index)
            }
            let (user, item) = (truthUsers[viewer], truthItems[post])
            let probabilities = (SimulatorLaws.Social.follow(user, item), SimulatorLaws.Social.share(user, item),
                                 SimulatorLaws.Social.comment(user, item))
            viewers.append(Int64(viewer + 1)); shown.append(Int64(post + 1))
            viewerOf.append(viewer); postOf.append(post)
            follow.append(random.uniformDouble() < probabilities.0 ? 1 : 0)
            share.append(random.uniformDouble() < probabilities.1 ? 1 : 0)
            comment.append(random.uniformDouble() < probabilities.2 ? 1 : 0)
            truths.follow.append(Float(probabilities.0)); truths.share.append(Float(probabilities.1)); truths.comment.append(Float(probabilities.2))
        }
        let events = Table([
            ("user_id", .int(viewers)), ("item_id", .int(shown)), ("timestamp", .int(viewers.indices.map { 1_700_000_000 + Int64($0) * 20 })),
            ("region", .string(viewerOf.map { Self.regions[region[$0]] })), ("age_band", .string(viewerOf.map { Self.ageBands[age[$0]] })),
            ("author_id", .int(postOf.map { Int64(author[$0] + 1) })), ("author_region", .string(postOf.map { Self.regions[region[author[$0]]] })),
            ("topic", .string(postOf.map { Self.topicWords[topic[$0]].topic })), ("text", .string(postOf.map { text[$0] })),
            ("follow", .float(follow)), ("share", .float(share)), ("comment", .float(comment)),
            ("true_follow_probability", .float(truths.follow)), ("true_share_probability", .float(truths.share)),
            ("true_comment_probability", .float(truths.comment)),
        ])
        let truth = SimulatorTruth(
            scenario: .social,
            users: Dictionary(uniqueKeysWithValues: truthUsers.enumerated().map { (String($0.offset + 1), $0.element) }),
            items: Dictionary(uniqueKeysWithValues: truthItems.enumerated().map { (String($0.offset + 1), $0.element) }))
        let userTable = Table([("user_id", .int((0..<users).map { Int64($0 + 1) })), ("region", .string(region.map { Self.regions[$0] })),
                               ("age_band", .string(age.map { Self.ageBands[$0] }))])
        let itemTable = Table([("item_id", .int((0..<posts).map { Int64($0 + 1) })), ("author_id", .int(author.map { Int64($0 + 1) })),
                               ("author_region", .string(author.map { Self.regions[region[$0]] })),
                               ("topic", .string(topic.map { Self.topicWords[$0].topic })), ("text", .string(text))])
        return .init(events: events, truth: truth, users: userTable, items: itemTable)
    }

    /// Three topic words, two words of tone (buzz more often the more viral
    /// the post), one filler, in random order.
    static func text(topic: Int, virality: Double, random: inout RandomSource) -> String {
        let topicList = topicWords[topic].words
        var words = (0..<3).map { _ in topicList[random.int(below: topicList.count)] }
        let buzz = 1 / (1 + exp(-1.6 * virality))
        for _ in 0..<2 {
            let tone = random.uniformDouble() < buzz ? buzzWords : plainWords
            words.append(tone[random.int(below: tone.count)])
        }
        words.append(fillerWords[random.int(below: fillerWords.count)])
        random.shuffle(&words)
        return words.joined(separator: " ")
    }
}
