import Foundation

/// Checks a parsed pipeline against the catalog and turns it into a
/// `ResolvedPipeline`. Every problem in the file is reported, not just the first.
public struct PipelineValidator {
    public let catalog: StageCatalog
    /// The user's explicit opt-in (`--publish-outside`) to publish destinations
    /// outside the working folder.
    public let allowsPublishOutside: Bool
    /// Checks expressions (rank, derive) against the names they may use; nil skips them.
    public let expressions: ExpressionChecker?

    public init(catalog: StageCatalog, allowsPublishOutside: Bool = false, expressions: ExpressionChecker? = nil) {
        self.catalog = catalog
        self.allowsPublishOutside = allowsPublishOutside
        self.expressions = expressions
    }

    public func resolve(_ spec: PipelineSpec, overrides: [Override] = [], diagnostics: inout DiagnosticBag) -> ResolvedPipeline? {
        var spec = spec
        spec.apply(overrides, diagnostics: &diagnostics)
        if spec.name.value.isEmpty, spec.name.location != spec.start {
            diagnostics.error("'name' must not be empty", at: spec.name.location)
        } else if !spec.name.value.isEmpty, !PipelineParser.isValidName(spec.name.value) {
            // The name becomes a file name in the state folder (records/NAME.json).
            diagnostics.error("invalid pipeline name '\(spec.name.value)': \(PipelineParser.nameRule)",
                              at: spec.name.location)
        }

        let pipelineParams = spec.params.map { ($0.name, $0.value) }
        let interpolation = Interpolation(params: Dictionary(pipelineParams, uniquingKeysWith: { _, last in last }))
        let specsByName = Dictionary(spec.stages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        var stages: [ResolvedStage] = []
        for stageSpec in spec.stages {
            stages.append(resolve(stageSpec, in: spec, stagesByName: specsByName, interpolation: interpolation, diagnostics: &diagnostics))
        }

        let references = ReferenceChecker(catalog: catalog, stages: Dictionary(stages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
                                          specs: specsByName, expressions: expressions)
        for stage in stages { references.check(stage, diagnostics: &diagnostics) }

        let graph = StageGraph(names: stages.map(\.name),
                               dependencies: Dictionary(stages.map { ($0.name, $0.dependencies) }, uniquingKeysWith: { first, _ in first }))
        for cycle in graph.cycles() {
            let location = specsByName[cycle[0]]?.location ?? spec.start
            diagnostics.error("cycle in the pipeline: \(cycle.joined(separator: " -> "))", at: location)
        }

        let publish = spec.publish.compactMap { entry -> ResolvedPublish? in
            if !allowsPublishOutside, let escape = ConfinedPath.escape(entry.destination) {
                diagnostics.error("publish destination '\(entry.destination)' is refused: \(escape); name a path inside the folder mtrec runs in, such as out/\(URL(fileURLWithPath: entry.destination).lastPathComponent), or run with --publish-outside",
                                  at: entry.location)
                return nil
            }
            guard let (stage, output) = checkReference(entry.reference, at: entry.valueLocation, what: "publish source '\(entry.reference)'",
                                                        stagesByName: specsByName, diagnostics: &diagnostics) else {
                if !Self.looksLikeReference(entry.reference) {
                    diagnostics.error("publish source '\(entry.reference)' must be STAGE.OUTPUT", at: entry.valueLocation)
                }
                return nil
            }
            return ResolvedPublish(destination: entry.destination, stage: stage, output: output)
        }

        let gates = resolveGates(spec.gates, stages: stages, diagnostics: &diagnostics)

        guard !diagnostics.hasErrors else { return nil }
        let file = URL(fileURLWithPath: spec.file, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        var pipeline = ResolvedPipeline(name: spec.name.value, file: file, fileDisplay: spec.file, directory: spec.directory,
                                        params: pipelineParams, stages: stages, publish: publish)
        pipeline.gates = gates
        return pipeline
    }

    private func resolveGates(_ entries: [GateEntry], stages: [ResolvedStage], diagnostics: inout DiagnosticBag) -> [Gate] {
        entries.compactMap { entry in
            switch Gate.parse(name: entry.name, condition: entry.condition) {
            case .failure(let error):
                diagnostics.error(error.message, at: entry.valueLocation)
                return nil
            case .success(let gate):
                guard let stage = stages.first(where: { $0.name == gate.stage }) else {
                    diagnostics.error("gate '\(entry.name)' names unknown stage '\(gate.stage)'\(Suggestion.hint(for: gate.stage, in: stages.map(\.name)))",
                                      at: entry.location)
                    return nil
                }
                guard !stage.metricsOutputs.isEmpty else {
                    diagnostics.error("gate '\(entry.name)': stage '\(gate.stage)' has no metrics output (a manifest output of type metrics, or a command output named metrics)",
                                      at: entry.location)
                    return nil
                }
                return gate
            }
        }
    }

    // MARK: - One stage

    private func resolve(_ stage: StageSpec, in spec: PipelineSpec, stagesByName: [String: StageSpec],
                         interpolation: Interpolation, diagnostics: inout DiagnosticBag) -> ResolvedStage {
        var with = stage.with
        for index in with.indices {
            with[index].value = interpolation.apply(with[index].value, at: with[index].valueLocation, diagnostics: &diagnostics)
        }

        var resolved = ResolvedStage(name: stage.name, description: stage.description, definition: .inlineCommand(CommandTemplate("")),
                                     params: [], inputs: [], outputs: [], after: stage.after.map(\.value), location: stage.location,
                                     resources: stage.resources)
        var manifest: StageManifest?
        switch (stage.uses, stage.command) {
        case (let uses?, nil):
            if let found = catalog[uses.value] {
                manifest = found
                resolved.definition = .manifest(name: found.name, version: found.version, implementation: found.implementation)
                resolved.outputs = found.outputs.map(\.name)
                resolved.metricsOutputs = found.outputs.filter { $0.type == "metrics" }.map(\.name)
                resolved.params = ManifestParams(manifest: found, stage: stage.name)
                    .resolve(with, stageLocation: stage.location, diagnostics: &diagnostics)
            } else {
                let known = catalog.names.isEmpty ? "the catalog is empty" : "known stages: \(catalog.names.joined(separator: ", "))"
                diagnostics.error("unknown stage manifest '\(uses.value)'\(Suggestion.hint(for: uses.value, in: catalog.names)); \(known)", at: uses.location)
            }
            for output in stage.outputs {
                diagnostics.error("stage '\(stage.name)' uses '\(uses.value)', whose outputs come from its manifest; remove 'outputs'", at: output.location)
            }
        case (nil, let command?):
            resolved.definition = .inlineCommand(command.value)
            resolved.outputs = stage.outputs.map(\.value)
            resolved.metricsOutputs = resolved.outputs.filter { $0 == "metrics" }
            resolved.params = with.map { ($0.name, $0.value) }.sorted { $0.0 < $1.0 }
        case (let uses?, _?):
            diagnostics.error("stage '\(stage.name)' has both 'uses' and 'command'; keep one", at: uses.location)
        case (nil, nil) where !stage.hasUnreadableCommand:
            diagnostics.error("stage '\(stage.name)' needs 'uses: <manifest>' or 'command: <text>'", at: stage.location)
        case (nil, nil):
            break  // its unreadable command was reported where it stands
        }

        resolved.inputs = resolveInputs(stage, manifest: manifest, in: spec, stagesByName: stagesByName, diagnostics: &diagnostics)
        for after in stage.after where stagesByName[after.value] == nil {
            diagnostics.error("'after' names unknown stage '\(after.value)'\(Suggestion.hint(for: after.value, in: stagesByName.keys))", at: after.location)
        }
        if let template = resolved.definition.commandTemplate {
            checkPlaceholders(template, of: resolved, inputNames: manifest?.inputs.map(\.name) ?? stage.inputs.map(\.name),
                              manifest: manifest,
                              at: stage.command?.location ?? stage.uses?.location ?? stage.location, diagnostics: &diagnostics)
        }
        return resolved
    }

    private func resolveInputs(_ stage: StageSpec, manifest: StageManifest?, in spec: PipelineSpec,
                               stagesByName: [String: StageSpec], diagnostics: inout DiagnosticBag) -> [ResolvedInput] {
        var inputs: [ResolvedInput] = []
        for entry in stage.inputs {
            if let manifest, manifest.input(entry.name) == nil {
                let valid = manifest.inputs.map(\.name)
                diagnostics.error("stage '\(manifest.name)' has no input '\(entry.name)'\(Suggestion.hint(for: entry.name, in: valid)); its inputs are: \(valid.isEmpty ? "(none)" : valid.joined(separator: ", "))",
                                  at: entry.location)
            }
            let what = "input '\(entry.name)'"
            if let first = Self.referencedStage(entry.text), stagesByName[first] != nil {
                if let (stageName, output) = checkReference(entry.text, at: entry.valueLocation, what: what, stagesByName: stagesByName, diagnostics: &diagnostics) {
                    inputs.append(ResolvedInput(name: entry.name, source: .upstream(stage: stageName, output: output)))
                    checkPortType(entry, of: manifest, stage: stageName, output: output, stagesByName: stagesByName, diagnostics: &diagnostics)
                }
                continue
            }
            let url = URL(fileURLWithPath: entry.text, relativeTo: spec.directory).standardizedFileURL
            if FileManager.default.fileExists(atPath: url.path) {
                inputs.append(ResolvedInput(name: entry.name, source: .external(url)))
            } else if Self.looksLikeReference(entry.text), let first = Self.referencedStage(entry.text) {
                diagnostics.error("\(what) refers to unknown stage '\(first)'\(Suggestion.hint(for: first, in: stagesByName.keys)); no file '\(entry.text)' exists either",
                                  at: entry.valueLocation)
            } else {
                diagnostics.error("\(what): file not found: '\(entry.text)' (looked for \(url.path))", at: entry.valueLocation)
            }
        }
        if let manifest {
            let bound = Set(stage.inputs.map(\.name))
            for port in manifest.inputs where !port.optional && !bound.contains(port.name) {
                diagnostics.error("stage '\(stage.name)' is missing required input '\(port.name)' (\(port.type)) of '\(manifest.name)'", at: stage.location)
            }
        }
        return inputs.sorted { $0.name < $1.name }
    }

    /// An upstream output must be of the type the input declares: a raw
    /// events table is not an encoded one, a scores table not candidates. An
    /// input of type `file` takes anything; command stages' outputs are untyped.
    private func checkPortType(_ entry: InputEntry, of manifest: StageManifest?, stage: String, output: String,
                               stagesByName: [String: StageSpec], diagnostics: inout DiagnosticBag) {
        guard let port = manifest?.input(entry.name), port.type != "file",
              let uses = stagesByName[stage]?.uses?.value, let upstream = catalog[uses]?.outputs.first(where: { $0.name == output }),
              upstream.type != port.type else { return }
        let fitting = catalog[uses]?.outputs.filter { $0.type == port.type }.map { "\(stage).\($0.name)" } ?? []
        let hint = fitting.isEmpty ? "" : " (\(stage)'s \(port.type): \(fitting.joined(separator: ", ")))"
        diagnostics.error("input '\(entry.name)' of '\(manifest!.name)' needs type \(port.type), but '\(stage).\(output)' has type \(upstream.type)\(hint)",
                          at: entry.valueLocation)
    }

    /// Checks `stage.output` names an existing stage and one of its outputs.
    private func checkReference(_ text: String, at location: SourceLocation, what: String,
                                stagesByName: [String: StageSpec], diagnostics: inout DiagnosticBag) -> (String, String)? {
        guard Self.looksLikeReference(text), let dot = text.firstIndex(of: ".") else { return nil }
        let stageName = String(text[..<dot]), output = String(text[text.index(after: dot)...])
        guard let target = stagesByName[stageName] else {
            diagnostics.error("\(what) refers to unknown stage '\(stageName)'\(Suggestion.hint(for: stageName, in: stagesByName.keys))", at: location)
            return nil
        }
        let outputs = outputNames(of: target)
        guard outputs.contains(output) else {
            let list = outputs.isEmpty ? "it declares no outputs" : "its outputs are: \(outputs.joined(separator: ", "))"
            diagnostics.error("\(what): stage '\(stageName)' has no output '\(output)'\(Suggestion.hint(for: output, in: outputs)); \(list)", at: location)
            return nil
        }
        return (stageName, output)
    }

    private func outputNames(of stage: StageSpec) -> [String] {
        if let uses = stage.uses?.value { return catalog[uses]?.outputs.map(\.name) ?? [] }
        return stage.outputs.map(\.value)
    }

    private func checkPlaceholders(_ template: CommandTemplate, of stage: ResolvedStage, inputNames: [String], manifest: StageManifest?,
                                   at location: SourceLocation, diagnostics: inout DiagnosticBag) {
        let declared: [CommandTemplate.Section: [String]] = [
            .inputs: inputNames,
            .outputs: stage.outputs,
            .params: stage.params.map(\.name),
        ]
        let origin = manifest.map { " (in the command of manifest '\($0.name)')" } ?? ""
        for placeholder in template.placeholders {
            if placeholder.isQuoted {
                let variable = "$" + ProcessExecutor.variable(placeholder.section, placeholder.name)
                diagnostics.error("placeholder '\(placeholder.text)' stands inside quotes\(origin): mtrec passes each value as one quoted shell word, and a quoted placeholder would be read again as code by a nested shell; write it outside quotes, read \"\(variable)\" in a nested 'sh -c' script, or use the list form command: [program, \"\(placeholder.text)\"]",
                                  at: location)
            }
            let names = declared[placeholder.section] ?? []
            guard !names.contains(placeholder.name) else { continue }
            let list = names.isEmpty ? "none are declared" : "declared: \(names.joined(separator: ", "))"
            diagnostics.error("placeholder '{\(placeholder.section.rawValue).\(placeholder.name)}' names no declared \(placeholder.section.rawValue.dropLast())\(origin)\(Suggestion.hint(for: placeholder.name, in: names)); \(list)",
                              at: location)
        }
    }

    static func looksLikeReference(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { PipelineParser.isValidName(String($0)) }
    }

    static func referencedStage(_ text: String) -> String? {
        looksLikeReference(text) ? String(text.split(separator: ".")[0]) : nil
    }
}
