import Foundation

/// The texts that mark a missing value ("", "NA", "?" by default).
struct MissingMarkers: Sendable {
    private let markers: [[UInt8]]
    private let longest: Int

    init(_ texts: Set<String>) {
        markers = texts.map { Array($0.utf8) }
        longest = markers.map(\.count).max() ?? 0
    }

    func contains(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        field.count <= longest && markers.contains { $0.elementsEqual(field) }
    }
}
