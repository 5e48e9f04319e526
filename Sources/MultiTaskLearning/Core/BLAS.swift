import COpenBLAS

/// Matrix products on Tensors, all through OpenBLAS's cblas_sgemm.
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, where op transposes when asked.
    public static func gemm(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false,
                            into c: Tensor, alpha: Float = 1, beta: Float = 0) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition((transposeB ? b.cols : b.rows) == k, "inner dimensions differ: \(k) vs \(transposeB ? b.cols : b.rows)")
        precondition(c.rows == m && c.cols == n, "output is \(c.rows)x\(c.cols), expected \(m)x\(n)")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { c.zero() }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a.data, Int32(a.cols), b.data, Int32(b.cols), beta, c.data, Int32(c.cols))
    }

    /// Sets OpenBLAS's thread count.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// OpenBLAS's thread count.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
