import Foundation
import MultiTaskLearning
import Orchestrator

/// explain: for each recommended item, the features that pushed each task's
/// score up or down most. A feature's contribution is what leaving it out
/// changes: the item is scored again with that one feature at its neutral
/// value (a categorical feature at its most common training code, a number
/// at the training mean) and the difference is the feature's share. The
/// rows are encoded as predict encoded the candidates (the user's and the
/// item's latest training rows), so the full score is the one rank used.
/// Writes rank's lists with one more column per task, `why_TASK`:
/// "category +0.0812; price -0.0110; device +0.0040".
struct ExplainStage: BuiltinStage {
    let name = "explain"

    struct Params: Decodable {
        var features: Int
        var tasks: [String]
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let model = try context.model()
        let transform = try context.readJSON(FeatureTransform.self, from: "transform")
        let history = try context.table("history")
        let schema = model.architecture.features
        let tasks = model.architecture.tasks.map(\.name)
        let explained = params.tasks.isEmpty ? tasks : params.tasks
        if let unknown = explained.first(where: { !tasks.contains($0) }) {
            throw StageFailure("param 'tasks': the model has no task '\(unknown)'; its tasks are \(tasks.joined(separator: ", "))")
        }
        let lists = try RecommendationsFile(contentsOf: context.input("recommendations")!)
        let encoder = try CandidateEncoder(history: history, transform: transform, schema: schema)
        let leaveOut = try LeaveOneFeatureOut(history: history, transform: transform, schema: schema)

        // The explained rows, encoded as predict encoded the candidates.
        var numeric: [Float] = [], categorical: [Int32] = [], tokens: [Int32] = [], explainedLines: [Int] = []
        for (user, lines) in lists.modelLinesByUser() where encoder.knows(user: user) {
            let base = encoder.dataset(user: user, items: lines.map { lists.item(at: $0) }, tasks: tasks)
            numeric += base.numeric
            categorical += base.categorical
            tokens += base.tokens
            explainedLines += lines
        }
        let rows = Dataset(schema: schema, taskNames: tasks, numeric: numeric, categorical: categorical, tokens: tokens,
                           labels: tasks.map { _ in [Float](repeating: 0, count: explainedLines.count) })
        let changes = leaveOut.changes(of: rows, model: model)

        var why = [Int: [String]]()
        for (index, line) in explainedLines.enumerated() {
            why[line] = explained.map { task in
                leaveOut.strongest(changes[index][tasks.firstIndex(of: task)!], count: params.features)
                    .map { "\($0.feature.replacingOccurrences(of: ",", with: " ")) \(String(format: "%+.4f", $0.change))" }
                    .joined(separator: "; ")
            }
        }
        let empty = explained.map { _ in "" }
        var text = lists.header + "," + explained.map { "why_\($0)" }.joined(separator: ",") + "\n"
        for (index, line) in lists.lines.enumerated() {
            text += line + "," + (why[index] ?? empty).joined(separator: ",") + "\n"
        }
        try text.write(to: context.output("recommendations"), atomically: true, encoding: .utf8)
        context.log("explain: the \(params.features) features that moved \(explained.joined(separator: ", ")) most, "
                    + "for \(explainedLines.count) recommended items (\(explainedLines.count * (1 + leaveOut.features.count)) rows scored)")
    }
}

/// rank's recommendations.csv: user, rank, item, score, one column per task, source.
struct RecommendationsFile {
    let header: String
    let lines: [String]
    private let fields: [[Substring]]
    private let userColumn: Int, itemColumn: Int, sourceColumn: Int

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { throw StageFailure("\(url.path): empty; expected rank's recommendations (user,rank,item,...)") }
        let header = lines.removeFirst()
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func column(_ name: String) throws -> Int {
            guard let index = names.firstIndex(of: name) else {
                throw StageFailure("\(url.path): no column '\(name)' in the header '\(header)'; expected rank's recommendations")
            }
            return index
        }
        (userColumn, itemColumn, sourceColumn) = (try column("user"), try column("item"), try column("source"))
        self.header = header
        self.lines = lines
        fields = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        if let bad = fields.firstIndex(where: { $0.count != names.count }) {
            throw StageFailure("\(url.path): line \(bad + 2) has \(fields[bad].count) fields, the header \(names.count)")
        }
    }

    func item(at line: Int) -> String { String(fields[line][itemColumn]) }

    /// The lines the model ranked (not the popularity fallback), by user, in file order.
    func modelLinesByUser() -> [(user: String, lines: [Int])] {
        var order: [String] = [], byUser: [String: [Int]] = [:]
        for (line, row) in fields.enumerated() where row[sourceColumn] == "model" {
            let user = String(row[userColumn])
            if byUser[user] == nil { order.append(user) }
            byUser[user, default: []].append(line)
        }
        return order.map { ($0, byUser[$0]!) }
    }
}

