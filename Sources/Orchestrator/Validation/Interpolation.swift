/// `${params.KEY}` in a stage's `with` values, taken from the pipeline's params.
struct Interpolation {
    let params: [String: ParamValue]

    /// Substitutes references in `value`. A string that is exactly one
    /// reference takes the param's typed value (so `n: ${params.n}` stays an int).
    func apply(_ value: ParamValue, at location: SourceLocation, diagnostics: inout DiagnosticBag) -> ParamValue {
        switch value {
        case .string(let text):
            return substitute(text, at: location, diagnostics: &diagnostics)
        case .list(let items):
            return .list(items.map { apply($0, at: location, diagnostics: &diagnostics) })
        case .map(let pairs):
            return .map(pairs.map { ($0.key, apply($0.value, at: location, diagnostics: &diagnostics)) })
        default:
            return value
        }
    }

    private func substitute(_ text: String, at location: SourceLocation, diagnostics: inout DiagnosticBag) -> ParamValue {
        guard text.contains("${") else { return .string(text) }
        var result = ""
        var rest = Substring(text)
        var pieces = 0
        var whole: ParamValue?
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                diagnostics.error("unclosed '${' in '\(text)'; write ${params.KEY}", at: location)
                return .string(text)
            }
            let reference = String(rest[open.upperBound..<close])
            pieces += 1
            if reference.hasPrefix("params."), let value = params[String(reference.dropFirst(7))] {
                result += value.plainText
                whole = value
            } else {
                let key = reference.hasPrefix("params.") ? String(reference.dropFirst(7)) : reference
                let hint = Suggestion.hint(for: key, in: params.keys)
                let valid = params.keys.sorted().map { "${params.\($0)}" }.joined(separator: ", ")
                diagnostics.error("unknown reference '${\(reference)}'\(hint); pipeline params are: \(valid.isEmpty ? "(none)" : valid)", at: location)
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        if pieces == 1, let whole, text.hasPrefix("${"), text.hasSuffix("}") { return whole }
        return .string(result)
    }
}
