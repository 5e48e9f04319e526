import Foundation

/// The texts that mark a missing value ("", "NA", "?" by default).
struct MissingMarkers: Sendable {
    private let markers: [[UInt8]]
    private let longest: Int
    /// Whether a marker could be written like a plain decimal ("-999", "0"):
    /// such a field is then missing, not the number it reads as.
    let mayLookLikeANumber: Bool

    init(_ texts: Set<String>) {
        markers = texts.map { Array($0.utf8) }
        longest = markers.map(\.count).max() ?? 0
        mayLookLikeANumber = markers.contains { marker in
            marker.contains { $0 >= 48 && $0 <= 57 } && marker.allSatisfy(NumberReader.plainDecimalBytes.contains)
        }
    }

    func contains(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        field.count <= longest && markers.contains { $0.elementsEqual(field) }
    }
}
