import ArgumentParser
import Foundation
import MultiTaskLearning

/// Trains and scores a two-task model (click, conversion) on the peer
/// baselines' workload and prints throughput and quality.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtrec-bench",
        abstract: "Train and score a multi-task model; print samples/s, AUC, LogLoss, MSE, RMSE, MAE.")

    @Option(help: "shared_bottom, mmoe, ple or single_task.")
    var model: String = "shared_bottom"

    @Option(help: "Training CSV (x0..x63, click, conversion); generated when absent.")
    var train: String?

    @Option(help: "Test CSV; generated when absent.")
    var test: String?

    @Option var epochs = 3
    @Option var batch = 256
    @Option(help: "OpenBLAS threads.")
    var threads = 2
    @Option(help: "Rows to generate for training when no files are given (the test set gets a quarter).")
    var rows = 200_000
    @Option var seed: UInt64 = 1234
    @Option(help: "Timed prediction passes over the test rows (after one warm-up); the median is reported.")
    var predictPasses = 3
    @Option(help: "dense (64 numeric features, the peers' data) or categorical (8 categorical features with 100 to 100,000 ids, embeddings of 16, and 16 numeric).")
    var workload = "dense"
    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: "Measure every figure (sgemm floor, both dense models, the categorical model, rows scaling, CSV ingestion, no-op rerun) and print them together.")
    var suite = false
    @Option(parsing: .upToNextOption, help: "Suite: training rows for the scaling figure, each trained in its own process.")
    var scalingRows: [Int] = [200_000, 1_000_000, 4_000_000]
    @Option(help: "Suite: the CSV to ingest (default: --train, else generated data written to a temporary file).")
    var csv: String?
    @Flag(help: "The CSV has no header line (its columns are then named column_1, column_2, ...).")
    var csvNoHeader = false
    @Option(help: "The CSV's delimiter.")
    var csvDelimiter = ","
    @Option(help: "Suite: the pipeline whose all-cached rerun is timed.")
    var pipeline = "pipelines/quickstart.yaml"
    @Option(help: "Suite: how many all-cached reruns to time.")
    var noopRepeats = 30
    @Option(help: "Measure one of the suite's figures alone: csv (ingestion of --csv or --train) or noop (the all-cached rerun).")
    var only: SuiteFigure?

    func run() throws {
        guard let kind = ModelKind(rawValue: model), kind != .esmm else {
            throw ValidationError("--model must be shared_bottom, mmoe, ple or single_task")
        }
        guard ["dense", "categorical"].contains(workload) else { throw ValidationError("--workload must be dense or categorical") }
        BLAS.setThreads(threads)
        if let only {
            try Suite(bench: self).runOne(only)
            return
        }
        if suite {
            try Suite(bench: self).run()
            return
        }
        try measure(kind, workload: workload).print(json: json)
    }

    /// Trains and scores one model on one workload.
    func measure(_ kind: ModelKind, workload: String) throws -> Report {
        let loadStart = Date()
        let (trainData, testData, bayesAUC) = workload == "categorical" ? categoricalData() : try loadData()
        let loadSeconds = Date().timeIntervalSince(loadStart)

        var architecture = Workload.architecture(kind, schema: trainData.schema, seed: seed)
        architecture.features = trainData.schema
        let network = ModelFactory.make(architecture)
        let trainer = Trainer(model: network, loss: JointLoss(Workload.loss),
                              options: TrainingOptions(epochs: epochs, batchSize: batch,
                                                       optimizer: OptimizerSettings(kind: .adam, learningRate: 1e-3, epsilon: 1e-7),
                                                       seed: seed))
        let records = try trainer.train(trainData, validation: nil)
        let steady = records.count > 1 ? Array(records.dropFirst()) : records
        let trainRate = Double(trainData.count * steady.count) / steady.reduce(0) { $0 + $1.seconds }

        // As the peers do: one warm-up pass, then the median of three.
        _ = Predictor.predict(network, on: testData)
        var predictSeconds: [Double] = []
        var predictions: [[Float]] = []
        for _ in 0..<max(predictPasses, 1) {
            let start = DispatchTime.now()
            predictions = Predictor.predict(network, on: testData)
            predictSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        let evaluation = Evaluator.evaluate(predictions, tasks: architecture.tasks, on: testData)
        // A dense weight matrix costs one multiply-add per weight per sample forward and
        // two backward (input and weight gradients): 6 FLOPs per weight per trained sample.
        let parameterCount = network.parameters.reduce(0) { $0 + $1.value.count }
        let weights = network.parameters.filter { $0.name.hasSuffix(".weight") && !$0.isSparse }.reduce(0) { $0 + $1.value.count }
        let sparse = workload == "categorical" ? CategoricalWorkload.sparseUpdateCost(trainer: trainer, data: trainData, batchSize: batch) : nil
        return Report(
            model: kind.rawValue, workload: workload, train_rows: trainData.count, test_rows: testData.count, epochs: epochs, batch: batch,
            threads: threads, load_seconds: loadSeconds, first_epoch_samples_per_s: records[0].samplesPerSecond,
            train_samples_per_s: trainRate, predict_samples_per_s: Double(testData.count) / predictSeconds.sorted()[predictSeconds.count / 2],
            auc: evaluation[0].auc, logloss: evaluation[0].logLoss, mse: evaluation[1].mse, rmse: evaluation[1].rmse,
            mae: evaluation[1].mae, bayes_auc: bayesAUC, train_gflops: 6 * Double(weights) * trainRate / 1e9,
            embedding_rows_touched_per_step: sparse?.rowsTouched, sparse_update_ms_per_step: sparse?.milliseconds,
            dense_update_ms_per_step: sparse?.denseMilliseconds,
            epoch_seconds: records.map(\.seconds), peak_resident_mb: PeakMemory.residentMegabytes(),
            data_mb: Double(Self.encodedBytes(trainData) + Self.encodedBytes(testData)) / 1e6,
            model_mb: Double(parameterCount * 4) / 1e6, optimizer_mb: Double(parameterCount * 8) / 1e6)
    }

    /// One draw (the id effects are part of it), split into train and test.
    func categoricalData() -> (Dataset, Dataset, Double?) {
        let all = CategoricalWorkload.make(rows: rows + rows / 4, seed: seed)
        return (all.subset(Array(0..<rows)), all.subset(Array(rows..<(rows + rows / 4))), nil)
    }

    /// The bytes of a dataset's encoded arrays (features, tokens, labels, masks, users).
    static func encodedBytes(_ data: Dataset) -> Int {
        data.numeric.count * 4 + data.categorical.count * 4 + data.tokens.count * 4 + data.labels.reduce(0) { $0 + $1.count * 4 }
            + data.masks.reduce(0) { $0 + ($1?.count ?? 0) * 4 } + (data.users?.count ?? 0) * 4
    }

    /// The train and test sets; for generated data also the AUC of the true
    /// click probabilities on the test rows (the best any model can reach).
    func loadData() throws -> (Dataset, Dataset, Double?) {
        if let train, let test { return (try Workload.dataset(from: train), try Workload.dataset(from: test), nil) }
        if train != nil || test != nil { throw ValidationError("give both --train and --test, or neither") }
        let columns = Workload.featureNames.count
        var all = Workload.generate(rows: rows + rows / 4, seed: seed)
        let testRows = rows..<(rows + rows / 4)
        let bayes = Metrics.auc(scores: Array(all.clickProbability[testRows]), labels: Array(all.click[testRows]))
        let test = Workload.dataset(x: Array(all.features[(rows * columns)...]), click: Array(all.click[testRows]),
                                    conversion: Array(all.y2[testRows]))
        // The training rows keep the generated arrays (moved out, cut short in place), not a copy of them:
        // the peak memory is then the data's, not twice it.
        var features = all.features, click = all.click, conversion = all.y2
        (all.features, all.click, all.y2) = ([], [], [])
        features.removeSubrange((rows * columns)...)
        click.removeSubrange(rows...)
        conversion.removeSubrange(rows...)
        return (Workload.dataset(x: features, click: click, conversion: conversion), test, bayes)
    }
}

