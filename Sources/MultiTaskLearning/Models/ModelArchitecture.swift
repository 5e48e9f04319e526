/// A categorical input feature and how many distinct ids it has.
public struct CategoricalFeature: Codable, Sendable, Equatable {
    public var name: String
    public var cardinality: Int

    public init(name: String, cardinality: Int) {
        self.name = name
        self.cardinality = cardinality
    }
}

/// A text input: its words and word pairs hashed into `buckets` (ids 1 to
/// buckets; 0 marks an empty slot), at most `slots` of them per row, whose
/// embeddings the model averages (an embedding bag).
public struct TextFeature: Codable, Sendable, Equatable {
    public var name: String
    public var buckets: Int
    public var slots: Int

    public init(name: String, buckets: Int, slots: Int) {
        self.name = name
        self.buckets = buckets
        self.slots = slots
    }
}

/// The inputs a model reads: categorical ids (embedded), texts (hashed
/// tokens, embedded and averaged) and numeric values.
public struct FeatureSchema: Codable, Sendable, Equatable {
    public var numericNames: [String]
    public var categorical: [CategoricalFeature]
    public var text: [TextFeature]
    public var embeddingDimension: Int

    public init(numericNames: [String], categorical: [CategoricalFeature] = [], text: [TextFeature] = [], embeddingDimension: Int = 8) {
        self.numericNames = numericNames
        self.categorical = categorical
        self.text = text
        self.embeddingDimension = embeddingDimension
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        numericNames = try container.decode([String].self, forKey: .numericNames)
        categorical = try container.decode([CategoricalFeature].self, forKey: .categorical)
        // Models saved before text features had none.
        text = try container.decodeIfPresent([TextFeature].self, forKey: .text) ?? []
        embeddingDimension = try container.decode(Int.self, forKey: .embeddingDimension)
    }

    public var numericCount: Int { numericNames.count }
    /// Embedded fields: each categorical feature, then each text's bag.
    public var embeddedCount: Int { categorical.count + text.count }
    public var hasEmbeddings: Bool { embeddedCount > 0 }
    /// Token ids per row: every text's slots side by side.
    public var tokenWidth: Int { text.reduce(0) { $0 + $1.slots } }
    /// Width of the encoded input: every embedding, then the numeric values.
    public var inputWidth: Int { embeddedCount * embeddingDimension + numericCount }
}

/// What a task predicts.
public enum TaskType: String, Codable, Sendable {
    /// A probability (click, conversion); the network outputs a logit.
    case binary
    /// A value (rating, dwell time); the network outputs it directly.
    case regression
}

public struct TaskSpec: Codable, Sendable, Equatable {
    public var name: String
    public var type: TaskType

    public init(name: String, type: TaskType) {
        self.name = name
        self.type = type
    }
}

public enum ModelKind: String, Codable, Sendable, CaseIterable {
    case singleTask = "single_task"
    case sharedBottom = "shared_bottom"
    case mmoe
    case ple
    case esmm
}

/// Everything needed to rebuild a model; saved as JSON beside its weights.
public struct ModelArchitecture: Codable, Sendable, Equatable {
    public var kind: ModelKind
    public var features: FeatureSchema
    public var tasks: [TaskSpec]
    /// shared_bottom: the shared layers; single_task and esmm: each network's hidden layers.
    public var bottomUnits: [Int]
    /// Hidden layers of each task's tower, before its one-unit output.
    public var towerUnits: [Int]
    /// mmoe: experts; ple: shared experts per level.
    public var experts: Int
    /// ple: task-specific experts per task per level.
    public var taskExperts: Int
    /// Units of each expert's one hidden layer.
    public var expertUnits: Int
    /// ple: stacked extraction levels.
    public var levels: Int
    public var dropout: Float
    /// How hidden-layer weights start: glorot (Keras's default) or he.
    public var initialization: Dense.Initialization
    public var seed: UInt64
    /// shared_bottom, mmoe, ple: DCN-v2 cross layers ahead of the shared part
    /// (nil in models saved before crosses existed: none).
    public var crossLayerCount: Int?
    /// shared_bottom, mmoe, ple: the factorization machine's bi-interaction term
    /// beside the input of the shared part.
    public var factorizationMachine: Bool?

    public var crossLayers: Int { crossLayerCount ?? 0 }
    public var usesFactorizationMachine: Bool { factorizationMachine ?? false }
    public var hasFeatureCrossing: Bool { crossLayers > 0 || usesFactorizationMachine }
    /// The width the shared part reads: the encoded input, plus the FM term when present.
    public var sharedInputWidth: Int { features.inputWidth + (usesFactorizationMachine ? features.embeddingDimension : 0) }

    public init(kind: ModelKind, features: FeatureSchema, tasks: [TaskSpec], bottomUnits: [Int] = [128],
                towerUnits: [Int] = [64], experts: Int = 4, taskExperts: Int = 1, expertUnits: Int = 64,
                levels: Int = 1, dropout: Float = 0, initialization: Dense.Initialization = .xavier, seed: UInt64 = 1,
                crossLayers: Int = 0, factorizationMachine: Bool = false) {
        self.kind = kind
        self.features = features
        self.tasks = tasks
        self.bottomUnits = bottomUnits
        self.towerUnits = towerUnits
        self.experts = experts
        self.taskExperts = taskExperts
        self.expertUnits = expertUnits
        self.levels = levels
        self.dropout = dropout
        self.initialization = initialization
        self.seed = seed
        crossLayerCount = crossLayers
        self.factorizationMachine = factorizationMachine
    }
}
