import Orchestrator

/// The recommender flow's stages, compiled into mtrec.
public enum RecommenderStages {
    public static let all: [any BuiltinStage] = [
        CollectStage(), CleanStage(), JoinStage(), FeaturesStage(), BuildModelStage(), JointLossStage(),
        TrainStage(), RetrieveStage(), PredictStage(), RankStage(), EvaluateStage(),
    ]

    public static let registry = BuiltinRegistry(all)
}
