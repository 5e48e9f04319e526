import Foundation
import MultiTaskLearning

/// Simulated e-commerce logs: users (age band, gender, city tier, device),
/// items (category, brand, price), latent tastes, and impressions at a
/// position. A click depends on user-item affinity, popularity, position and
/// device; a conversion can only follow a click, a rating only a conversion.
/// The true click and conversion probabilities are kept for diagnostics, and
/// the latent factors behind them are returned as `SimulatorTruth`
/// (`SimulatorLaws.Ecommerce` holds the formulas). With `vectorDimensions`,
/// each item also gets an "image" vector: a fixed random projection of its
/// taste plus noise, as an image encoder would give for a product photo.
struct EcommerceSimulator {
    var users: Int
    var items: Int
    var impressions: Int
    var seed: UInt64
    var vectorDimensions = 0
    static let tasteDimension = 8
    static let ageBands = ["18-24", "25-34", "35-44", "45-54", "55+"]
    static let genders = ["f", "m", "u"]
    static let devices = ["ios", "android", "web"]
    static let categories = 20, brands = 100

    /// One simulation: the impressions, the latent truth, and the users' and
    /// items' attributes as side tables (one row per user or item).
    struct Simulation {
        var events: Table
        var truth: SimulatorTruth
        var users: Table
        var items: Table
        /// items x (1 + vectorDimensions): the item id, then its image vector; nil without vectors.
        var itemVectors: NumpyMatrix?

        /// Implicit feedback, as a streaming or shopping log keeps it: only the
        /// clicked impressions (watched = 1), a rating where one was given, and
        /// no user or item attributes (they are in the side tables).
        var interactions: Table {
            guard let clicks = events.floats("click") else { return Table() }
            let kept = clicks.indices.filter { clicks[$0] == 1 }
            let rows = events.rows(kept)
            return Table([("user_id", rows["user_id"]!), ("item_id", rows["item_id"]!), ("timestamp", rows["timestamp"]!),
                          ("watched", .float(kept.map { _ in 1 })), ("rating", rows["rating"]!)])
        }
    }

    func run() -> Table { generate().events }

    func generate() -> Simulation {
        var random = RandomSource(seed: seed)
        let dimension = Self.tasteDimension
        func vector(_ scale: Double) -> [Double] { (0..<dimension).map { _ in random.normal() * scale } }

        // Segments shape tastes: an age band and a device pull users one way,
        // a category pulls items one way.
        let ageTaste = Self.ageBands.map { _ in vector(0.6) }
        let deviceTaste = Self.devices.map { _ in vector(0.3) }
        let categoryTaste = (0..<Self.categories).map { _ in vector(0.7) }
        let deviceBias = [0.15, 0.0, -0.25]

        let userAge = (0..<users).map { _ in random.int(below: Self.ageBands.count) }
        let userGender = (0..<users).map { _ in random.int(below: Self.genders.count) }
        let userTier = (0..<users).map { _ in 1 + random.int(below: 4) }
        let userDevice = (0..<users).map { _ in random.int(below: Self.devices.count) }
        let userTaste = (0..<users).map { user in
            zip(zip(ageTaste[userAge[user]], deviceTaste[userDevice[user]]), vector(0.5)).map { $0.0 + $0.1 + $1 }
        }
        let activity = (0..<users).map { _ in exp(random.normal() * 0.8) }

        let itemCategory = (0..<items).map { _ in random.int(below: Self.categories) }
        let itemBrand = (0..<items).map { _ in random.int(below: Self.brands) }
        let itemPrice = (0..<items).map { _ in (30 * exp(random.normal() * 0.7) * 100).rounded() / 100 }
        let itemTaste = (0..<items).map { item in zip(categoryTaste[itemCategory[item]], vector(0.4)).map { $0 + $1 } }
        let popularity = (0..<items).map { _ in random.normal() }

        let pickUser = AliasSampler(weights: activity)
        let pickItem = AliasSampler(weights: popularity.map { exp(0.8 * $0) })

        let truthUsers = (0..<users).map {
            SimulatorTruth.User(taste: userTaste[$0], deviceBias: deviceBias[userDevice[$0]], conversionBias: userTier[$0] == 1 ? 0.25 : 0)
        }
        let truthItems = (0..<items).map {
            SimulatorTruth.Item(taste: itemTaste[$0], popularity: popularity[$0],
                                conversionBias: SimulatorLaws.Ecommerce.conversionBias(price: itemPrice[$0]), value: itemPrice[$0])
        }
        var columns = EventColumns(capacity: impressions)
        for index in 0..<impressions {
            let user = pickUser.sample(&random), item = pickItem.sample(&random)
            let position = 1 + random.int(below: 10)
            let affinity = SimulatorLaws.affinity(truthUsers[user], truthItems[item])
            let clickProbability = SimulatorLaws.Ecommerce.click(truthUsers[user], truthItems[item], position: position)
            let conversionProbability = SimulatorLaws.Ecommerce.conversion(truthUsers[user], truthItems[item])
            let clicked = random.uniformDouble() < clickProbability
            let converted = clicked && random.uniformDouble() < conversionProbability
            var rating = Float.nan
            if converted {
                rating = Float(min(5, max(1, (3.3 + 1.1 * affinity + random.normal() * 0.6).rounded())))
            }
            columns.append(user: user, item: item, time: 1_700_000_000 + Int64(index) * 15, position: position,
                           age: Self.ageBands[userAge[user]], gender: Self.genders[userGender[user]], tier: userTier[user],
                           device: Self.devices[userDevice[user]], category: String(format: "c%02d", itemCategory[item] + 1),
                           brand: String(format: "b%03d", itemBrand[item] + 1), price: itemPrice[item],
                           click: clicked, conversion: clicked ? (converted ? 1 : 0) : .nan, rating: rating,
                           clickProbability: clickProbability, conversionProbability: conversionProbability)
        }
        let truth = SimulatorTruth(
            users: Dictionary(uniqueKeysWithValues: truthUsers.enumerated().map { (String($0.offset + 1), $0.element) }),
            items: Dictionary(uniqueKeysWithValues: truthItems.enumerated().map { (String($0.offset + 1), $0.element) }))
        let userTable = Table([("user_id", .int((0..<users).map { Int64($0 + 1) })), ("age_band", .string(userAge.map { Self.ageBands[$0] })),
                               ("gender", .string(userGender.map { Self.genders[$0] })), ("city_tier", .int(userTier.map(Int64.init))),
                               ("device", .string(userDevice.map { Self.devices[$0] }))])
        let itemTable = Table([("item_id", .int((0..<items).map { Int64($0 + 1) })),
                               ("category", .string(itemCategory.map { String(format: "c%02d", $0 + 1) })),
                               ("brand", .string(itemBrand.map { String(format: "b%03d", $0 + 1) })), ("price", .float(itemPrice.map(Float.init)))])
        return Simulation(events: columns.table, truth: truth, users: userTable, items: itemTable,
                          itemVectors: vectorDimensions > 0 ? imageVectors(itemTaste) : nil)
    }

