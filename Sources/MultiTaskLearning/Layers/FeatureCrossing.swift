/// Explicit feature crosses ahead of a model's shared part, over the encoded
/// input x0 (every embedding, then the numeric features):
/// - a DCN-v2 cross network (Wang et al. 2021): x_{l+1} = x0 ⊙ (x_l W_l + b_l) + x_l,
///   each layer one more degree of interaction, W_l full [width x width];
/// - a factorization machine's second-order term (Rendle 2010) as the
///   bi-interaction vector of NFM (He and Chua 2017): for each embedding
///   dimension k, 0.5 * ((Σ_f e_fk)^2 - Σ_f e_fk^2), the sum over every pair
///   of categorical features of e_fk * e_gk. Its entries add up to every
///   pairwise dot product, the interaction an MLP learns only slowly
///   (Rendle et al. 2020), such as user taste x item taste.
/// Output: [x_L, bi-interaction] (width + embedding dimension with the FM term).
public final class FeatureCrossing: Layer {
    let width: Int
    let fields: Int
    let dimension: Int
    let factorization: Bool
    let weights: [Parameter]
    let biases: [Parameter]
    /// False when x0 is data alone (no embeddings): its gradient is never used.
    public var computesInputGradient = true

    /// Per cross layer: its input x_l and its product z_l = x_l W_l + b_l.
    private var layerInputs: [Tensor]
    private let products: [Tensor]
    private let crossed: Tensor
    private let output: Tensor
    private let gradientInput: Tensor
    private let gradientLayer: Tensor
    private let scaled: Tensor
    private var input: Tensor?

    public init(schema: FeatureSchema, layers: Int, factorization: Bool, random: inout RandomSource) {
        width = schema.inputWidth
        fields = schema.embeddedCount
        dimension = schema.embeddingDimension
        self.factorization = factorization
        // Small weights: each cross layer starts close to the identity (x_{l+1} ≈ x_l).
        let scale = 1 / Double(max(width, 1)).squareRoot()
        weights = (0..<layers).map { layer in
            let weight = Parameter(name: "cross.\(layer).weight", rows: schema.inputWidth, cols: schema.inputWidth, isShared: true)
            for index in 0..<weight.value.count { weight.value.data[index] = Float(random.normal() * scale) }
            return weight
        }
        biases = (0..<layers).map { Parameter(name: "cross.\($0).bias", rows: 1, cols: schema.inputWidth, isShared: true) }
        layerInputs = (0..<layers).map { _ in Tensor(rows: 0, cols: schema.inputWidth) }
        products = (0..<layers).map { _ in Tensor(rows: 0, cols: schema.inputWidth) }
        crossed = Tensor(rows: 0, cols: schema.inputWidth)
        output = Tensor(rows: 0, cols: schema.inputWidth + (factorization ? schema.embeddingDimension : 0))
        gradientInput = Tensor(rows: 0, cols: schema.inputWidth)
        gradientLayer = Tensor(rows: 0, cols: schema.inputWidth)
        scaled = Tensor(rows: 0, cols: schema.inputWidth)
    }

    public var parameters: [Parameter] { zip(weights, biases).flatMap { [$0, $1] } }
    public var outputWidth: Int { output.cols }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        self.input = input
        let rows = input.rows
        output.resize(rows: rows)
        crossed.resize(rows: rows)
        crossed.data.update(from: input.data, count: rows * width)
        for layer in weights.indices {
            let x = layerInputs[layer], z = products[layer]
            x.resize(rows: rows)
            z.resize(rows: rows)
            x.data.update(from: crossed.data, count: rows * width)
            let bias = biases[layer].value.data
            for row in 0..<rows { (z.data + row * width).update(from: bias, count: width) }
            BLAS.gemm(x, weights[layer].value, into: z, beta: 1)
            for index in 0..<(rows * width) { crossed.data[index] = input.data[index] * z.data[index] + x.data[index] }
        }
        let columns = output.cols
        for row in 0..<rows {
            let target = output.data + row * columns
            target.update(from: crossed.data + row * width, count: width)
            guard factorization else { continue }
            let embeddings = input.data + row * width
            for k in 0..<dimension {
                var sum: Float = 0, squares: Float = 0
                for field in 0..<fields {
                    let value = embeddings[field * dimension + k]
                    sum += value
                    squares += value * value
                }
                target[width + k] = 0.5 * (sum * sum - squares)
            }
        }
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("FeatureCrossing.backward before forward") }
        let rows = gradientOutput.rows, columns = gradientOutput.cols
        gradientInput.resize(rows: rows)
        gradientInput.zero()
        gradientLayer.resize(rows: rows)
        scaled.resize(rows: rows)
        // The gradient with respect to x_L, then back through each cross layer.
        for row in 0..<rows { (gradientLayer.data + row * width).update(from: gradientOutput.data + row * columns, count: width) }
        for layer in weights.indices.reversed() {
            let x = layerInputs[layer], z = products[layer]
            // y = x0 ⊙ z + x_l: dz = dy ⊙ x0, dx0 += dy ⊙ z, dx_l = dy + dz W^T.
            for index in 0..<(rows * width) {
                scaled.data[index] = gradientLayer.data[index] * input.data[index]
                gradientInput.data[index] += gradientLayer.data[index] * z.data[index]
            }
            BLAS.gemm(x, transposeA: true, scaled, into: weights[layer].gradient, beta: 1)
            let biasGradient = biases[layer].gradient.data
            for row in 0..<rows {
                let source = scaled.data + row * width
                for column in 0..<width { biasGradient[column] += source[column] }
            }
            if layer > 0 || computesInputGradient {
                BLAS.gemm(scaled, weights[layer].value, transposeB: true, into: gradientLayer, beta: 1)
            }
        }
        guard computesInputGradient else { return gradientInput }
        for index in 0..<(rows * width) { gradientInput.data[index] += gradientLayer.data[index] }
        if factorization {
            // d bi_k / d e_fk = Σ_g e_gk - e_fk.
            for row in 0..<rows {
                let embeddings = input.data + row * width, upstream = gradientOutput.data + row * columns + width
                let target = gradientInput.data + row * width
                for k in 0..<dimension {
                    var sum: Float = 0
                    for field in 0..<fields { sum += embeddings[field * dimension + k] }
                    for field in 0..<fields { target[field * dimension + k] += upstream[k] * (sum - embeddings[field * dimension + k]) }
                }
            }
        }
        return gradientInput
    }
}