/// The peers' models and loss (../shared/peers/README.md).
enum Workload {
    static let featureNames = (0..<64).map { "x\($0)" }
    static let tasks = [TaskSpec(name: "click", type: .binary), TaskSpec(name: "conversion", type: .regression)]
    static let loss = LossSpecification(tasks: [TaskLoss(task: "click", kind: .binaryCrossEntropy, weight: 0.8),
                                                TaskLoss(task: "conversion", kind: .meanSquaredError, weight: 0.2)])

    static func architecture(_ kind: ModelKind, schema: FeatureSchema, seed: UInt64) -> ModelArchitecture {
        switch kind {
        case .mmoe:
            ModelArchitecture(kind: kind, features: schema, tasks: tasks, towerUnits: [32], experts: 8, expertUnits: 64, seed: seed)
        case .ple:
            ModelArchitecture(kind: kind, features: schema, tasks: tasks, towerUnits: [32], experts: 4, taskExperts: 2,
                              expertUnits: 64, levels: 2, seed: seed)
        default:
            ModelArchitecture(kind: kind, features: schema, tasks: tasks, bottomUnits: [128], towerUnits: [64], seed: seed)
        }
    }

    /// The peers' law (../shared/peers/gen_data.py) drawn with mtrec's own generator.
    static func generate(rows: Int, seed: UInt64) -> MMoESyntheticGenerator.Sample {
        MMoESyntheticGenerator(rows: rows, dimensions: featureNames.count, correlation: 0.5, seed: seed).generate()
    }

