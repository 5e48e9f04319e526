import Foundation
import Testing
@testable import MultiTaskLearning

/// Small synthetic data: click depends on x0 + x1 and the user, rating on x2,
/// the conversion label exists only on clicked rows.
func syntheticData(rows: Int, seed: UInt64, flipClicks: Bool = false) -> Dataset {
    var random = RandomSource(seed: seed)
    let schema = FeatureSchema(numericNames: ["x0", "x1", "x2"], categorical: [CategoricalFeature(name: "user", cardinality: 8)],
                               embeddingDimension: 4)
    var numeric: [Float] = [], users: [Int32] = [], clicks: [Float] = [], conversions: [Float] = [], masks: [Float] = []
    var ratings: [Float] = []
    for _ in 0..<rows {
        let x = (0..<3).map { _ in Float(random.normal()) }
        let user = Int32(random.int(below: 8))
        numeric += x
        users.append(user)
        let score = x[0] + x[1] + (user % 2 == 0 ? 0.8 : -0.8)
        let click: Float = (score > 0) != flipClicks ? 1 : 0
        clicks.append(click)
        masks.append(click)
        conversions.append(x[2] > 0 ? 1 : 0)
        ratings.append(2 * x[2] + 3)
    }
    return Dataset(schema: schema, taskNames: ["click", "conversion", "rating"], numeric: numeric, categorical: users,
                   labels: [clicks, conversions, ratings], masks: [nil, masks, nil], users: users)
}

let tasks = [TaskSpec(name: "click", type: .binary), TaskSpec(name: "conversion", type: .binary), TaskSpec(name: "rating", type: .regression)]
let specification = LossSpecification(tasks: [TaskLoss(task: "click", kind: .binaryCrossEntropy, weight: 1),
                                              TaskLoss(task: "conversion", kind: .binaryCrossEntropy, weight: 1),
                                              TaskLoss(task: "rating", kind: .meanSquaredError, weight: 0.5)], lambda: 1e-5)

func architecture(_ kind: ModelKind, seed: UInt64 = 5) -> ModelArchitecture {
    ModelArchitecture(kind: kind, features: syntheticData(rows: 1, seed: 1).schema, tasks: tasks, bottomUnits: [16], towerUnits: [8],
                      experts: 3, taskExperts: 1, expertUnits: 8, levels: 2, seed: seed)
}

