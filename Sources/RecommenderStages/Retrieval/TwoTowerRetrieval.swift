import Foundation
import MultiTaskLearning

/// retrieve's two_tower method: a `TwoTowerModel` trained on the logged
/// training interactions (each row a positive pair), its user tower fed with
/// the transform's user features and its item tower with the item features,
/// both read from each user's and item's latest training row.
struct TwoTowerRetrieval {
    struct Settings {
        var hidden: [Int]
        var dimension: Int
        var epochs: Int
        var batchSize: Int
        var learningRate: Float
        var seed: UInt64
    }

    /// One side's features, row-major, read from the encoded history.
    struct Side {
        let schema: FeatureSchema
        let categorical: [[Int64]]
        let numeric: [[Float]]

        init(history: Table, transform: FeatureTransform, names: [String], embeddingDimension: Int) throws {
            let full = transform.schema(embeddingDimension: embeddingDimension)
            let categorical = full.categorical.filter { names.contains($0.name) }
            let numeric = full.numericNames.filter { names.contains($0) }
            guard !categorical.isEmpty || !numeric.isEmpty else {
                throw StageFailure("two_tower needs user_features and item_features in the features stage: a tower needs something to read")
            }
            schema = FeatureSchema(numericNames: numeric, categorical: categorical, embeddingDimension: embeddingDimension)
            self.categorical = try categorical.map { feature in
                guard case .int(let codes)? = history["cat.\(feature.name)"] else { throw StageFailure("the history has no cat.\(feature.name)") }
                return codes
            }
            self.numeric = try numeric.map { name in
                guard let values = history.floats("num.\(name)") else { throw StageFailure("the history has no num.\(name)") }
                return values
            }
        }

        func fill(_ batch: Batch, rows: some Collection<Int>) {
            batch.resize(rows: rows.count)
            let categoricalCount = categorical.count, numericCount = numeric.count
            for (position, row) in rows.enumerated() {
                for (feature, codes) in categorical.enumerated() { batch.categorical[position * categoricalCount + feature] = Int32(codes[row]) }
                for (feature, values) in numeric.enumerated() { batch.numeric.data[position * numericCount + feature] = values[row] }
            }
        }

        func batch(rows: Int) -> Batch { Batch(rows: rows, numericCount: numeric.count, categoricalCount: categorical.count, taskCount: 0) }
    }

    let itemVectors: [[Float]]
    let userVectors: [String: [Float]]

    /// Trains on `rows` of `history` (logged rows only: the positive pairs) and
    /// embeds every catalog item of `interactions` and every user of `history`.
    init(history: Table, rows: [Int], interactions: Interactions, transform: FeatureTransform, settings: Settings,
         report: (String) -> Void) throws {
        let (users, items) = try history.userItemKeys()
        let userSide = try Side(history: history, transform: transform, names: transform.userFeatures, embeddingDimension: 16)
        let itemSide = try Side(history: history, transform: transform, names: transform.itemFeatures, embeddingDimension: 16)
        let model = TwoTowerModel(userSchema: userSide.schema, itemSchema: itemSide.schema, hidden: settings.hidden,
                                  dimension: settings.dimension, seed: settings.seed)
        let optimizer = Optimizer(OptimizerSettings(kind: .adam, learningRate: settings.learningRate))
        // The correction: each item's share of the training rows, as log probability.
        let total = max(interactions.popularity.reduce(0, +), 1)
        let itemLogProbability = interactions.popularity.map { Float(log(max($0, 1) / total)) }
        // Per history row, its item's log probability: looked up once, not once per epoch.
        let logProbability = items.map { itemLogProbability[interactions.itemIndex[$0]!] }
        guard rows.count >= 2 else { throw StageFailure("two_tower needs at least 2 training interactions, found \(rows.count)") }
        // A batch larger than the data would leave no full batch: one batch of everything instead.
        let batchSize = min(settings.batchSize, rows.count)
        var random = RandomSource(seed: settings.seed)
        var order = rows
        let userBatch = userSide.batch(rows: batchSize), itemBatch = itemSide.batch(rows: batchSize)
        for epoch in 1...max(settings.epochs, 1) {
            random.shuffle(&order)
            var loss = 0.0, batches = 0
            // Full batches only: the in-batch softmax needs its negatives.
            for start in stride(from: 0, to: order.count - batchSize + 1, by: batchSize) {
                let batchRows = order[start..<(start + batchSize)]
                userSide.fill(userBatch, rows: batchRows)
                itemSide.fill(itemBatch, rows: batchRows)
                for parameter in model.parameters { parameter.zeroGradient() }
                loss += model.loss(users: userBatch, items: itemBatch,
                                   logProbability: batchRows.map { logProbability[$0] }, accumulate: true)
                optimizer.update(model.parameters)
                batches += 1
            }
            report("retrieve: two_tower epoch \(epoch): in-batch softmax loss \(String(format: "%.4f", loss / Double(max(batches, 1)))) over \(batches) batches")
        }
        // Each user's and item's latest row stands for them (any logged row, trained on or not).
        var latestUser: [String: Int] = [:], latestItem: [String: Int] = [:]
        for row in 0..<history.rowCount {
            latestUser[users[row]] = row
            latestItem[items[row]] = row
        }
        func embed(_ side: Side, rows: [Int], tower: (Batch) -> Tensor) -> [[Float]] {
            var vectors: [[Float]] = []
            for start in stride(from: 0, to: rows.count, by: 1024) {
                let chunk = rows[start..<min(rows.count, start + 1024)]
                let batch = side.batch(rows: chunk.count)
                side.fill(batch, rows: chunk)
                let output = tower(batch)
                for row in 0..<chunk.count { vectors.append(Array(UnsafeBufferPointer(start: output.data + row * output.cols, count: output.cols))) }
            }
            return vectors
        }
        itemVectors = embed(itemSide, rows: interactions.items.map { latestItem[$0]! }, tower: model.embedItems)
        let knownUsers = latestUser.keys.sorted()
        userVectors = Dictionary(uniqueKeysWithValues: zip(knownUsers, embed(userSide, rows: knownUsers.map { latestUser[$0]! }, tower: model.embedUsers)))
    }

    /// The user's score for every catalog item; nil for a user without training rows.
    func scores(for user: String) -> [Double]? {
        guard let vector = userVectors[user] else { return nil }
        return itemVectors.map { item in Double(zip(vector, item).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
    }
}
