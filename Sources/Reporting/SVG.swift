import Foundation

/// Small inline-SVG drawings for the HTML report: no scripts, no network.
enum SVG {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A line chart of several series over x = 1, 2, 3... (epochs).
    static func lineChart(title: String, series: [(name: String, values: [Double])], width: Double = 460, height: Double = 220) -> String {
        let all = series.flatMap(\.values).filter(\.isFinite)
        guard let low = all.min(), let high = all.max(), let count = series.map(\.values.count).max(), count > 0 else { return "" }
        let (left, right, top, bottom) = (48.0, 110.0, 24.0, 28.0)
        let span = high - low == 0 ? 1 : high - low
        func x(_ index: Int) -> Double { left + (width - left - right) * (count == 1 ? 0.5 : Double(index) / Double(count - 1)) }
        func y(_ value: Double) -> Double { top + (height - top - bottom) * (1 - (value - low) / span) }
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" role=\"img\">",
                     "<text x=\"\(number(left))\" y=\"14\" font-size=\"12\" font-weight=\"bold\">\(escape(title))</text>",
                     "<line x1=\"\(number(left))\" y1=\"\(number(height - bottom))\" x2=\"\(number(width - right))\" y2=\"\(number(height - bottom))\" stroke=\"#999\"/>",
                     "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(height - bottom))\" stroke=\"#999\"/>",
                     "<text x=\"4\" y=\"\(number(top + 4))\" font-size=\"10\">\(String(format: "%.4g", high))</text>",
                     "<text x=\"4\" y=\"\(number(height - bottom))\" font-size=\"10\">\(String(format: "%.4g", low))</text>"]
        for index in 0..<count {
            parts.append("<text x=\"\(number(x(index) - 3))\" y=\"\(number(height - 10))\" font-size=\"10\">\(index + 1)</text>")
        }
        for (position, line) in series.enumerated() {
            let color = palette[position % palette.count]
            let points = line.values.enumerated().filter { $0.element.isFinite }.map { "\(number(x($0.offset))),\(number(y($0.element)))" }
            parts.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>")
            parts.append("<text x=\"\(number(width - right + 8))\" y=\"\(number(top + 14 * Double(position) + 8))\" font-size=\"11\" fill=\"\(color)\">\(escape(line.name))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Rows x columns of values in [0, 1], darker for larger, with the value printed.
    static func heatmap(rows: [String], columns: [String], values: [[Double]]) -> String {
        let cell = 46.0, left = 110.0, top = 22.0
        let width = left + cell * Double(columns.count) + 10, height = top + cell * Double(rows.count) + 10
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" role=\"img\">"]
        for (index, column) in columns.enumerated() {
            parts.append("<text x=\"\(number(left + cell * Double(index) + 8))\" y=\"14\" font-size=\"11\">\(escape(column))</text>")
        }
        for (row, name) in rows.enumerated() {
            parts.append("<text x=\"4\" y=\"\(number(top + cell * Double(row) + cell / 2 + 4))\" font-size=\"11\">\(escape(name))</text>")
            for (column, value) in values[row].enumerated() {
                let shade = Int(255 - min(max(value, 0), 1) * 200)
                let fill = String(format: "#%02x%02xff", shade, shade)
                let (cx, cy) = (left + cell * Double(column), top + cell * Double(row))
                parts.append("<rect x=\"\(number(cx))\" y=\"\(number(cy))\" width=\"\(number(cell - 2))\" height=\"\(number(cell - 2))\" fill=\"\(fill)\"/>")
                parts.append("<text x=\"\(number(cx + 8))\" y=\"\(number(cy + cell / 2 + 3))\" font-size=\"11\" fill=\"\(value > 0.5 ? "#fff" : "#000")\">\(String(format: "%.2f", value))</text>")
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Horizontal bars, longest first.
    static func bars(_ items: [(label: String, value: Double)], width: Double = 460) -> String {
        guard let largest = items.map({ abs($0.value) }).max(), largest > 0 else { return "<p>no importances</p>" }
        let row = 18.0, left = 150.0
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(row * Double(items.count) + 6))\" role=\"img\">"]
        for (index, item) in items.enumerated() {
            let y = row * Double(index)
            let length = (width - left - 70) * abs(item.value) / largest
            parts.append("<text x=\"4\" y=\"\(number(y + 13))\" font-size=\"11\">\(escape(item.label))</text>")
            parts.append("<rect x=\"\(number(left))\" y=\"\(number(y + 3))\" width=\"\(number(length))\" height=\"12\" fill=\"\(palette[0])\"/>")
            parts.append("<text x=\"\(number(left + length + 4))\" y=\"\(number(y + 13))\" font-size=\"10\">\(String(format: "%.4f", item.value))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
