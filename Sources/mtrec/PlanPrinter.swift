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
        let toRun = plan.toRun.count
        return Console.table(rows) + "\n\n\(pipeline.name): \(toRun) to run, \(plan.stages.count - toRun) not running"
    }
}
