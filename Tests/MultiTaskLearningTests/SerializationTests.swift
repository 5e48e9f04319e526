import Foundation
import Testing
@testable import MultiTaskLearning

@Suite("Saving and loading models")
struct SerializationTests {
    @Test(arguments: ModelKind.allCases)
    func saveLoadPredictGivesIdenticalOutputs(kind: ModelKind) throws {
        var architecture = architecture(kind)
        if kind == .esmm { architecture.tasks = Array(architecture.tasks.prefix(2)) }
        let model = ModelFactory.make(architecture)
        var data = syntheticData(rows: 300, seed: 8)
        if kind == .esmm {
            data.labels = Array(data.labels.prefix(2))
            data.masks = [nil, nil]
            data.taskNames = ["click", "conversion"]
        }
        let loss = JointLoss(LossSpecification(tasks: data.taskNames.map { TaskLoss(task: $0, kind: .binaryCrossEntropy, weight: 1) }
            .enumerated().map { $0.offset == 2 ? TaskLoss(task: "rating", kind: .meanSquaredError, weight: 1) : $0.element },
            conversionThroughClick: kind == .esmm))
        _ = try Trainer(model: model, loss: loss, options: TrainingOptions(epochs: 1, batchSize: 32, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01)))
            .train(data, validation: nil)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelStore.save(model, to: folder)
        let loaded = try ModelStore.load(from: folder)
        #expect(loaded.architecture == model.architecture)
        #expect(Predictor.predict(loaded, on: data) == Predictor.predict(model, on: data))
        let names = model.parameters.map(\.name)
        #expect(Set(names).count == names.count, "parameter names are unique")
    }

    @Test func theSafetensorsHeaderHasNamesShapesAndContiguousOffsets() throws {
        let model = MMoEModel(architecture(.mmoe))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelStore.save(model, to: folder)
        let data = try Data(contentsOf: folder.appendingPathComponent(ModelStore.weightsFile))

        // Read the header by hand: 8-byte little-endian length, then JSON.
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + length) % 8 == 0, "tensor data starts 8-byte aligned")
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        #expect((header["__metadata__"] as? [String: String])?["kind"] == "mmoe")
        let experts = try #require(header["experts.weight"] as? [String: Any])
        #expect(experts["dtype"] as? String == "F32")
        #expect(experts["shape"] as? [Int] == [model.architecture.features.inputWidth, 3 * 8])

        var spans: [(Int, Int)] = []
        for parameter in model.parameters {
            let entry = try #require(header[parameter.name] as? [String: Any], "missing \(parameter.name)")
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets[1] - offsets[0] == parameter.value.count * 4)
            #expect(entry["shape"] as? [Int] == [parameter.value.rows, parameter.value.cols])
            spans.append((offsets[0], offsets[1]))
        }
        spans.sort { $0.0 < $1.0 }
        #expect(spans.first?.0 == 0)
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.1 == b.0, "no gaps or overlaps") }
        #expect(8 + length + spans.last!.1 == data.count)

        // The first float of the first tensor, read by hand, is the value in memory.
        let first = model.parameters.first { (header[$0.name] as! [String: Any])["data_offsets"] as! [Int] == [0, $0.value.count * 4] }!
        let bits = data.subdata(in: (8 + length)..<(12 + length)).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        #expect(Float(bitPattern: bits) == first.value.data[0])
    }

    @Test func aMissingTensorIsAClearError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelStore.save(SharedBottomModel(architecture(.sharedBottom)), to: folder)
        let bigger = MMoEModel(architecture(.mmoe))
        #expect(throws: ModelStore.LoadError.self) {
            try ModelStore.loadWeights(into: bigger.parameters, from: folder.appendingPathComponent(ModelStore.weightsFile))
        }
    }
}
