import Foundation
import MultiTaskLearning

/// Simulated ad-serving logs: users with an interest segment (shown as
/// `interest` 85% of the time; users of a segment have much the same taste), ads from advertisers, each advertiser in one category
/// with its own conversion rate and revenue scale, ads in three formats,
/// impressions at a slot position. From `SimulatorLaws.Ads`: a click follows
/// taste, the creative's quality, position and device; a conversion follows
/// a click; its revenue is log-normal around the advertiser's mean, so a few
/// conversions are worth many times the rest.
struct AdsSimulator {
    var users: Int
    var ads: Int
    var impressions: Int
    var seed: UInt64
    static let tasteDimension = 8, segments = 6, advertisers = 60, categories = 12, positions = 6
    static let devices = EcommerceSimulator.devices
    static let ageBands = EcommerceSimulator.ageBands
    static let formats = ["banner", "video", "native"]
    static let formatQuality = [0.0, 0.3, 0.15]
    static let deviceBias = [0.1, 0.0, -0.2]

    func generate() -> EcommerceSimulator.Simulation {
        var random = RandomSource(seed: seed)
        let dimension = Self.tasteDimension
        func vector(_ scale: Double) -> [Double] { (0..<dimension).map { _ in random.normal() * scale } }

        let segmentTaste = (0..<Self.segments).map { _ in vector(0.8) }
        let categoryTaste = (0..<Self.categories).map { _ in vector(0.8) }
        let segment = (0..<users).map { _ in random.int(below: Self.segments) }
        let interest = segment.map { random.uniformDouble() < 0.85 ? $0 : random.int(below: Self.segments) }
        let age = (0..<users).map { _ in random.int(below: Self.ageBands.count) }
        let device = (0..<users).map { _ in random.int(below: Self.devices.count) }
        let userTaste = segment.map { zip(segmentTaste[$0], vector(0.3)).map { $0 + $1 } }
        let activity = (0..<users).map { _ in exp(random.normal() * 0.8) }
        let truthUsers = (0..<users).map { SimulatorTruth.User(taste: userTaste[$0], deviceBias: Self.deviceBias[device[$0]]) }

        let advertiserCategory = (0..<Self.advertisers).map { _ in random.int(below: Self.categories) }
        let advertiserConversion = (0..<Self.advertisers).map { _ in -1.5 + random.normal() * 0.6 }
        let advertiserLogRevenue = (0..<Self.advertisers).map { _ in 1.2 + random.normal() * 0.6 }
        let advertiser = (0..<ads).map { _ in random.int(below: Self.advertisers) }
        let format = (0..<ads).map { _ in random.int(below: Self.formats.count) }
        let quality = (0..<ads).map { random.normal() * 0.7 + Self.formatQuality[format[$0]] }
        let adTaste = advertiser.map { zip(categoryTaste[advertiserCategory[$0]], vector(0.3)).map { $0 + $1 } }
        let logRevenue = advertiser.map { advertiserLogRevenue[$0] + random.normal() * 0.3 }
        let truthItems = (0..<ads).map {
            SimulatorTruth.Item(taste: adTaste[$0], popularity: quality[$0], conversionBias: advertiserConversion[advertiser[$0]],
                                value: SimulatorLaws.Ads.expectedRevenue(logMean: logRevenue[$0]))
        }

        let pickUser = AliasSampler(weights: activity)
        let pickAd = AliasSampler(weights: quality.map { exp(0.3 * $0) })
        var userOf: [Int] = [], adOf: [Int] = [], position: [Float] = []
        var click: [Float] = [], conversion: [Float] = [], revenue: [Float] = []
        var trueClick: [Float] = [], trueConversion: [Float] = []
        for _ in 0..<impressions {
            let user = pickUser.sample(&random), ad = pickAd.sample(&random)
            let slot = 1 + random.int(below: Self.positions)
            let clickProbability = SimulatorLaws.Ads.click(truthUsers[user], truthItems[ad], position: slot)
            let conversionProbability = SimulatorLaws.Ads.conversion(truthUsers[user], truthItems[ad])
            let clicked = random.uniformDouble() < clickProbability
            let converted = clicked && random.uniformDouble() < conversionProbability
            let spend = exp(logRevenue[ad] + SimulatorLaws.Ads.revenueSpread * random.normal())
            userOf.append(user); adOf.append(ad); position.append(Float(slot))
            click.append(clicked ? 1 : 0)
            conversion.append(clicked ? (converted ? 1 : 0) : .nan)
            revenue.append(converted ? Float((spend * 100).rounded() / 100) : .nan)
            trueClick.append(Float(clickProbability)); trueConversion.append(Float(conversionProbability))
        }
        func advertiserName(_ ad: Int) -> String { String(format: "adv%02d", advertiser[ad] + 1) }
        func categoryName(_ ad: Int) -> String { String(format: "k%02d", advertiserCategory[advertiser[ad]] + 1) }
        let events = Table([
            ("user_id", .int(userOf.map { Int64($0 + 1) })), ("item_id", .int(adOf.map { Int64($0 + 1) })),
            ("timestamp", .int(userOf.indices.map { 1_700_000_000 + Int64($0) * 5 })), ("position", .float(position)),
            ("age_band", .string(userOf.map { Self.ageBands[age[$0]] })), ("device", .string(userOf.map { Self.devices[device[$0]] })),
            ("interest", .string(userOf.map { "s\(interest[$0] + 1)" })), ("advertiser", .string(adOf.map(advertiserName))),
            ("category", .string(adOf.map(categoryName))), ("format", .string(adOf.map { Self.formats[format[$0]] })),
            ("click", .float(click)), ("conversion", .float(conversion)), ("revenue", .float(revenue)),
            ("true_click_probability", .float(trueClick)), ("true_conversion_probability", .float(trueConversion)),
        ])
        let truth = SimulatorTruth(
            scenario: .ads,
            users: Dictionary(uniqueKeysWithValues: truthUsers.enumerated().map { (String($0.offset + 1), $0.element) }),
            items: Dictionary(uniqueKeysWithValues: truthItems.enumerated().map { (String($0.offset + 1), $0.element) }))
        let userTable = Table([("user_id", .int((0..<users).map { Int64($0 + 1) })), ("age_band", .string(age.map { Self.ageBands[$0] })),
                               ("device", .string(device.map { Self.devices[$0] })), ("interest", .string(interest.map { "s\($0 + 1)" }))])
        let itemTable = Table([("item_id", .int((0..<ads).map { Int64($0 + 1) })), ("advertiser", .string((0..<ads).map(advertiserName))),
                               ("category", .string((0..<ads).map(categoryName))), ("format", .string(format.map { Self.formats[$0] }))])
        return .init(events: events, truth: truth, users: userTable, items: itemTable)
    }
}