    static func dataset(from path: String) throws -> Dataset {
        let csv = try NumericCSV(contentsOf: path)
        return dataset(x: try csv.columns(featureNames, file: path), click: try csv.columns(["click"], file: path),
                       conversion: try csv.columns(["conversion"], file: path))
    }

    static func dataset(x: [Float], click: [Float], conversion: [Float]) -> Dataset {
        Dataset(schema: FeatureSchema(numericNames: featureNames), taskNames: ["click", "conversion"], numeric: x,
                labels: [click, conversion])
    }
}

struct Report: Codable {
    var model: String
    var workload: String
    var train_rows: Int
    var test_rows: Int
    var epochs: Int
    var batch: Int
    var threads: Int
    var load_seconds: Double
    var first_epoch_samples_per_s: Double
    var train_samples_per_s: Double
    var predict_samples_per_s: Double
    var auc: Double?
    var logloss: Double?
    var mse: Double?
    var rmse: Double?
    var mae: Double?
    /// Generated data only: AUC of the true click probabilities.
    var bayes_auc: Double?
    /// Matrix-product work done per second while training (6 FLOPs per dense weight per sample).
    var train_gflops: Double
    /// Categorical workload: embedding rows one step updates, and the optimizer's time on them and on the dense weights.
    var embedding_rows_touched_per_step: Int?
    var sparse_update_ms_per_step: Double?
    var dense_update_ms_per_step: Double?
    var epoch_seconds: [Double]
    /// The process's peak resident memory (VmHWM) when the figures were taken.
    var peak_resident_mb: Double?
    /// What the run must hold, for comparison with the peak: the encoded
    /// training and test data, the model's parameters, Adam's two moments per parameter.
    var data_mb: Double?
    var model_mb: Double?
    var optimizer_mb: Double?

    func print(json: Bool) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Swift.print(String(decoding: try encoder.encode(self), as: UTF8.self))
            return
        }
        func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "undefined" }
        Swift.print("""
            model \(model): \(train_rows) train rows, \(test_rows) test rows, \(epochs) epochs, batch \(batch), \(threads) threads
            train samples/s (epochs 2..): \(Int(train_samples_per_s))   first epoch: \(Int(first_epoch_samples_per_s))   (\(String(format: "%.1f", train_gflops)) GFLOP/s in matrix products)
            predict samples/s: \(Int(predict_samples_per_s))
            click AUC \(format(auc))   LogLoss \(format(logloss))
            conversion MSE \(format(mse))   RMSE \(format(rmse))   MAE \(format(mae))
            seconds per epoch: \(epoch_seconds.map { String(format: "%.2f", $0) }.joined(separator: ", "))   peak resident memory: \(peak_resident_mb.map { String(format: "%.0f MB", $0) } ?? "unknown")
            """ + (bayes_auc.map { "\nbest possible click AUC on this generated data: \(format($0))" } ?? "")
              + (embedding_rows_touched_per_step.map { rows in
                  String(format: "\nsparse embedding update: %d rows per step, %.3f ms (dense weights: %.3f ms)",
                         rows, sparse_update_ms_per_step ?? 0, dense_update_ms_per_step ?? 0)
              } ?? ""))
    }
}

Bench.main()