@Suite("Training")
struct TrainingTests {
    @Test(arguments: [ModelKind.singleTask, .sharedBottom, .mmoe, .ple])
    func modelsLearnTheSyntheticTasks(kind: ModelKind) throws {
        let train = syntheticData(rows: 3000, seed: 1), test = syntheticData(rows: 1000, seed: 2)
        let model = ModelFactory.make(architecture(kind))
        let trainer = Trainer(model: model, loss: JointLoss(specification),
                              options: TrainingOptions(epochs: 6, batchSize: 64, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01)))
        let records = try trainer.train(train, validation: test)
        #expect(records.count == 6)
        #expect(records.last!.trainLoss["click"]! < records.first!.trainLoss["click"]!)
        let evaluation = Evaluator.evaluate(Predictor.predict(model, on: test), tasks: tasks, on: test)
        #expect(try #require(evaluation[0].auc) > 0.95, "\(kind) click AUC")
        #expect(try #require(evaluation[1].auc) > 0.9, "\(kind) conversion AUC on clicked rows")
        #expect(evaluation[1].rows < test.count, "conversion is evaluated on labelled rows only")
        #expect(try #require(evaluation[2].rmse) < 1, "\(kind) rating RMSE (label std is 2)")
        #expect(evaluation[0].gauc != nil)
    }

    @Test func esmmLearnsClickAndClickThroughConversion() throws {
        var train = syntheticData(rows: 3000, seed: 1), test = syntheticData(rows: 1000, seed: 2)
        for data in [0, 1] {
            var set = data == 0 ? train : test
            // ESMM trains the second task on click-and-convert over all impressions.
            set.labels = [set.labels[0], zip(set.labels[0], set.labels[1]).map { $0 * $1 }]
            set.masks = [nil, nil]
            set.taskNames = ["click", "conversion"]
            if data == 0 { train = set } else { test = set }
        }
        var architecture = architecture(.esmm)
        architecture.tasks = [TaskSpec(name: "click", type: .binary), TaskSpec(name: "conversion", type: .binary)]
        let model = ModelFactory.make(architecture)
        let loss = JointLoss(LossSpecification(tasks: [TaskLoss(task: "click", kind: .binaryCrossEntropy, weight: 1),
                                                       TaskLoss(task: "conversion", kind: .binaryCrossEntropy, weight: 1)],
                                               conversionThroughClick: true))
        let trainer = Trainer(model: model, loss: loss, options: TrainingOptions(epochs: 6, batchSize: 64, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01)))
        _ = try trainer.train(train, validation: nil)
        let predictions = Predictor.predict(model, on: test)
        let ctcvr = zip(predictions[0], predictions[1]).map { $0 * $1 }
        #expect(try #require(Metrics.auc(scores: predictions[0], labels: test.labels[0])) > 0.95)
        #expect(try #require(Metrics.auc(scores: ctcvr, labels: test.labels[1])) > 0.9)
    }

    @Test func theSameSeedGivesBitIdenticalWeights() throws {
        let data = syntheticData(rows: 500, seed: 3)
        func weights() throws -> [[Float]] {
            let model = ModelFactory.make(architecture(.mmoe))
            let trainer = Trainer(model: model, loss: JointLoss(specification),
                                  options: TrainingOptions(epochs: 2, batchSize: 32, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), seed: 9))
            _ = try trainer.train(data, validation: nil)
            return model.parameters.map(\.value.array)
        }
        #expect(try weights() == weights())
    }

    @Test func aNonFiniteLossNamesTheTaskAndStep() throws {
        var data = syntheticData(rows: 200, seed: 4)
        data.labels[2] = data.labels[2].enumerated().map { $0.offset == 150 ? Float.infinity : $0.element }
        let model = ModelFactory.make(architecture(.sharedBottom))
        let trainer = Trainer(model: model, loss: JointLoss(specification),
                              options: TrainingOptions(epochs: 1, batchSize: 50, optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.01)))
        do {
            _ = try trainer.train(data, validation: nil)
            Issue.record("training should have stopped")
        } catch let error as TrainingError {
            guard case .nonFiniteLoss(let task, let epoch, _, _) = error else { Issue.record("\(error)"); return }
            #expect(task == "rating" && epoch == 1)
            #expect(error.description.contains("task 'rating'"))
        }
    }

    @Test func earlyStoppingStopsAndRestoresTheBestEpoch() throws {
        // Validation clicks are the opposite of training clicks: validation AUC
        // is best after the first epoch and falls as the model learns.
        let train = syntheticData(rows: 2000, seed: 1), validation = syntheticData(rows: 500, seed: 2, flipClicks: true)
        let model = ModelFactory.make(architecture(.sharedBottom))
        let options = TrainingOptions(epochs: 10, batchSize: 64, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01),
                                      earlyStopping: EarlyStopping(metric: "click.auc", patience: 2))
        let records = try Trainer(model: model, loss: JointLoss(specification), options: options).train(train, validation: validation)
        #expect(records.count < 10)
        let aucs = records.map { $0.validation[0].auc! }
        let best = aucs.max()!
        #expect(aucs.firstIndex(of: best)! == records.count - 3, "stopped two epochs after the best")
        let final = Evaluator.evaluate(Predictor.predict(model, on: validation), tasks: tasks, on: validation)
        #expect(abs(final[0].auc! - best) < 1e-9, "the best epoch's weights are restored")
    }

    @Test func anUnknownEarlyStoppingMetricIsAClearError() {
        let data = syntheticData(rows: 100, seed: 1)
        let options = TrainingOptions(epochs: 2, batchSize: 50, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01),
                                      earlyStopping: EarlyStopping(metric: "click.rmse", patience: 1))
        #expect(throws: TrainingError.self) {
            try Trainer(model: ModelFactory.make(architecture(.sharedBottom)), loss: JointLoss(specification), options: options)
                .train(data, validation: data)
        }
    }
}

@Suite("Resuming training")
struct ResumeTests {
    struct Interrupted: Error {}

    @Test func resumingAfterAnEpochMatchesAnUninterruptedRunBitForBit() throws {
        let data = syntheticData(rows: 400, seed: 6)
        let options = TrainingOptions(epochs: 3, batchSize: 32, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), seed: 4)
        let straight = ModelFactory.make(architecture(.mmoe))
        _ = try Trainer(model: straight, loss: JointLoss(specification), options: options).train(data, validation: nil)

        // Run until epoch 2 has finished, keeping what a checkpoint keeps, then stop.
        let first = ModelFactory.make(architecture(.mmoe))
        let firstTrainer = Trainer(model: first, loss: JointLoss(specification), options: options)
        var saved: (state: TrainingState, weights: [[Float]], optimizer: [[Float]], step: Int)?
        #expect(throws: Interrupted.self) {
            try firstTrainer.train(data, validation: nil, afterEpoch: { state in
                guard state.completedEpochs == 2 else { return }
                saved = (state, first.parameters.map(\.value.array),
                         firstTrainer.optimizer.stateTensors(for: firstTrainer.trainableParameters).map(\.tensor.array),
                         firstTrainer.optimizer.step)
                throw Interrupted()
            })
        }
        let checkpoint = try #require(saved)

        let resumed = ModelFactory.make(architecture(.mmoe))
        for (parameter, values) in zip(resumed.parameters, checkpoint.weights) { parameter.value.assign(values) }
        let trainer = Trainer(model: resumed, loss: JointLoss(specification), options: options)
        for (slot, values) in zip(trainer.optimizer.stateTensors(for: trainer.trainableParameters), checkpoint.optimizer) {
            slot.tensor.assign(values)
        }
        trainer.optimizer.restore(step: checkpoint.step)
        let records = try trainer.train(data, validation: nil, resuming: checkpoint.state)
        #expect(records.map(\.epoch) == [1, 2, 3])
        #expect(resumed.parameters.map(\.value.array) == straight.parameters.map(\.value.array))
    }
}
