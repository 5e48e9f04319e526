import Orchestrator

/// The recommender flow's stages, compiled into mtrec.
public enum RecommenderStages {
    public static let all: [any BuiltinStage] = [
        CollectStage(), CleanStage(), JoinStage(), FeaturesStage(), BuildModelStage(), JointLossStage(),
        TrainStage(), RetrieveStage(), PredictStage(), RankStage(), ExplainStage(), EvaluateStage(),
    ]

    public static let registry = BuiltinRegistry(all)

    /// Lets `validate` check rank and derive expressions (docs/EXPRESSIONS.md).
    public static let expressions = ExpressionChecker { text, names in
        do {
            _ = try Formula.parse(text, names: names)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
