/// The help text `mtrec stages NAME` prints, generated from the manifest.
public enum ManifestHelp {
    public static func render(_ manifest: StageManifest) -> String {
        var lines = ["\(manifest.name) (version \(manifest.version), \(manifest.origin))"]
        if !manifest.description.isEmpty { lines += ["", manifest.description] }
        switch manifest.implementation {
        case .builtin(let name): lines += ["", "implementation: built-in '\(name)'"]
        case .command(let template): lines += ["", "command: \(template.display)"]
        }
        if !manifest.inputs.isEmpty {
            lines += ["", "inputs:"]
            lines += manifest.inputs.map { "  \($0.name) (\($0.type)\($0.optional ? ", optional" : ""))\($0.doc.isEmpty ? "" : ": \($0.doc)")" }
        }
        if !manifest.outputs.isEmpty {
            lines += ["", "outputs:"]
            lines += manifest.outputs.map { "  \($0.name) (\($0.type))\($0.doc.isEmpty ? "" : ": \($0.doc)")" }
        }
        if !manifest.params.isEmpty {
            lines += ["", "params:"]
            for param in manifest.params {
                var facts = [param.type.name]
                facts.append(param.defaultValue.map { "default \($0.canonicalJSON)" } ?? "required")
                if let minimum = param.minimum { facts.append("min \(ParamValue.float(minimum).plainTextTrimmed)") }
                if let maximum = param.maximum { facts.append("max \(ParamValue.float(maximum).plainTextTrimmed)") }
                if let allowed = param.allowed { facts.append("one of \(allowed.map(\.description).joined(separator: "|"))") }
                lines.append("  \(param.name) (\(facts.joined(separator: ", ")))\(param.doc.isEmpty ? "" : ": \(param.doc)")")
            }
        }
        return lines.joined(separator: "\n")
    }
}
