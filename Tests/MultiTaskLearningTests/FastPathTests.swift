import Foundation
import Testing
@testable import MultiTaskLearning

/// The learning core's fast paths against plain loops: the eight-lane vector
/// kernels at every length around their width, and Dense's forward pass (the
/// bias written first, then sgemm adding x W onto it) at shapes from one row up.
@Suite("Fast paths against plain loops")
struct FastPathTests {
    func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in Float(random.normal()) }
    }

    @Test func vectorKernelsEqualLoopsAtEveryLength() {
        for count in 0...37 {
            let a = values(count, seed: UInt64(count) + 1), b = values(count, seed: UInt64(count) + 100)
            let mask = values(count, seed: UInt64(count) + 200).enumerated().map { $0.offset % 3 == 0 ? 0 : $0.element }
            var added = b, scaled = [Float](repeating: 7, count: count), passed = [Float](repeating: 7, count: count)
            a.withUnsafeBufferPointer { source in
                added.withUnsafeMutableBufferPointer { VectorKernels.addScaled(source.baseAddress!, 0.75, into: $0.baseAddress!, count: count) }
                scaled.withUnsafeMutableBufferPointer { VectorKernels.scale(source.baseAddress!, -1.5, into: $0.baseAddress!, count: count) }
                mask.withUnsafeBufferPointer { keys in
                    passed.withUnsafeMutableBufferPointer {
                        VectorKernels.passWherePositive(source.baseAddress!, where: keys.baseAddress!, into: $0.baseAddress!, count: count)
                    }
                }
            }
            // Element-wise kernels: each element is the same single operation, so exactly equal.
            #expect(added == (0..<count).map { b[$0] + 0.75 * a[$0] }, "addScaled, \(count)")
            #expect(scaled == (0..<count).map { -1.5 * a[$0] }, "scale, \(count)")
            #expect(passed == (0..<count).map { mask[$0] > 0 ? a[$0] : 0 }, "passWherePositive, \(count)")
            // The dot product sums in eight partial sums: equal to a Double loop within Float rounding.
            let dot = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { VectorKernels.dot(x.baseAddress!, $0.baseAddress!, count: count) } }
            let exact = (0..<count).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) }
            let magnitude = (0..<count).reduce(0.0) { $0 + abs(Double(a[$1]) * Double(b[$1])) }
            #expect(abs(Double(dot) - exact) <= 1e-6 * max(magnitude, 1), "dot, \(count)")
        }
    }

    @Test(arguments: [(1, 5, 3), (7, 64, 128), (256, 128, 64), (33, 9, 17)])
    func denseForwardEqualsInputTimesWeightsPlusBias(rows: Int, inputs: Int, outputs: Int) {
        var random = RandomSource(seed: UInt64(rows * 1000 + inputs))
        let layer = Dense(name: "d", inputs: inputs, outputs: outputs, initialization: .he, isShared: true, random: &random)
        for index in 0..<outputs { layer.bias.value.data[index] = Float(index % 5) * 0.25 - 0.5 }
        let input = Tensor(rows: rows, cols: inputs)
        for index in 0..<input.count { input.data[index] = Float(random.normal()) }
        // Twice: the second pass must not add onto the first's output.
        _ = layer.forward(input, training: true)
        let output = layer.forward(input, training: true)
        var worst = 0.0
        for row in 0..<rows {
            for column in 0..<outputs {
                var sum = Double(layer.bias.value.data[column])
                for inner in 0..<inputs {
                    sum += Double(input.data[row * inputs + inner]) * Double(layer.weight.value.data[inner * outputs + column])
                }
                worst = max(worst, abs(Double(output.data[row * outputs + column]) - sum) / max(abs(sum), 1))
            }
        }
        #expect(worst < 1e-5, "largest relative difference \(worst)")
    }
}
