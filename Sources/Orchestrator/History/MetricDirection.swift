import Foundation

/// What a metrics output holds, read the same way by history, diff, gates
/// and the report: which numbers are metrics, and which way each is better.
public enum MetricDirection {
    /// Top-level sections of a metrics file that hold no metrics: counts
    /// (rows, users, k), facts about the run (model, relevance task), and
    /// per-feature or per-expert details.
    public static let nonMetricSections: Set<String> = ["counts", "info", "gate_weights", "importance"]

    /// true: higher is better (AUC, NDCG...); false: lower is better (losses, errors); nil: unknown.
    public static func higherIsBetter(_ metric: String) -> Bool? {
        let last = metric.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if ["auc", "gauc", "ndcg", "recall", "hitrate", "hit_rate", "mrr", "accuracy", "precision"].contains(last) { return true }
        if last.hasSuffix("_vs_popularity") || last.hasSuffix("_vs_oracle") { return true }
        if ["loss", "logloss", "mse", "rmse", "mae", "error"].contains(last) || last.hasSuffix("loss") { return false }
        return nil
    }

    /// Two values of one metric that differ only by floating-point rounding
    /// (a relative 1e-9) are the same: neither side is "better".
    public static func same(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }
}
