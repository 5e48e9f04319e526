/// The loss of one task.
public enum TaskLossKind: Codable, Sendable, Equatable {
    /// Binary cross-entropy on the logit (numerically stable form).
    case binaryCrossEntropy
    /// Mean of squared errors.
    case meanSquaredError
    /// Squared error within `delta`, linear beyond it.
    case huber(delta: Float)
}

public struct TaskLoss: Codable, Sendable, Equatable {
    public var task: String
    public var kind: TaskLossKind
    public var weight: Float

    public init(task: String, kind: TaskLossKind, weight: Float) {
        self.task = task
        self.kind = kind
        self.weight = weight
    }
}

/// How the task losses are combined.
public enum LossWeighting: String, Codable, Sendable {
    /// L = sum_i w_i * L_i + lambda * ||shared||^2
    case fixed
    /// Kendall et al. 2018: L = sum_i exp(-s_i) * L_i + s_i + lambda * ||shared||^2,
    /// with each s_i (a log variance) learned; the fixed weights are not used.
    case uncertainty
}

/// Everything the joint loss needs; a pipeline's joint_loss stage writes it.
public struct LossSpecification: Codable, Sendable, Equatable {
    public var tasks: [TaskLoss]
    public var weighting: LossWeighting
    /// The L2 coefficient on shared parameters.
    public var lambda: Float
    /// ESMM: the second task is trained as pCTCVR = pCTR * pCVR against its label.
    public var conversionThroughClick: Bool

    public init(tasks: [TaskLoss], weighting: LossWeighting = .fixed, lambda: Float = 0, conversionThroughClick: Bool = false) {
        self.tasks = tasks
        self.weighting = weighting
        self.lambda = lambda
        self.conversionThroughClick = conversionThroughClick
    }
}
