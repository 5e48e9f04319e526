import Foundation
import MultiTaskLearning
import Orchestrator

/// evaluate: per-task metrics on the test split, ranking metrics of the
/// recommendations against held-out interactions, the experts' gate weights
/// (MMoE, PLE) and permutation feature importance. Writes metrics.json and
/// prints a table.
struct EvaluateStage: BuiltinStage {
    let name = "evaluate"

    struct Params: Decodable {
        var k, importanceTop, seed: Int
        var relevanceTask, truthValue, ownerColumn: String
        var easeLambda: Double
        var importance: Bool

        enum CodingKeys: String, CodingKey {
            case k, importance, seed, relevanceTask = "relevance_task", easeLambda = "ease_lambda", importanceTop = "importance_top",
                 truthValue = "truth_value", ownerColumn = "owner_column"
        }
    }

    struct RankingResult {
        var k: Int
        var users: Int
        var ndcg: Double?
        var recall: Double?
        var hitRate: Double?
        var mrr: Double?
    }

    struct Importance {
        var feature: String
        /// How much the task's metric got worse when the feature was shuffled.
        var drop: Double
    }

    /// Written as `EvaluationMetrics`.
    struct Report {
        var model: String
        var rows: Int
        var tasks: [TaskEvaluation]
        var ctcvrAUC: Double?
        /// Simulated data: AUC of the true probabilities (keep.true_TASK_probability), the best any model can reach.
        var bestPossibleAUC: [String: Double]?
        var ranking: RankingResult?
        /// The task whose positive test labels are the relevant items.
        var relevanceTask: String?
        /// The penalty of the EASE baseline, when it was judged.
        var easeLambda: Double?
        /// The same metrics of baseline lists ("popularity") on the same users and exclusions.
        var baselines: [String: RankingResult] = [:]
        /// Simulated data: the mean true value (`truthQuantity`: click,
        /// purchase_value, engagement, revenue, ...) of the lists ("model",
        /// "popularity", "oracle": the best K by truth, "random": any unseen item).
        var expectedValue: [String: Double] = [:]
        var truthQuantity = "click"
        var gateWeights: [String: [Float]]?
        var importance: [String: [Importance]]
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let model = try context.model()
        let transform = try context.readJSON(FeatureTransform.self, from: "transform")
        let specs = model.architecture.tasks
        let testTable = try context.table("test")
        let test = try EncodedData.dataset(testTable, transform: transform, schema: model.architecture.features, tasks: specs.map(\.name))

        model.resetGateStatistics()
        let predictions = Predictor.predict(model, on: test)
        var report = Report(model: model.architecture.kind.rawValue, rows: test.count,
                            tasks: Evaluator.evaluate(predictions, tasks: specs, on: test), importance: [:])
        if model.architecture.kind == .esmm {
            report.ctcvrAUC = Metrics.auc(scores: zip(predictions[0], predictions[1]).map { $0 * $1 }, labels: test.labels[1])
        }
        for (index, task) in specs.enumerated() where task.type == .binary {
            guard let truth = testTable.floats("keep.true_\(task.name)_probability") else { continue }
            let rows = (0..<test.count).filter { (test.masks[index]?[$0] ?? 1) != 0 }
            if let auc = Metrics.auc(scores: rows.map { truth[$0] }, labels: rows.map { test.labels[index][$0] }) {
                report.bestPossibleAUC = (report.bestPossibleAUC ?? [:]).merging([task.name: auc]) { $1 }
            }
        }
        if let weights = model.gateWeights {
            report.gateWeights = Dictionary(uniqueKeysWithValues: zip(specs.map(\.name), weights))
        }
        if context.input("recommendations") != nil {
            try rank(context, params, test: testTable, into: &report)
        }
        if params.importance {
            report.importance = PermutationImportance(model: model, data: test, baseline: report.tasks,
                                                      top: params.importanceTop, seed: UInt64(params.seed)).compute()
        }
        try EvaluationMetrics(report).write(to: context.output("metrics"))
        context.log(MetricsTable.render(report))
    }

