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
        counted {
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a.data, Int32(a.cols), b.data, Int32(b.cols), beta, c.data, Int32(c.cols))
        }
    }

    /// Runs an OpenBLAS call, counted while it may use OpenBLAS's worker
    /// threads, so that a one-thread section never stops them under it.
    /// Takes only `calls.lock`, never the sections' lock: a call may run
    /// inside `outsideOneThreadSections`, which holds that one.
    static func counted<Result>(_ call: () -> Result) -> Result {
        let multiThreaded = calls.lock.withLock {
            applyRestoredCount()
            let multiThreaded = openblas_get_num_threads() > 1
            if multiThreaded { calls.running += 1 }
            return multiThreaded
        }
        defer { if multiThreaded { calls.lock.withLock { calls.running -= 1 } } }
        return call()
    }

    /// Sets OpenBLAS's thread count.
    public static func setThreads(_ count: Int) {
        calls.lock.withLock {
            calls.restoredCount = nil
            openblas_set_num_threads(Int32(count))
        }
    }

    /// OpenBLAS's thread count (as the next call will see it).
    public static var threads: Int { calls.lock.withLock { calls.restoredCount ?? Int(openblas_get_num_threads()) } }

    /// A count a one-thread section restored, given to OpenBLAS only before
    /// the next call: setting it starts OpenBLAS's workers, which would then
    /// spin beside the next section's threads (a prediction pass after
    /// another) if nothing used them. Called with `calls.lock` held.
    private static func applyRestoredCount() {
        guard let count = calls.restoredCount else { return }
        calls.restoredCount = nil
        openblas_set_num_threads(Int32(count))
    }

    /// Runs `body` with OpenBLAS on one thread (its callers run their own
    /// threads). The count is global, so overlapping sections are counted:
    /// the first one saves the count, the last one to end restores it.
    public static func withOneThread<Result>(_ body: () throws -> Result) rethrows -> Result {
        sections.lock()
        if sections.open == 0 {
            sections.saved = threads
            // After a multi-threaded call OpenBLAS's workers spin for a while
            // waiting for more; the section's own threads would share the
            // cores with them (measured: prediction on 2 cores at 1.7M rows/s
            // instead of 3.1M, depending on how soon it followed training).
            // Stopped here, they start again with the next multi-threaded call.
            // Setting a count starts stopped workers again (OpenBLAS 0.3.21),
            // so one worker is back, spinning, through the section. Setting
            // the count first avoids that, but then training that followed a
            // section mostly ran at half speed (the categorical MMoE in 5 of 6
            // suite runs); until that is understood, this order stays.
            calls.lock.withLock {
                if sections.saved > 1 && calls.running == 0 { stopWorkers?() }
                calls.restoredCount = nil
                openblas_set_num_threads(1)
            }
        }
        sections.open += 1
        sections.unlock()
        defer {
            sections.lock()
            sections.open -= 1
            if sections.open == 0 {
                calls.lock.withLock { calls.restoredCount = sections.saved }
                sections.broadcast()
            }
            sections.unlock()
        }
        return try body()
    }

    /// Stops OpenBLAS's worker threads unless a call is using them. OpenBLAS
    /// starts them when it is loaded, and they spin waiting for work for a
    /// while: a short command (an all-cached rerun) would share its cores with
    /// them. The next multi-threaded call starts them again.
    public static func stopIdleWorkers() {
        calls.lock.withLock {
            if calls.running == 0 { stopWorkers?() }
        }
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

    /// OpenBLAS's `blas_thread_shutdown_` (it calls it itself around fork):
    /// stops its worker threads; the next multi-threaded call starts them
    /// again. Looked up when first needed, since a serial build of OpenBLAS
    /// has no workers and need not export it.
    private static let stopWorkers: (@convention(c) () -> Void)? = {
        // RTLD_DEFAULT: every library the process has loaded.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
    }()

    /// OpenBLAS calls running now that may use its worker threads (see `counted`).
    private final class Calls: @unchecked Sendable {
        let lock = NSLock()
        var running = 0
        var restoredCount: Int?
    }

    private static let calls = Calls()
}
