import Foundation
import Testing
@testable import MultiTaskLearning

@Suite("Layer gradients against finite differences")
struct LayerGradientTests {
    @Test(arguments: [Dense.Initialization.he, .xavier])
    func dense(initialization: Dense.Initialization) {
        var random = RandomSource(seed: 1)
        let layer = Dense(name: "d", inputs: 6, outputs: 4, initialization: initialization, isShared: true, random: &random)
        for index in 0..<4 { layer.bias.value.data[index] = Float(index) * 0.1 }
        GradientCheck.checkLayer(layer, inputWidth: 6)
    }

    @Test func relu() {
        GradientCheck.checkLayer(ReLU(width: 7), inputWidth: 7)
    }

    @Test func sigmoid() {
        GradientCheck.checkLayer(Sigmoid(width: 5), inputWidth: 5)
    }

    @Test func softmax() {
        GradientCheck.checkLayer(Softmax(width: 6), inputWidth: 6)
    }

    @Test func sequentialOfDenseAndReLU() {
        var random = RandomSource(seed: 2)
        let network = Sequential([
            Dense(name: "a", inputs: 5, outputs: 8, initialization: .he, isShared: true, random: &random),
            ReLU(width: 8),
            Dense(name: "b", inputs: 8, outputs: 3, initialization: .xavier, isShared: false, random: &random),
        ])
        GradientCheck.checkLayer(network, inputWidth: 5)
    }

    @Test func dropoutScalesKeptValuesAndRoutesGradientsThroughTheMask() {
        let dropout = Dropout(width: 1000, rate: 0.3, seed: 5)
        let input = Tensor(rows: 4, cols: 1000)
        input.buffer.update(repeating: 2)
        let output = dropout.forward(input, training: true).clone()
        let kept = output.array.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 2 / 0.7) < 1e-5 })
        let share = Double(kept.count) / 4000
        #expect(abs(share - 0.7) < 0.03, "kept share \(share)")
        let upstream = Tensor(rows: 4, cols: 1000)
        upstream.buffer.update(repeating: 1)
        let gradient = dropout.backward(upstream)
        for index in 0..<4000 { #expect(gradient.data[index] == output.data[index] / 2) }
        #expect(dropout.forward(input, training: false).array == input.array, "inference passes values through")
    }

    @Test func expertMixtureOverTwoGroups() {
        var random = RandomSource(seed: 3)
        let width = 3
        let groupA = Tensor(rows: 4, cols: 2 * width), groupB = Tensor(rows: 4, cols: width), gates = Tensor(rows: 4, cols: 3)
        for tensor in [groupA, groupB, gates] { GradientCheck.fill(tensor, random: &random) }
        let probe = Tensor(rows: 4, cols: width)
        GradientCheck.fill(probe, random: &random)
        let mixture = ExpertMixture(expertWidth: width, gateWidth: 3)
        func objective() -> Double {
            let output = mixture.forward(experts: [groupA, groupB], gates: gates)
            return (0..<output.count).reduce(0.0) { $0 + Double(output.data[$1]) * Double(probe.data[$1]) }
        }
        _ = objective()
        let gradientA = Tensor(rows: 4, cols: 2 * width), gradientB = Tensor(rows: 4, cols: width)
        let gateGradient = mixture.backward(probe, addingInto: [gradientA, gradientB]).clone()
        for (name, values, analytic) in [("A", groupA, gradientA), ("B", groupB, gradientB), ("gates", gates, gateGradient)] {
            GradientCheck.compare(name: name, values: values.data, analytic: analytic.data, indices: Array(0..<values.count), objective: objective)
        }
    }

    @Test func embeddingsConcatenatedWithNumericFeatures() {
        var random = RandomSource(seed: 4)
        let schema = FeatureSchema(numericNames: ["a", "b"], categorical: [CategoricalFeature(name: "user", cardinality: 10),
                                                                          CategoricalFeature(name: "item", cardinality: 6)],
                                   embeddingDimension: 3)
        let encoder = FeatureEncoder(schema: schema, namePrefix: "", isShared: true, random: &random)
        let batch = Batch(rows: 4, numericCount: 2, categoricalCount: 2, taskCount: 0)
        batch.categorical = [1, 2, 1, 5, 7, 2, 9, 0]
        GradientCheck.fill(batch.numeric, random: &random)
        let output = encoder.forward(batch)
        #expect(output.cols == 8)
        #expect(Array(output.array[0..<3]) == Array(encoder.tables[0].value.array[3..<6]), "row 0 starts with user 1's embedding")
        #expect(Array(output.array[6..<8]) == Array(batch.numeric.array[0..<2]), "numeric features come last")

        let probe = output.clone()
        GradientCheck.fill(probe, random: &random)
        func objective() -> Double {
            let output = encoder.forward(batch)
            return (0..<output.count).reduce(0.0) { $0 + Double(output.data[$1]) * Double(probe.data[$1]) }
        }
        encoder.backward(probe)
        #expect(encoder.tables[0].touchedRows == [1, 7, 9])
        #expect(encoder.tables[1].touchedRows == [0, 2, 5])
        for table in encoder.tables {
            GradientCheck.compare(name: table.name, values: table.value.data, analytic: table.gradient.data,
                                  indices: Array(0..<table.value.count), samples: 60, objective: objective)
        }
        encoder.tables[0].zeroGradient()
        #expect(encoder.tables[0].gradient.array.allSatisfy { $0 == 0 } && encoder.tables[0].touchedRows == [])
    }
}