    /// The model's lists and the baselines, judged by one `RankingEvaluation`.
    private func rank(_ context: BuiltinContext, _ params: Params, test: Table, into report: inout Report) throws {
        let relevance = params.relevanceTask
        let train = context.input("history") != nil ? try context.table("history") : nil
        let valid = context.input("valid") != nil ? try context.table("valid") : nil
        let evaluation = try RankingEvaluation(k: params.k, test: test, relevance: relevance, history: [train, valid].compactMap { $0 },
                                               ownerColumn: params.ownerColumn.isEmpty ? nil : params.ownerColumn)
        let modelLists = try Self.lists(in: context.input("recommendations")!)
        report.ranking = evaluation.score(modelLists)
        report.relevanceTask = relevance
        guard let train else { return }
        let popularOrder = try RankingEvaluation.popularityOrder(train, relevance: relevance)
        let popularLists = evaluation.lists(from: popularOrder)
        report.baselines["popularity"] = evaluation.score(popularLists)
        let easeLambda = params.easeLambda
        let catalog = popularOrder.count
        if easeLambda > 0, catalog > EASE.itemLimit {
            context.log("evaluate: no EASE baseline over \(catalog) items (its n x n inverse is for up to \(EASE.itemLimit)); set ease_lambda: 0 to silence this")
        } else if easeLambda > 0 {
            report.baselines["ease"] = evaluation.score(try evaluation.easeLists(train: train, lambda: easeLambda))
            report.easeLambda = easeLambda
        }
        guard context.input("truth") != nil, let truth = try context.readJSON(SimulatorTruth?.self, from: "truth") else { return }
        let quantity = params.truthValue
        guard truth.scenario.quantities.contains(quantity) else {
            throw StageFailure("param 'truth_value': the \(truth.scenario.rawValue) simulator's truth has no '\(quantity)'"
                + "\(Suggestion.hint(for: quantity, in: truth.scenario.quantities)); it knows: \(truth.scenario.quantities.joined(separator: ", "))")
        }
        report.truthQuantity = quantity
        let oracle = evaluation.oracleLists(catalog: popularOrder, truth: truth, quantity: quantity)
        report.expectedValue = [
            "model": evaluation.expectedValue(modelLists, truth: truth, quantity: quantity),
            "popularity": evaluation.expectedValue(popularLists, truth: truth, quantity: quantity),
            "oracle": evaluation.expectedValue(oracle, truth: truth, quantity: quantity),
            "random": evaluation.randomExpectedValue(catalog: popularOrder, truth: truth, quantity: quantity),
        ]
    }

    /// recommendations.csv as user -> items by rank.
    static func lists(in url: URL) throws -> [String: [String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var ranked: [String: [(Int, String)]] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 3, let rank = Int(fields[1]) else { continue }
            ranked[String(fields[0]), default: []].append((rank, String(fields[2])))
        }
        return ranked.mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
    }
}

/// metrics.json, as one typed value: a section per task and "ranking" hold
/// metrics only; "counts" (rows, users, k) and "info" (model, relevance
/// task) stand apart, as do the per-expert and per-feature details, so
/// history, diff and gates never take a count for a metric
/// (`MetricDirection.nonMetricSections`). A metric that cannot be computed
/// is written as null.
struct EvaluationMetrics: Encodable {
    typealias Section = [String: Double?]

    /// Top-level names beside the tasks' sections: no task may take one.
    static let sections = MetricDirection.nonMetricSections.union(["ranking", "ctcvr"])

    struct Info: Encodable {
        var model: String
        var relevanceTask: String?
        var easeLambda: Double?

        enum CodingKeys: String, CodingKey {
            case model, relevanceTask = "relevance_task", easeLambda = "ease_lambda"
        }
    }

    struct Importance: Encodable {
        var feature: String
        var drop: Double
    }

