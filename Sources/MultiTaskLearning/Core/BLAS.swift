import COpenBLAS
import Foundation

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

    /// Runs `body` with OpenBLAS on one thread (its callers run their own
    /// threads). The count is global, so overlapping sections are counted:
    /// the first one saves the count, the last one to end restores it.
    public static func withOneThread<Result>(_ body: () throws -> Result) rethrows -> Result {
        sections.lock()
        if sections.open == 0 { sections.saved = threads }
        sections.open += 1
        setThreads(1)
        sections.unlock()
        defer {
            sections.lock()
            sections.open -= 1
            if sections.open == 0 {
                setThreads(sections.saved)
                sections.broadcast()
            }
            sections.unlock()
        }
        return try body()
    }

    /// Runs `body` while no one-thread section is open (it waits for them to end).
    public static func outsideOneThreadSections<Result>(_ body: () -> Result) -> Result {
        sections.lock()
        defer { sections.unlock() }
        while sections.open > 0 { sections.wait() }
        return body()
    }

    /// How many sections are open and the count to restore, guarded by `condition`.
    private final class Sections: @unchecked Sendable {
        let condition = NSCondition()
        var open = 0
        var saved = 1
        func lock() { condition.lock() }
        func unlock() { condition.unlock() }
        func wait() { condition.wait() }
        func broadcast() { condition.broadcast() }
    }

    private static let sections = Sections()
}
