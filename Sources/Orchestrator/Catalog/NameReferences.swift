import Foundation

/// What a param names in another stage's output, as its manifest declares
/// it (`refers: task of model`), so `validate` can catch a misspelt task or
/// column before anything runs.
public struct NameReference: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A task of the model (or table) bound to the input.
        case task
        /// A column of the table bound to the input; `x*` must match one.
        case column
        /// `loss` or TASK.METRIC, a validation metric train computes.
        case metric
        /// An expression (docs/EXPRESSIONS.md) over the input's tasks.
        case taskExpression = "task_expression"
        /// An expression over the input's columns.
        case columnExpression = "column_expression"

        /// The fact of the upstream output that the names are checked against.
        public var fact: OutputFacts.Fact {
            switch self {
            case .task, .metric, .taskExpression: .tasks
            case .column, .columnExpression: .columns
            }
        }
    }

    public var kind: Kind
    /// The stage's own input whose upstream output holds the names.
    public var input: String
    /// Names allowed beside the upstream ones (rank's `popularity`).
    public var also: [String] = []
    /// metric: the metrics of a task by its type (`{binary: [auc], regression: [rmse]}`).
    public var metrics: [String: [String]] = [:]

    public static let grammar = "KIND of INPUT, or {kind: KIND, input: INPUT, also: [NAME, ...], metrics: {TASK_TYPE: [METRIC, ...]}}, with KIND one of "
        + Kind.allCases.map(\.rawValue).joined(separator: ", ")

    /// Reads "task of model".
    public init?(text: String) {
        let words = text.split(separator: " ").map(String.init)
        guard words.count == 3, words[1] == "of", let kind = Kind(rawValue: words[0]) else { return nil }
        self.kind = kind
        input = words[2]
    }

    public init(kind: Kind, input: String, also: [String] = [], metrics: [String: [String]] = [:]) {
        self.kind = kind
        self.input = input
        self.also = also
        self.metrics = metrics
    }
}

/// What is known about an output before anything runs: the tasks a model
/// predicts, the columns a table has. A manifest declares each as a list of
/// alternatives; the first whose conditions hold gives the names.
public struct OutputFacts: Sendable {
    public enum Fact: String, Sendable, CaseIterable {
        case tasks, columns
    }

    /// One way to know the names.
    public struct Alternative: Sendable {
        /// Params that must have these values (`{source: simulate}`).
        public var conditions: [(param: String, value: ParamValue)] = []
        /// Params that must not be empty (`needs: [select]`).
        public var needs: [String] = []
        /// Names written out.
        public var names: [String] = []
        /// `params.P` (a param's text, list elements or map keys) or
        /// `inputs.I` (the same fact of the bound upstream output).
        public var from: [Source] = []
    }

    public enum Source: Sendable, Equatable {
        case param(String)
        case input(String)

        public init?(text: String) {
            let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            switch parts[0] {
            case "params": self = .param(parts[1])
            case "inputs": self = .input(parts[1])
            default: return nil
            }
        }
    }

    public var alternatives: [Fact: [Alternative]] = [:]

    public init() {}
}

extension ParamValue {
    /// The names a param holds: its text, its list's elements, its map's keys.
    public var names: [String] {
        switch self {
        case .string(let text): text.isEmpty ? [] : [text]
        case .list(let items): items.map(\.plainText)
        case .map(let pairs): pairs.map(\.key)
        case .null: []
        default: [plainText]
        }
    }

    public var isEmptyValue: Bool {
        switch self {
        case .string(let text): text.isEmpty
        case .list(let items): items.isEmpty
        case .map(let pairs): pairs.isEmpty
        case .null: true
        default: false
        }
    }
}
