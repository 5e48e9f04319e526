/// Checks a stage's `with` against its manifest's params: names, types,
/// ranges, enums, required params; fills in defaults.
struct ManifestParams {
    let manifest: StageManifest
    let stage: String

    func resolve(_ with: [ParamEntry], stageLocation: SourceLocation, diagnostics: inout DiagnosticBag) -> [(name: String, value: ParamValue)] {
        var values: [String: ParamValue] = [:]
        var invalid: Set<String> = []
        let valid = manifest.params.map(\.name)
        for entry in with {
            guard let declaration = manifest.param(entry.name) else {
                let list = valid.isEmpty ? "it takes no params" : "valid params: \(valid.joined(separator: ", "))"
                diagnostics.error("unknown param '\(entry.name)' for stage '\(manifest.name)'\(Suggestion.hint(for: entry.name, in: valid)); \(list)",
                                  at: entry.location)
                continue
            }
            let problems = check(entry.value, against: declaration)
            for (path, problem) in problems {
                diagnostics.error("param '\(entry.name)\(path)' of stage '\(stage)' \(problem)", at: entry.location(of: path))
            }
            if !problems.isEmpty {
                invalid.insert(entry.name)
                continue
            }
            values[entry.name] = declaration.type.normalize(entry.value)
        }
        var resolved: [(name: String, value: ParamValue)] = []
        for declaration in manifest.params {
            if let value = values[declaration.name] ?? declaration.defaultValue {
                resolved.append((declaration.name, value))
            } else if !invalid.contains(declaration.name) {
                let doc = declaration.doc.isEmpty ? "" : " (\(declaration.doc))"
                diagnostics.error("stage '\(stage)' is missing required param '\(declaration.name)' of type \(declaration.type.name)\(doc); add it under 'with'",
                                  at: stageLocation)
            }
        }
        return resolved.sorted { $0.name < $1.name }
    }

    /// What is wrong with `value` and where inside it (`""` for the value
    /// itself, `[2]` or `.key` for an element); empty when it is valid.
    func check(_ value: ParamValue, against declaration: ParamDeclaration) -> [(path: String, problem: String)] {
        if case .null = value, case .null? = declaration.defaultValue { return [] }
        let mismatches = declaration.type.mismatches(in: value)
        guard mismatches.isEmpty else { return mismatches }
        let normalized = declaration.type.normalize(value)
        return Self.scalars(in: normalized, type: declaration.type).compactMap { path, scalar in
            checkScalar(scalar, against: declaration).map { (path, $0) }
        }
    }

    /// Range and enum of one scalar (the value, or an element of a list or map).
    private func checkScalar(_ value: ParamValue, against declaration: ParamDeclaration) -> String? {
        if let number = value.number {
            if let minimum = declaration.minimum, number < minimum {
                return "must be at least \(ParamValue.float(minimum).plainTextTrimmed), got \(value.canonicalJSON)"
            }
            if let maximum = declaration.maximum, number > maximum {
                return "must be at most \(ParamValue.float(maximum).plainTextTrimmed), got \(value.canonicalJSON)"
            }
        }
        if let allowed = declaration.allowed, !allowed.contains(value) {
            let hint = value.stringValue.map { Suggestion.hint(for: $0, in: allowed.compactMap(\.stringValue)) } ?? ""
            return "must be one of \(allowed.map(\.description).joined(separator: ", ")), got \(value.description)\(hint)"
        }
        return nil
    }

    /// The scalars a declared type describes, with their paths: the value
    /// itself, or each element of a typed list or map.
    static func scalars(in value: ParamValue, type: ParamType, path: String = "") -> [(String, ParamValue)] {
        switch (type, value) {
        case (.list(let element?), .list(let items)):
            items.enumerated().flatMap { scalars(in: $1, type: element, path: path + "[\($0)]") }
        case (.map(let element?), .map(let pairs)):
            pairs.flatMap { scalars(in: $0.value, type: element, path: path + "." + $0.key) }
        case (.list, _), (.map, _):
            []
        default:
            [(path, value)]
        }
    }
}

extension ParamValue {
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// `3` rather than `3.0` for whole numbers, for messages.
    var plainTextTrimmed: String {
        if case .float(let value) = self, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return plainText
    }
}
