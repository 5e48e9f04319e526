import Testing
@testable import MultiTaskLearning

@Suite("A model's size, counted before it is built")
struct ModelSizeTests {
    static let schema = FeatureSchema(numericNames: ["a", "b", "c"],
                                      categorical: [CategoricalFeature(name: "user", cardinality: 11), CategoricalFeature(name: "item", cardinality: 7)],
                                      embeddingDimension: 5)

    @Test(arguments: ModelKind.allCases)
    func theCountFromTheArchitectureIsTheBuiltModelsCount(kind: ModelKind) {
        let tasks = [TaskSpec(name: "click", type: .binary), TaskSpec(name: "conversion", type: .binary)]
        for (bottom, tower, experts, taskExperts, units, levels) in [([6], [4], 3, 1, 5, 1), ([], [], 2, 2, 3, 3), ([8, 4], [3, 2], 1, 3, 7, 2)] {
            for (crossLayers, factorization) in [(0, false), (2, true)] where crossLayers == 0 || ![.esmm, .singleTask].contains(kind) {
                let architecture = ModelArchitecture(kind: kind, features: Self.schema, tasks: tasks, bottomUnits: bottom, towerUnits: tower,
                                                     experts: experts, taskExperts: taskExperts, expertUnits: units, levels: levels,
                                                     crossLayers: crossLayers, factorizationMachine: factorization)
                let built = ModelFactory.make(architecture).parameters.reduce(0) { $0 + $1.value.count }
                #expect(architecture.parameterCount == Double(built),
                        "\(kind) \(bottom) \(tower) \(experts)/\(taskExperts)x\(units), \(levels) levels, \(crossLayers) cross layers")
            }
        }
    }

    @Test func hostileWidthsDoNotOverflow() {
        let architecture = ModelArchitecture(kind: .mmoe, features: Self.schema, tasks: [TaskSpec(name: "click", type: .binary)],
                                             experts: Int.max / 2, expertUnits: Int.max / 2)
        #expect(architecture.parameterCount > 1e30)
    }
}