    /// Each item's taste through one fixed random projection, plus noise. Drawn
    /// from a stream of their own, so asking for vectors changes no event.
    private func imageVectors(_ tastes: [[Double]]) -> NumpyMatrix {
        var random = RandomSource(seed: seed &+ 0x5eed_0f_1a6e)
        let dimension = Self.tasteDimension
        let projection = (0..<(vectorDimensions * dimension)).map { _ in random.normal() / Double(dimension).squareRoot() }
        var values: [Float] = []
        values.reserveCapacity(tastes.count * (1 + vectorDimensions))
        for (item, taste) in tastes.enumerated() {
            values.append(Float(item + 1))
            for row in 0..<vectorDimensions {
                let projected = (0..<dimension).reduce(0.0) { $0 + projection[row * dimension + $1] * taste[$1] }
                values.append(Float(projected + random.normal() * 0.3))
            }
        }
        return NumpyMatrix(rows: tastes.count, columns: 1 + vectorDimensions, values: values)
    }
}

/// The simulator's output columns, filled row by row.
private struct EventColumns {
    var user: [Int64] = [], item: [Int64] = [], time: [Int64] = [], position: [Float] = []
    var age: [String] = [], gender: [String] = [], tier: [Int64] = [], device: [String] = []
    var category: [String] = [], brand: [String] = [], price: [Float] = []
    var click: [Float] = [], conversion: [Float] = [], rating: [Float] = []
    var clickProbability: [Float] = [], conversionProbability: [Float] = []

    init(capacity: Int) {
        user.reserveCapacity(capacity)
        item.reserveCapacity(capacity)
    }

    mutating func append(user u: Int, item i: Int, time t: Int64, position p: Int, age a: String, gender g: String, tier r: Int,
                         device d: String, category c: String, brand b: String, price v: Double, click k: Bool,
                         conversion: Float, rating: Float, clickProbability pc: Double, conversionProbability pv: Double) {
        user.append(Int64(u + 1)); item.append(Int64(i + 1)); time.append(t); position.append(Float(p))
        age.append(a); gender.append(g); tier.append(Int64(r)); device.append(d)
        category.append(c); brand.append(b); price.append(Float(v))
        click.append(k ? 1 : 0); self.conversion.append(conversion); self.rating.append(rating)
        clickProbability.append(Float(pc)); conversionProbability.append(Float(pv))
    }

    var table: Table {
        Table([("user_id", .int(user)), ("item_id", .int(item)), ("timestamp", .int(time)), ("position", .float(position)),
               ("age_band", .string(age)), ("gender", .string(gender)), ("city_tier", .int(tier)), ("device", .string(device)),
               ("category", .string(category)), ("brand", .string(brand)), ("price", .float(price)),
               ("click", .float(click)), ("conversion", .float(conversion)), ("rating", .float(rating)),
               ("true_click_probability", .float(clickProbability)), ("true_conversion_probability", .float(conversionProbability))])
    }
}

/// Walker's alias method: draws an index with probability proportional to
/// its weight in constant time.
struct AliasSampler {
    private var probability: [Double]
    private var alias: [Int]

    init(weights: [Double]) {
        let count = weights.count, total = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(count) / total }
        probability = Array(repeating: 1, count: count)
        alias = Array(0..<count)
        var small = scaled.indices.filter { scaled[$0] < 1 }, large = scaled.indices.filter { scaled[$0] >= 1 }
        while let less = small.popLast(), let more = large.last {
            probability[less] = scaled[less]
            alias[less] = more
            scaled[more] -= 1 - scaled[less]
            if scaled[more] < 1 {
                large.removeLast()
                small.append(more)
            }
        }
    }

    func sample(_ random: inout RandomSource) -> Int {
        let index = random.int(below: probability.count)
        return random.uniformDouble() < probability[index] ? index : alias[index]
    }
}
