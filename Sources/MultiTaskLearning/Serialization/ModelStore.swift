import Foundation

/// A saved model is a folder: architecture.json (how to rebuild it) and
/// weights.safetensors (every parameter by name).
public enum ModelStore {
    public static let architectureFile = "architecture.json"
    public static let weightsFile = "weights.safetensors"

    public enum LoadError: Error, CustomStringConvertible {
        case missingTensor(String, file: String)

        public var description: String {
            switch self {
            case .missingTensor(let name, let file): "\(file) has no tensor '\(name)' that the architecture needs"
            }
        }
    }

    public static func save(_ model: any MultiTaskModel, extra: [Parameter] = [], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(model.architecture).write(to: folder.appendingPathComponent(architectureFile), options: .atomic)
        let tensors = (model.parameters + extra).map { ($0.name, $0.value) }
        try SafeTensors.write(tensors, metadata: ["format": "mtrec", "kind": model.architecture.kind.rawValue],
                              to: folder.appendingPathComponent(weightsFile))
    }

    /// Rebuilds the model from its architecture, then loads every weight.
    public static func load(from folder: URL, extra: [Parameter] = []) throws -> any MultiTaskModel {
        let architecture = try JSONDecoder().decode(ModelArchitecture.self,
                                                    from: Data(contentsOf: folder.appendingPathComponent(architectureFile)))
        let model = ModelFactory.make(architecture)
        try loadWeights(into: model.parameters + extra, from: folder.appendingPathComponent(weightsFile))
        return model
    }

    public static func loadWeights(into parameters: [Parameter], from url: URL) throws {
        let data = try Data(contentsOf: url, options: .mappedIfSafe)
        let (entries, _, dataStart) = try SafeTensors.readHeader(data)
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        for parameter in parameters {
            guard let entry = byName[parameter.name] else { throw LoadError.missingTensor(parameter.name, file: url.lastPathComponent) }
            try SafeTensors.load(entry, from: data, dataStart: dataStart, into: parameter.value)
        }
    }
}
