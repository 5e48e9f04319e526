import Orchestrator

/// The plan as a table: what will run, what is cached, and why.
enum PlanPrinter {
    static func render(_ plan: RunPlan, pipeline: ResolvedPipeline) -> String {
        var rows = [["stage", "state", "key", "why"]]
        for stage in plan.stages {
            let state = switch stage.action {
            case .run: "will run"
            case .useCache: "cached"
            case .skip: "skipped"
            }
            rows.append([stage.name, state, stage.key.short, stage.reason.description])
        }
        let cached = plan.stages.count { if case .useCache = $0.action { true } else { false } }
        let skipped = plan.stages.count { if case .skip = $0.action { true } else { false } }
        return Console.table(rows) + "\n\n\(pipeline.name): \(plan.toRun.count) to run, \(cached) cached, \(skipped) skipped"
    }
}
