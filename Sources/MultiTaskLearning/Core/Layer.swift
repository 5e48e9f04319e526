/// A layer with its forward and backward pass side by side. `forward` keeps
/// what `backward` needs; `backward` adds parameter gradients and returns the
/// gradient with respect to the layer's input. Output buffers are owned by
/// the layer and reused from batch to batch.
public protocol Layer: AnyObject {
    var parameters: [Parameter] { get }
    func forward(_ input: Tensor, training: Bool) -> Tensor
    func backward(_ gradientOutput: Tensor) -> Tensor
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        layers.reduce(input) { $1.forward($0, training: training) }
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        layers.reversed().reduce(gradientOutput) { $1.backward($0) }
    }
}
