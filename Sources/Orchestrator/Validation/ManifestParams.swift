/// Checks a stage's `with` against its manifest's params: names, types,
/// ranges, enums, required params; fills in defaults.
struct ManifestParams {
    let manifest: StageManifest
    let stage: String

    func resolve(_ with: [ParamEntry], stageLocation: SourceLocation, diagnostics: inout DiagnosticBag) -> [(name: String, value: ParamValue)] {
        var values: [String: ParamValue] = [:]
        let valid = manifest.params.map(\.name)
        for entry in with {
            guard let declaration = manifest.param(entry.name) else {
                let list = valid.isEmpty ? "it takes no params" : "valid params: \(valid.joined(separator: ", "))"
                diagnostics.error("unknown param '\(entry.name)' for stage '\(manifest.name)'\(Suggestion.hint(for: entry.name, in: valid)); \(list)",
                                  at: entry.location)
                continue
            }
            if let problem = check(entry.value, against: declaration) {
                diagnostics.error("param '\(entry.name)' of stage '\(stage)' \(problem)", at: entry.valueLocation)
                continue
            }
            values[entry.name] = declaration.type.normalize(entry.value)
        }
        var resolved: [(name: String, value: ParamValue)] = []
        for declaration in manifest.params {
            if let value = values[declaration.name] ?? declaration.defaultValue {
                resolved.append((declaration.name, value))
            } else {
                let doc = declaration.doc.isEmpty ? "" : " (\(declaration.doc))"
                diagnostics.error("stage '\(stage)' is missing required param '\(declaration.name)' of type \(declaration.type.rawValue)\(doc); add it under 'with'",
                                  at: stageLocation)
            }
        }
        return resolved.sorted { $0.name < $1.name }
    }

    /// A description of what is wrong with `value`, or nil when it is valid.
    func check(_ value: ParamValue, against declaration: ParamDeclaration) -> String? {
        if case .null = value, case .null? = declaration.defaultValue { return nil }
        guard declaration.type.accepts(value) else {
            return "must be \(article(declaration.type.rawValue)) \(declaration.type.rawValue), got \(value.typeName) \(value.canonicalJSON)"
        }
        if let number = value.number {
            if let minimum = declaration.minimum, number < minimum {
                return "must be at least \(ParamValue.float(minimum).plainTextTrimmed), got \(value.canonicalJSON)"
            }
            if let maximum = declaration.maximum, number > maximum {
                return "must be at most \(ParamValue.float(maximum).plainTextTrimmed), got \(value.canonicalJSON)"
            }
        }
        let normalized = declaration.type.normalize(value)
        if let allowed = declaration.allowed, !allowed.contains(normalized) {
            let hint = value.stringValue.map { Suggestion.hint(for: $0, in: allowed.compactMap(\.stringValue)) } ?? ""
            return "must be one of \(allowed.map(\.description).joined(separator: ", ")), got \(value.description)\(hint)"
        }
        return nil
    }

    private func article(_ word: String) -> String {
        word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
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
