import Testing
@testable import MultiTaskLearning

@Suite("Inverse of a positive definite matrix through LAPACK")
struct LinearAlgebraTests {
    @Test func aThreeByThreeInverseMatchesTheOneWorkedOutByHand() throws {
        // [[4, 2, 0], [2, 3, 1], [0, 1, 2]] has determinant 4(6-1) - 2(4-0) = 12; its inverse is the adjugate over 12.
        let inverse = try LinearAlgebra.inverseOfPositiveDefinite([4, 2, 0, 2, 3, 1, 0, 1, 2], order: 3)
        let expected = [5, -4, 2, -4, 8, -4, 2, -4, 8].map { Double($0) / 12 }
        for (ours, theirs) in zip(inverse, expected) { #expect(abs(ours - theirs) < 1e-12, "\(inverse)") }
    }

    @Test func aMatrixThatIsNotPositiveDefiniteIsAnError() {
        #expect(throws: LinearAlgebra.NotPositiveDefinite.self) {
            try LinearAlgebra.inverseOfPositiveDefinite([1, 2, 2, 1], order: 2)
        }
    }
}
