import Foundation

/// A pipeline as an Argo Workflow (or, with a schedule, a CronWorkflow):
/// one DAG task per stage, each running `mtrec run FILE --only STAGE` in the
/// mtrec image against a ReadWriteMany volume that holds the state folder,
/// then one `finish` task that runs the whole pipeline (every stage cached)
/// to check the gates, publish and write the run report. Argo schedules the
/// tasks across the cluster; mtrec's per-key locks and atomic commits on the
/// shared volume do the rest, as on one machine.
public struct ArgoExport: Sendable {
    public var image: String
    /// A cron expression ("0 3 * * *"): a CronWorkflow instead of a Workflow.
    public var schedule: String?
    public var volumeClaim: String
    /// The pipeline file as the container sees it, relative to `workingDirectory`.
    public var pipelinePath: String
    /// Where the image holds the project (pipeline files, stages/, data).
    public var workingDirectory: String
    /// `--set STAGE.KEY=VALUE` of the export, given to every task so that all compute the same keys.
    public var stageOverrides: [String] = []
    /// Flags every task's `mtrec run` gets too (`--publish-outside`).
    public var flags: [String] = []
    public static let statePath = "/state"

    public init(image: String = "mtrec:latest", schedule: String? = nil, volumeClaim: String = "mtrec-state",
                pipelinePath: String, workingDirectory: String = "/project") {
        (self.image, self.schedule, self.volumeClaim) = (image, schedule, volumeClaim)
        (self.pipelinePath, self.workingDirectory) = (pipelinePath, workingDirectory)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The workflow as JSON (which Argo reads like YAML), keys sorted.
    public func json(for pipeline: ResolvedPipeline) throws -> Data {
        let encoder = JSONEncoder.mtrec
        let spec = try workflowSpec(pipeline)
        let name = Self.kubernetesName(pipeline.name)
        if let schedule {
            guard schedule.split(separator: " ").count == 5 else {
                throw Failure(description: "--schedule '\(schedule)' is not a cron expression of five fields (minute hour day month weekday), such as \"0 3 * * *\"")
            }
            return try encoder.encode(Document(kind: "CronWorkflow", metadata: .init(name: name),
                                               cronSpec: CronSpec(schedules: [schedule], workflowSpec: spec), spec: nil))
        }
        return try encoder.encode(Document(kind: "Workflow", metadata: .init(generateName: name + "-"), cronSpec: nil, spec: spec))
    }

    /// Argo names tasks and templates like Kubernetes objects: lower case, digits and '-'.
    static func kubernetesName(_ name: String) -> String {
        let dashed = name.lowercased().replacingOccurrences(of: "_", with: "-")
        // Kubernetes names start and end with a letter or digit.
        let trimmed = dashed.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "stage" : trimmed
    }

    func workflowSpec(_ pipeline: ResolvedPipeline) throws -> WorkflowSpec {
        var taskNames: [String: String] = [:]
        for stage in pipeline.stages {
            let name = Self.kubernetesName(stage.name)
            if name == "finish" || name == "pipeline" {
                throw Failure(description: "stage '\(stage.name)' would be Argo task '\(name)', a name the export uses itself; rename the stage")
            }
            if let other = taskNames.first(where: { $0.value == name }) {
                throw Failure(description: "stages '\(other.key)' and '\(stage.name)' would both be Argo task '\(name)' (names are lower-cased and '_' becomes '-'); rename one")
            }
            taskNames[stage.name] = name
        }
        let sets = pipeline.params.flatMap { ["--set", "params.\($0.name)={{workflow.parameters.\($0.name)}}"] }
            + stageOverrides.flatMap { ["--set", $0] }
        var parameters: [Parameter] = []
        for (name, value) in pipeline.params {
            // Workflow parameters are text; each must read back through --set as the same value.
            guard let text = value.setText else {
                throw Failure(description: "param '\(name)' is a \(value.typeName), and Argo's workflow parameters are text; give it a single value, or move the list into the stage that reads it")
            }
            parameters.append(Parameter(name: name, value: text))
        }
        func container(_ extra: [String], resources: StageResources?) -> Container {
            Container(image: image, command: ["mtrec"], args: ["run", pipelinePath] + extra + ["--state-dir", Self.statePath, "--ci"] + flags + sets,
                      workingDir: workingDirectory, volumeMounts: [.init(name: "state", mountPath: Self.statePath)],
                      resources: resources.flatMap(ContainerResources.init))
        }
        var templates = pipeline.stages.map { stage in
            Template(name: "stage-" + taskNames[stage.name]!, container: container(["--only", stage.name, "--as-job"], resources: stage.resources),
                     activeDeadlineSeconds: stage.resources?.seconds)
        }
        templates.append(Template(name: "finish", container: container(["--report", Self.statePath + "/reports/{{workflow.name}}.json"], resources: nil)))
        var tasks = pipeline.stages.map { stage in
            DagTask(name: taskNames[stage.name]!, template: "stage-" + taskNames[stage.name]!,
                    dependencies: stage.dependencies.map { taskNames[$0]! })
        }
        tasks.append(DagTask(name: "finish", template: "finish", dependencies: pipeline.stages.map { taskNames[$0.name]! }))
        templates.insert(Template(name: "pipeline", dag: Dag(tasks: tasks)), at: 0)
        return WorkflowSpec(entrypoint: "pipeline",
                            arguments: Arguments(parameters: parameters),
                            volumes: [Volume(name: "state", persistentVolumeClaim: .init(claimName: volumeClaim))],
                            templates: templates)
    }

    // MARK: - The documents, as Argo's schema names their fields

    struct Document: Encodable {
        var apiVersion = "argoproj.io/v1alpha1"
        var kind: String
        var metadata: Metadata
        var cronSpec: CronSpec?
        var spec: WorkflowSpec?

        enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(apiVersion, forKey: .apiVersion)
            try container.encode(kind, forKey: .kind)
            try container.encode(metadata, forKey: .metadata)
            if let cronSpec { try container.encode(cronSpec, forKey: .spec) } else { try container.encode(spec, forKey: .spec) }
        }
    }

