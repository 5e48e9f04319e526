import Foundation

/// A metric gate from the pipeline file: `evaluate.click.auc: ">= 0.70"`.
/// A name ending in `_vs_last` compares the change since the last passing run.
public struct Gate: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">=", atMost = "<=", above = ">", below = "<", equal = "=="

        func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .atLeast: value >= threshold
            case .atMost: value <= threshold
            case .above: value > threshold
            case .below: value < threshold
            case .equal: value == threshold
            }
        }
    }

    /// As written: "evaluate.click.auc_vs_last".
    public var name: String
    public var stage: String
    /// The metric inside the stage's metrics: "click.auc".
    public var metric: String
    public var relativeToLast: Bool
    public var comparison: Comparison
    public var threshold: Double

    public var condition: String {
        let number = ParamValue.format(threshold)
        return "\(comparison.rawValue) \(number.hasSuffix(".0") ? String(number.dropLast(2)) : number)"
    }

    /// Parses `stage.metric[_vs_last]` and `OP NUMBER`; nil with a reason when malformed.
    public static func parse(name: String, condition: String) -> Result<Gate, GateSyntaxError> {
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex else {
            return .failure(GateSyntaxError(message: "gate '\(name)' must name STAGE.METRIC, e.g. evaluate.click.auc"))
        }
        let stage = String(name[..<dot])
        var metric = String(name[name.index(after: dot)...])
        let relative = metric.hasSuffix("_vs_last")
        if relative { metric = String(metric.dropLast("_vs_last".count)) }
        let text = condition.trimmingCharacters(in: .whitespaces)
        guard let comparison = Comparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }).first(where: { text.hasPrefix($0.rawValue) }),
              let threshold = Double(text.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)) else {
            return .failure(GateSyntaxError(message: "gate '\(name)': '\(condition)' is not a condition; write e.g. \">= 0.70\" (>=, <=, >, < or == and a number)"))
        }
        return .success(Gate(name: name, stage: stage, metric: metric, relativeToLast: relative, comparison: comparison, threshold: threshold))
    }
}

public struct GateSyntaxError: Error, Sendable {
    public var message: String
}

/// How a gate came out in a run.
public struct GateResult: Codable, Sendable, Equatable {
    public var gate: String
    public var condition: String
    /// The value compared: the metric, or its change since the last passing run.
    public var value: Double?
    public var passed: Bool
    public var message: String

    public init(gate: String, condition: String, value: Double?, passed: Bool, message: String) {
        self.gate = gate
        self.condition = condition
        self.value = value
        self.passed = passed
        self.message = message
    }
}

/// Checks gates against a run's metrics (and, for `_vs_last`, the history).
public struct GateChecker {
    public var pipeline: String
    public var startedAt: Date
    public var history: RunHistory?

    public init(pipeline: String, startedAt: Date, history: RunHistory?) {
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.history = history
    }

    public func check(_ gates: [Gate], metrics: [MetricRecord]) -> [GateResult] {
        gates.map { gate in
            let format = { (value: Double) in String(format: "%.6g", value) }
            guard let value = metrics.first(where: { $0.stage == gate.stage && $0.name == gate.metric })?.value else {
                let known = metrics.filter { $0.stage == gate.stage }.map(\.name)
                return GateResult(gate: gate.name, condition: gate.condition, value: nil, passed: false,
                                  message: "stage '\(gate.stage)' reported no metric '\(gate.metric)'\(Suggestion.hint(for: gate.metric, in: known))"
                                      + (known.isEmpty ? "" : "; it reported: \(known.joined(separator: ", "))"))
            }
            var compared = value
            var note = "\(gate.metric) = \(format(value))"
            if gate.relativeToLast {
                guard let last = try? history?.lastPassingMetric(pipeline: pipeline, stage: gate.stage, name: gate.metric, before: startedAt) else {
                    return GateResult(gate: gate.name, condition: gate.condition, value: nil, passed: true,
                                      message: "\(note); no earlier passing run to compare with")
                }
                // Rounding noise between two evaluations of one model is no change.
                compared = MetricDirection.same(value, last) ? 0 : value - last
                note = "\(gate.metric) = \(format(value)), last passing run \(format(last)), change \(format(compared))"
            }
            let passed = gate.comparison.holds(compared, gate.threshold)
            return GateResult(gate: gate.name, condition: gate.condition, value: compared, passed: passed,
                              message: "\(note) \(passed ? "meets" : "fails") \(gate.condition)")
        }
    }
}
