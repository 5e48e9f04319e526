import Foundation

/// Plain-text layout shared by the console reports.
public enum TextFormat {
    /// Pads a table's columns to the widest cell.
    public static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A UTC time, `2026-12-03 17:22:51`.
    public static func time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    public static func number(_ value: Double) -> String { String(format: "%.6g", value) }

    public static func bytes(_ count: Int64) -> String {
        count >= 1_048_576 ? String(format: "%.1f MB", Double(count) / 1_048_576) : String(format: "%.1f kB", Double(count) / 1024)
    }
}
