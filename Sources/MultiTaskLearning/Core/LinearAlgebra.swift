import COpenBLAS

/// Dense linear algebra beyond matrix products, through OpenBLAS's LAPACK.
public enum LinearAlgebra {
    public struct NotPositiveDefinite: Error, CustomStringConvertible {
        public let order: Int
        public var description: String {
            "the matrix is not positive definite (its leading minor of order \(order) is not positive)"
        }
    }

    /// The inverse of the symmetric positive definite n x n matrix `matrix`
    /// (row-major, both triangles filled), by Cholesky factorization
    /// (dpotrf, then dpotri); both triangles of the result are filled.
    public static func inverseOfPositiveDefinite(_ matrix: [Double], order n: Int) throws -> [Double] {
        var inverse = matrix
        try invertPositiveDefinite(&inverse, order: n)
        return inverse
    }

    /// Replaces `inverse` by its inverse in place: a large matrix is not copied.
    public static func invertPositiveDefinite(_ inverse: inout [Double], order n: Int) throws {
        precondition(inverse.count == n * n, "a \(n) x \(n) matrix has \(n * n) entries, not \(inverse.count)")
        guard n > 0 else { return }
        var size = Int32(n), lead = Int32(n), info: Int32 = 0
        // Row-major upper is column-major lower: ask for "L" and read the upper triangle back.
        var triangle = CChar(UInt8(ascii: "L"))
        BLAS.counted { dpotrf_(&triangle, &size, &inverse, &lead, &info) }
        if info > 0 { throw NotPositiveDefinite(order: Int(info)) }
        precondition(info == 0, "dpotrf: argument \(-info) is invalid")
        BLAS.counted { dpotri_(&triangle, &size, &inverse, &lead, &info) }
        if info > 0 { throw NotPositiveDefinite(order: Int(info)) }
        precondition(info == 0, "dpotri: argument \(-info) is invalid")
        // dpotri wrote one triangle (row-major upper: column >= row); mirror it.
        for row in 0..<n {
            for column in 0..<row { inverse[row * n + column] = inverse[column * n + row] }
        }
    }
}
