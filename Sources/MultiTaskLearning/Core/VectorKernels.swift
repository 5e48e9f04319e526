/// Short vector loops written eight lanes at a time, so they vectorize
/// (a plain Float dot product cannot be reordered by the compiler).
enum VectorKernels {
    /// target += scale * source
    @inline(__always)
    static func addScaled(_ source: UnsafePointer<Float>, _ scale: Float, into target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        let factor = SIMD8<Float>(repeating: scale)
        while index + 8 <= count {
            let values = UnsafeRawPointer(source + index).loadUnaligned(as: SIMD8<Float>.self)
            let current = UnsafeRawPointer(target + index).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + index).storeBytes(of: current + factor * values, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            target[index] += scale * source[index]
            index += 1
        }
    }

    /// target = scale * source
    @inline(__always)
    static func scale(_ source: UnsafePointer<Float>, _ scale: Float, into target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        let factor = SIMD8<Float>(repeating: scale)
        while index + 8 <= count {
            let values = UnsafeRawPointer(source + index).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + index).storeBytes(of: factor * values, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            target[index] = scale * source[index]
            index += 1
        }
    }

    /// sum of a[i] * b[i], in eight partial sums.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var index = 0
        var sums = SIMD8<Float>(repeating: 0)
        while index + 8 <= count {
            sums += UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
            index += 8
        }
        var total = sums.sum()
        while index < count {
            total += a[index] * b[index]
            index += 1
        }
        return total
    }

    /// target[i] = source[i] where mask[i] > 0, else 0 (ReLU's backward pass).
    @inline(__always)
    static func passWherePositive(_ source: UnsafePointer<Float>, where mask: UnsafePointer<Float>,
                                  into target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        let zero = SIMD8<Float>(repeating: 0)
        while index + 8 <= count {
            let values = UnsafeRawPointer(source + index).loadUnaligned(as: SIMD8<Float>.self)
            let keys = UnsafeRawPointer(mask + index).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + index).storeBytes(of: values.replacing(with: zero, where: keys .<= zero), as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            target[index] = mask[index] > 0 ? source[index] : 0
            index += 1
        }
    }
}