    struct Ranking: Encodable {
        var metrics: Section
        var baseline: [String: Section]?
        /// Written as expected_QUANTITY.
        var expectedValue: (quantity: String, values: [String: Double])?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: NameKey.self)
            for (name, value) in metrics { try container.encode(value, forKey: NameKey(name)) }
            if let baseline { try container.encode(baseline, forKey: NameKey("baseline")) }
            if let expectedValue { try container.encode(expectedValue.values, forKey: NameKey("expected_\(expectedValue.quantity)")) }
        }
    }

    var tasks: [String: Section]
    var ctcvr: Section?
    var ranking: Ranking?
    var gateWeights: [String: [Double]]?
    var importance: [String: [Importance]]
    var counts: [String: Int]
    var info: Info

    init(_ report: EvaluateStage.Report) {
        counts = ["rows": report.rows]
        info = Info(model: report.model, relevanceTask: report.relevanceTask, easeLambda: report.easeLambda)
        tasks = [:]
        for task in report.tasks {
            counts["\(task.task).rows"] = task.rows
            if task.auc != nil || task.logLoss != nil {
                var section: Section = ["auc": task.auc, "gauc": task.gauc, "logloss": task.logLoss]
                if let best = report.bestPossibleAUC?[task.task] { section["best_possible_auc"] = best }
                tasks[task.task] = section
            } else {
                tasks[task.task] = ["mse": task.mse, "rmse": task.rmse, "mae": task.mae]
            }
        }
        ctcvr = report.ctcvrAUC.map { ["auc": $0] }
        if let ranking = report.ranking {
            counts["ranking.k"] = ranking.k
            counts["ranking.users"] = ranking.users
            var metrics = Self.section(ranking)
            if let popular = report.baselines["popularity"] {
                metrics["hit_rate_vs_popularity"] = Self.ratio(ranking.hitRate, popular.hitRate)
                metrics["ndcg_vs_popularity"] = Self.ratio(ranking.ndcg, popular.ndcg)
            }
            let expected = report.expectedValue, quantity = report.truthQuantity
            if !expected.isEmpty {
                metrics["expected_\(quantity)_vs_oracle"] = Self.ratio(expected["model"], expected["oracle"])
                metrics["expected_\(quantity)_vs_popularity"] = Self.ratio(expected["model"], expected["popularity"])
            }
            self.ranking = Ranking(metrics: metrics, baseline: report.baselines.isEmpty ? nil : report.baselines.mapValues(Self.section),
                                   expectedValue: expected.isEmpty ? nil : (quantity, expected))
        }
        gateWeights = report.gateWeights?.mapValues { $0.map(Double.init) }
        importance = report.importance.mapValues { $0.map { Importance(feature: $0.feature, drop: $0.drop) } }
    }

    static func section(_ ranking: EvaluateStage.RankingResult) -> Section {
        ["ndcg": ranking.ndcg, "recall": ranking.recall, "hit_rate": ranking.hitRate, "mrr": ranking.mrr]
    }

    static func ratio(_ a: Double?, _ b: Double?) -> Double? {
        a.flatMap { a in b.flatMap { $0 > 0 ? a / $0 : nil } }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: NameKey.self)
        for (task, section) in tasks { try container.encode(section, forKey: NameKey(task)) }
        if let ctcvr { try container.encode(ctcvr, forKey: NameKey("ctcvr")) }
        if let ranking { try container.encode(ranking, forKey: NameKey("ranking")) }
        if let gateWeights { try container.encode(gateWeights, forKey: NameKey("gate_weights")) }
        try container.encode(importance, forKey: NameKey("importance"))
        try container.encode(counts, forKey: NameKey("counts"))
        try container.encode(info, forKey: NameKey("info"))
    }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url)
    }
}

/// A coding key made from any name (a task, a metric).
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Permutation importance: shuffle one feature column across rows and
/// measure how much each task's metric worsens (AUC drop for binary tasks,
/// RMSE rise for regression). The top features per task are kept.
struct PermutationImportance {
    let model: any MultiTaskModel
    let data: Dataset
    let baseline: [TaskEvaluation]
    let top: Int
    let seed: UInt64

