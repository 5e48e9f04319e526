import MultiTaskLearning

/// collect's `mmoe_synthetic` source: the MMoE paper's generator as a table
/// (x0.., y1, y2, click drawn from y1, conversion = y2) and the measured
/// correlation of y1 and y2.
enum MMoESyntheticData {
    static func table(rows: Int, dimensions: Int, correlation: Double, seed: UInt64) -> (table: Table, measuredCorrelation: Double?) {
        let sample = MMoESyntheticGenerator(rows: rows, dimensions: dimensions, correlation: correlation, seed: seed).generate()
        var table = Table()
        for column in 0..<dimensions {
            table["x\(column)"] = .float((0..<rows).map { sample.features[$0 * dimensions + column] })
        }
        table["y1"] = .float(sample.y1)
        table["y2"] = .float(sample.y2)
        table["click"] = .float(sample.click)
        table["conversion"] = .float(sample.y2)
        return (table, Metrics.pearson(sample.y1, sample.y2))
    }
}