@Suite("Text embedding bags against finite differences")
struct TextBagGradientTests {
    @Test func aBagIsTheMeanOfItsTokensEmbeddingsAndAnEmptyTextIsZeros() {
        var random = RandomSource(seed: 6)
        let schema = FeatureSchema(numericNames: ["a"], categorical: [CategoricalFeature(name: "user", cardinality: 4)],
                                   text: [TextFeature(name: "title", buckets: 7, slots: 3), TextFeature(name: "tags", buckets: 3, slots: 2)],
                                   embeddingDimension: 2)
        let encoder = FeatureEncoder(schema: schema, namePrefix: "", isShared: true, random: &random)
        #expect(encoder.tables.map(\.value.rows) == [4, 8, 4], "a text's table has a row per bucket and the empty slot's")
        let batch = Batch(rows: 3, numericCount: 1, categoricalCount: 1, tokenWidth: 5, taskCount: 0)
        batch.categorical = [1, 3, 0]
        // Row 0: title tokens 2, 2, 5 and tag 1; row 1: no title, tags 3 and 1; row 2: title 7 only, no tags.
        batch.tokens = [2, 2, 5, 1, 0, 0, 0, 0, 3, 1, 7, 0, 0, 0, 0]
        GradientCheck.fill(batch.numeric, random: &random)
        let output = encoder.forward(batch)
        #expect(output.cols == 3 * 2 + 1)
        let title = encoder.tables[1].value.array, tags = encoder.tables[2].value.array
        for column in 0..<2 {
            #expect(abs(output.array[2 + column] - (2 * title[2 * 2 + column] + title[5 * 2 + column]) / 3) < 1e-6)
            #expect(output.array[4 + column] == tags[1 * 2 + column], "one tag: its embedding")
            #expect(output.array[7 + 2 + column] == 0, "row 1 has no title: zeros")
            #expect(abs(output.array[7 + 4 + column] - (tags[3 * 2 + column] + tags[1 * 2 + column]) / 2) < 1e-6)
            #expect(output.array[14 + 4 + column] == 0, "row 2 has no tags: zeros")
        }

        let probe = output.clone()
        GradientCheck.fill(probe, random: &random)
        func objective() -> Double {
            let output = encoder.forward(batch)
            return (0..<output.count).reduce(0.0) { $0 + Double(output.data[$1]) * Double(probe.data[$1]) }
        }
        _ = encoder.forward(batch)
        encoder.backward(probe)
        #expect(encoder.tables[1].touchedRows == [2, 5, 7])
        #expect(encoder.tables[2].touchedRows == [1, 3])
        #expect(encoder.tables[1].gradient.array[0..<2].allSatisfy { $0 == 0 }, "the empty slot's row is never used")
        for table in encoder.tables {
            GradientCheck.compare(name: table.name, values: table.value.data, analytic: table.gradient.data,
                                  indices: Array(0..<table.value.count), samples: 40, objective: objective)
        }
    }
}

@Suite("Feature crosses against finite differences")
struct FeatureCrossingGradientTests {
    /// Three categorical features of dimension 2 and two numeric ones: width 8.
    static let schema = FeatureSchema(numericNames: ["a", "b"],
                                      categorical: [CategoricalFeature(name: "u", cardinality: 3), CategoricalFeature(name: "i", cardinality: 3),
                                                    CategoricalFeature(name: "c", cardinality: 3)],
                                      embeddingDimension: 2)

    @Test(arguments: [(2, true), (1, false), (0, true), (3, false)])
    func crossLayersAndTheFactorizationTerm(layers: Int, factorization: Bool) {
        var random = RandomSource(seed: 4)
        let crossing = FeatureCrossing(schema: Self.schema, layers: layers, factorization: factorization, random: &random)
        for bias in crossing.biases { GradientCheck.fill(bias.value, random: &random, scale: 0.3) }
        #expect(crossing.outputWidth == 8 + (factorization ? 2 : 0))
        GradientCheck.checkLayer(crossing, inputWidth: 8)
    }

    @Test func theFactorizationTermIsTheSumOfPairwiseProducts() {
        var random = RandomSource(seed: 5)
        let crossing = FeatureCrossing(schema: Self.schema, layers: 0, factorization: true, random: &random)
        let input = Tensor(rows: 1, cols: 8, values: [1, 2, 3, -1, 0.5, 4, 9, 9])
        let output = crossing.forward(input, training: false).array
        // Fields (1,2), (3,-1), (0.5,4): dimension 0: 1*3 + 1*0.5 + 3*0.5 = 5; dimension 1: 2*-1 + 2*4 + -1*4 = 2.
        #expect(output == [1, 2, 3, -1, 0.5, 4, 9, 9, 5, 2])
    }
}