/// Each feature's share of each task's score, found by leaving it out: the
/// row is scored again with that one feature at its neutral value (a
/// categorical feature at its most common training code, a text as no text
/// at all, a number at the training mean, 0 once standardized), and the
/// share is the difference.
struct LeaveOneFeatureOut {
    /// Categorical features, then texts, then numeric ones, in the model's input order.
    let features: [String]
    private let neutralCodes: [Int32]
    private let neutralNumbers: [Float]

    init(history: Table, transform: FeatureTransform, schema: FeatureSchema) throws {
        features = schema.categorical.map(\.name) + schema.text.map(\.name) + schema.numericNames
        neutralCodes = try schema.categorical.map { feature in
            guard case .int(let codes)? = history["cat.\(feature.name)"] else {
                throw StageFailure("the training rows have no encoded categorical feature '\(feature.name)'")
            }
            // In the embedding table's range, as CandidateEncoder keeps codes.
            return Int32(min(max(MissingValues.mostFrequent(codes) ?? 0, 0), Int64(feature.cardinality - 1)))
        }
        neutralNumbers = schema.numericNames.map { name in
            guard let fitted = transform.numeric.first(where: { $0.name == name }) else { return 0 }
            return fitted.method == "none" ? fitted.mean : 0
        }
    }

    /// Per row of `data`, per task, per feature: the row's score minus its
    /// score with that feature left out. Scores every row 1 + features times.
    func changes(of data: Dataset, model: any MultiTaskModel, workers: Int = BLAS.threads) -> [[[Float]]] {
        // In parts, so the rows scored (1 + features per explained row) stay a few MB.
        stride(from: 0, to: data.count, by: 2048).flatMap { start in
            changes(of: data, rows: start..<min(start + 2048, data.count), model: model, workers: workers)
        }
    }

    private func changes(of data: Dataset, rows: Range<Int>, model: any MultiTaskModel, workers: Int) -> [[[Float]]] {
        let schema = data.schema
        let numericCount = schema.numericCount, categoricalCount = schema.categorical.count, tokenWidth = schema.tokenWidth
        let variants = 1 + features.count
        var numeric: [Float] = [], categorical: [Int32] = [], tokens: [Int32] = []
        numeric.reserveCapacity(rows.count * variants * numericCount)
        categorical.reserveCapacity(rows.count * variants * categoricalCount)
        tokens.reserveCapacity(rows.count * variants * tokenWidth)
        for row in rows {
            let rowNumeric = data.numeric[row * numericCount..<(row + 1) * numericCount]
            let rowCategorical = data.categorical[row * categoricalCount..<(row + 1) * categoricalCount]
            let rowTokens = data.tokens[row * tokenWidth..<(row + 1) * tokenWidth]
            func copy() {
                numeric += rowNumeric
                categorical += rowCategorical
                tokens += rowTokens
            }
            copy()
            for index in 0..<categoricalCount {
                copy()
                categorical[categorical.count - categoricalCount + index] = neutralCodes[index]
            }
            var slot = 0
            for feature in schema.text {
                copy()
                let start = tokens.count - tokenWidth + slot
                tokens.replaceSubrange(start..<(start + feature.slots), with: repeatElement(0, count: feature.slots))
                slot += feature.slots
            }
            for index in 0..<numericCount {
                copy()
                numeric[numeric.count - numericCount + index] = neutralNumbers[index]
            }
        }
        let count = rows.count * variants
        let scored = Dataset(schema: schema, taskNames: data.taskNames, numeric: numeric, categorical: categorical, tokens: tokens,
                             labels: data.taskNames.map { _ in [Float](repeating: 0, count: count) })
        let predictions = Predictor.predict(model, on: scored, workers: workers)
        return (0..<rows.count).map { row in
            predictions.map { scores in
                let first = row * variants
                return (0..<features.count).map { scores[first] - scores[first + 1 + $0] }
            }
        }
    }

    /// The `count` largest changes by size (ties by name), leaving out those under 5e-7.
    func strongest(_ changes: [Float], count: Int) -> [(feature: String, change: Double)] {
        var named: [(feature: String, change: Double)] = []
        for (feature, change) in zip(features, changes) where abs(change) >= 5e-7 { named.append((feature, Double(change))) }
        named.sort { abs($0.change) != abs($1.change) ? abs($0.change) > abs($1.change) : $0.feature < $1.feature }
        return Array(named.prefix(count))
    }
}