    struct Metadata: Encodable {
        var name: String?
        var generateName: String?
    }

    struct CronSpec: Encodable {
        /// Argo 3.6 and later take a list of schedules (the schema requires it).
        var schedules: [String]
        /// A retraining still running when the next is due is not doubled.
        var concurrencyPolicy = "Forbid"
        var workflowSpec: WorkflowSpec
    }

    struct WorkflowSpec: Encodable {
        var entrypoint: String
        var arguments: Arguments
        var volumes: [Volume]
        var templates: [Template]
    }

    struct Arguments: Encodable {
        var parameters: [Parameter]
    }

    struct Parameter: Encodable {
        var name: String
        var value: String
    }

    struct Volume: Encodable {
        struct Claim: Encodable { var claimName: String }
        var name: String
        var persistentVolumeClaim: Claim
    }

    struct Template: Encodable {
        var name: String
        var dag: Dag?
        var container: Container?
        /// Argo's schema types it as an int-or-string; written as text.
        var activeDeadlineSeconds: String?

        init(name: String, dag: Dag) {
            self.name = name
            self.dag = dag
        }

        init(name: String, container: Container, activeDeadlineSeconds: Int? = nil) {
            self.name = name
            self.container = container
            self.activeDeadlineSeconds = activeDeadlineSeconds.map(String.init)
        }
    }

    struct Dag: Encodable {
        var tasks: [DagTask]
    }

    struct DagTask: Encodable {
        var name: String
        var template: String
        var dependencies: [String]
    }

    struct Container: Encodable {
        struct Mount: Encodable {
            var name: String
            var mountPath: String
        }
        var image: String
        var command: [String]
        var args: [String]
        var workingDir: String
        var volumeMounts: [Mount]
        var resources: ContainerResources?
    }

    /// Requests and limits alike: the scheduler places the task where it fits,
    /// and the task gets no more than it asked for.
    struct ContainerResources: Encodable {
        var requests: [String: String]
        var limits: [String: String]

        init?(_ resources: StageResources) {
            var amounts: [String: String] = [:]
            if let cpus = resources.cpus { amounts["cpu"] = String(cpus) }
            if let mebibytes = resources.memoryMebibytes { amounts["memory"] = "\(mebibytes)Mi" }
            guard !amounts.isEmpty else { return nil }
            requests = amounts
            limits = amounts
        }
    }
}