    func compute() -> [String: [EvaluateStage.Importance]] {
        let schema = model.architecture.features
        var drops: [String: [EvaluateStage.Importance]] = [:]
        enum Kind { case categorical, text, numeric }
        let features = schema.categorical.map(\.name).enumerated().map { ($1, Kind.categorical, $0) }
            + schema.text.map(\.name).enumerated().map { ($1, Kind.text, $0) }
            + schema.numericNames.enumerated().map { ($1, Kind.numeric, $0) }
        for (name, kind, index) in features {
            var shuffled = data
            var random = RandomSource(seed: seed)
            var order = Array(0..<data.count)
            random.shuffle(&order)
            switch kind {
            case .categorical:
                let width = schema.categorical.count
                for row in 0..<data.count { shuffled.categorical[row * width + index] = data.categorical[order[row] * width + index] }
            case .text:
                let width = schema.tokenWidth, start = schema.text.prefix(index).reduce(0) { $0 + $1.slots }
                for row in 0..<data.count {
                    for slot in start..<(start + schema.text[index].slots) {
                        shuffled.tokens[row * width + slot] = data.tokens[order[row] * width + slot]
                    }
                }
            case .numeric:
                let width = schema.numericCount
                for row in 0..<data.count { shuffled.numeric[row * width + index] = data.numeric[order[row] * width + index] }
            }
            let evaluation = Evaluator.evaluate(Predictor.predict(model, on: shuffled), tasks: model.architecture.tasks, on: shuffled)
            for (task, (before, after)) in zip(model.architecture.tasks, zip(baseline, evaluation)) {
                let drop: Double? = task.type == .binary
                    ? before.auc.flatMap { b in after.auc.map { b - $0 } }
                    : before.rmse.flatMap { b in after.rmse.map { $0 - b } }
                if let drop { drops[task.name, default: []].append(.init(feature: name, drop: drop)) }
            }
        }
        model.resetGateStatistics()
        return drops.mapValues { Array($0.sorted { $0.drop > $1.drop }.prefix(top)) }
    }
}

/// The metrics as a table a person reads in the log.
enum MetricsTable {
    static func render(_ report: EvaluateStage.Report) -> String {
        func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        let columns = ["task", "rows", "AUC", "GAUC", "LogLoss", "MSE", "RMSE", "MAE", "best AUC"]
        var rows = [columns]
        for task in report.tasks {
            rows.append([task.task, String(task.rows), format(task.auc), format(task.gauc), format(task.logLoss),
                         format(task.mse), format(task.rmse), format(task.mae), format(report.bestPossibleAUC?[task.task])])
        }
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max()! }
        var lines = rows.map { row in row.indices.map { cell(row[$0], widths[$0]) }.joined(separator: "  ") }
        if let ctcvr = report.ctcvrAUC { lines.append("pCTCVR AUC over all impressions: \(format(ctcvr))") }
        if let ranking = report.ranking {
            lines.append("ranking@\(ranking.k) over \(ranking.users) users: NDCG \(format(ranking.ndcg))  Recall \(format(ranking.recall))  HitRate \(format(ranking.hitRate))  MRR \(format(ranking.mrr))")
            for (name, baseline) in report.baselines.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(name) lists, same users: NDCG \(format(baseline.ndcg))  Recall \(format(baseline.recall))  HitRate \(format(baseline.hitRate))  MRR \(format(baseline.mrr))")
            }
            if !report.expectedValue.isEmpty {
                lines.append("  expected \(report.truthQuantity) of the lists (by the simulator's truth, top of the page): "
                    + ["model", "popularity", "oracle", "random"].map { "\($0) \(format(report.expectedValue[$0]))" }.joined(separator: "  "))
            }
        }
        for (task, weights) in (report.gateWeights ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines.append("gate \(task): " + weights.enumerated().map { "e\($0.offset) \(String(format: "%.2f", $0.element))" }.joined(separator: " "))
        }
        for (task, features) in report.importance.sorted(by: { $0.key < $1.key }) {
            lines.append("importance \(task): " + features.prefix(5).map { "\($0.feature) \(String(format: "%.4f", $0.drop))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
