import Foundation

/// A two-tower retrieval model (Yi et al., RecSys 2019): a user tower and an
/// item tower map their features to vectors of one dimension, and a user's
/// score for an item is their dot product. Trained on (user, item)
/// interactions with an in-batch sampled softmax: each row's item is the
/// positive and the batch's other items are the negatives, each logit
/// corrected by the item's log sampling probability (log popularity), so
/// popular items are not punished for appearing as negatives more often.
public final class TwoTowerModel {
    public let userEncoder: FeatureEncoder
    public let itemEncoder: FeatureEncoder
    public let userTower: Sequential
    public let itemTower: Sequential
    /// rows x rows; made anew when the batch size changes.
    private var logits = Tensor(rows: 0, cols: 1)
    private let gradientUsers: Tensor
    private let gradientItems: Tensor

    public init(userSchema: FeatureSchema, itemSchema: FeatureSchema, hidden: [Int], dimension: Int, seed: UInt64) {
        var random = RandomSource(seed: seed)
        func tower(_ name: String, inputs: Int) -> Sequential {
            var layers: [any Layer] = [], width = inputs
            for (index, units) in hidden.enumerated() {
                layers.append(Dense(name: "\(name).\(index)", inputs: width, outputs: units, initialization: .he, isShared: false, random: &random))
                layers.append(ReLU(width: units))
                width = units
            }
            layers.append(Dense(name: "\(name).out", inputs: width, outputs: dimension, initialization: .xavier, isShared: false, random: &random))
            return Sequential(layers)
        }
        userEncoder = FeatureEncoder(schema: userSchema, namePrefix: "user.", isShared: false, random: &random)
        itemEncoder = FeatureEncoder(schema: itemSchema, namePrefix: "item.", isShared: false, random: &random)
        userTower = tower("user_tower", inputs: userSchema.inputWidth)
        itemTower = tower("item_tower", inputs: itemSchema.inputWidth)
        gradientUsers = Tensor(rows: 0, cols: dimension)
        gradientItems = Tensor(rows: 0, cols: dimension)
    }

    public var parameters: [Parameter] { userEncoder.parameters + userTower.parameters + itemEncoder.parameters + itemTower.parameters }

    /// The vectors of a batch of users (or items); owned by the tower, valid until its next forward.
    public func embedUsers(_ batch: Batch) -> Tensor { userTower.forward(userEncoder.forward(batch), training: false) }
    public func embedItems(_ batch: Batch) -> Tensor { itemTower.forward(itemEncoder.forward(batch), training: false) }

    /// The mean in-batch softmax loss of rows whose i-th user interacted with
    /// the i-th item; `logProbability[i]` is the i-th item's log sampling
    /// probability. With `accumulate`, adds every parameter's gradient.
    @discardableResult
    public func loss(users: Batch, items: Batch, logProbability: [Float], accumulate: Bool) -> Double {
        let rows = users.rows
        precondition(items.rows == rows && logProbability.count == rows, "one item and one probability per user row")
        let userVectors = userTower.forward(userEncoder.forward(users), training: true)
        let itemVectors = itemTower.forward(itemEncoder.forward(items), training: true)
        if logits.cols != rows { logits = Tensor(rows: rows, cols: rows) } else { logits.resize(rows: rows) }
        BLAS.gemm(userVectors, itemVectors, transposeB: true, into: logits)
        var total = 0.0
        for row in 0..<rows {
            let line = logits.data + row * rows
            var largest = -Float.infinity
            for column in 0..<rows {
                line[column] -= logProbability[column]
                largest = max(largest, line[column])
            }
            var sum: Float = 0
            for column in 0..<rows {
                line[column] = exp(line[column] - largest)
                sum += line[column]
            }
            // Softmax in place; the loss is -log of the diagonal's probability.
            for column in 0..<rows { line[column] /= sum }
            total -= log(Double(max(line[row], .leastNormalMagnitude)))
        }
        guard accumulate else { return total / Double(rows) }
        // d loss / d logits = (softmax - identity) / rows.
        for row in 0..<rows {
            let line = logits.data + row * rows
            line[row] -= 1
            for column in 0..<rows { line[column] /= Float(rows) }
        }
        gradientUsers.resize(rows: rows)
        gradientItems.resize(rows: rows)
        BLAS.gemm(logits, itemVectors, into: gradientUsers)
        BLAS.gemm(logits, transposeA: true, userVectors, into: gradientItems)
        userEncoder.backward(userTower.backward(gradientUsers))
        itemEncoder.backward(itemTower.backward(gradientItems))
        return total / Double(rows)
    }
}
