import Dispatch
import MultiTaskLearning

/// The floor the targets are measured against: what a plain sgemm
/// reaches on this machine with the current OpenBLAS thread count.
enum SgemmPeak {
    /// Best GFLOP/s over `repeats` products of [m x k] by [k x n].
    static func gflops(m: Int, k: Int, n: Int, repeats: Int = 20) -> Double {
        var random = RandomSource(seed: 7)
        let a = Tensor(rows: m, cols: k, values: (0..<(m * k)).map { _ in random.uniform() })
        let b = Tensor(rows: k, cols: n, values: (0..<(k * n)).map { _ in random.uniform() })
        let c = Tensor(rows: m, cols: n)
        BLAS.gemm(a, b, into: c)
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            BLAS.gemm(a, b, into: c)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(m * k * n) / best / 1e9
    }
}
