import Foundation

/// The peers' workload written as CSV (x0..x63, click, conversion), for
/// timing ingestion when no data file is given.
enum GeneratedCSV {
    static func write(rows: Int, seed: UInt64, to path: String) throws {
        let columns = Workload.featureNames.count
        let data = Workload.generate(rows: rows, seed: seed)
        var text = (Workload.featureNames + ["click", "conversion"]).joined(separator: ",") + "\n"
        text.reserveCapacity(rows * (columns + 2) * 10)
        for row in 0..<rows {
            for column in 0..<columns { text += String(format: "%.6f,", data.features[row * columns + column]) }
            text += String(format: "%.0f,%.6f\n", data.click[row], data.y2[row])
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
