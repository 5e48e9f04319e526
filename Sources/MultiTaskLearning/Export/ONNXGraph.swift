/// An ONNX graph being built (opset 13, IR version 7): weights as float32
/// initializers, nodes in the order they run, then written as a ModelProto.
/// Field numbers are those of onnx.proto.
final class ONNXGraph {
    enum Attribute {
        case int(String, Int64)
        case ints(String, [Int64])
    }

    /// A graph input or output: float32 or int64, with a batch dimension of any size first.
    struct Port {
        var name: String
        var isInteger: Bool
        var width: Int
    }

    private struct Node {
        var op: String
        var inputs: [String]
        var output: String
        var attributes: [Attribute]
    }

    private struct Initializer {
        var name: String
        var dims: [Int64]
        var isInteger: Bool
        var raw: [UInt8]
    }

    private var nodes: [Node] = []
    private var initializers: [Initializer] = []
    private var names: Set<String> = []

    private func unique(_ hint: String) -> String {
        var name = hint, suffix = 1
        while names.contains(name) {
            suffix += 1
            name = "\(hint)_\(suffix)"
        }
        names.insert(name)
        return name
    }

    /// A weight matrix or bias, under the parameter's own name.
    func parameter(_ parameter: Parameter) -> String {
        let tensor = parameter.value
        let values = Array(UnsafeBufferPointer(start: tensor.data, count: tensor.count))
        return floats(values, dims: [tensor.rows, tensor.cols], name: parameter.name)
    }

    func floats(_ values: [Float], dims: [Int], name: String) -> String {
        let unique = unique(name)
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        initializers.append(Initializer(name: unique, dims: dims.map(Int64.init), isInteger: false, raw: raw))
        return unique
    }

    /// An int64 constant (indices, shapes, axes); `dims` empty for a scalar.
    func integers(_ values: [Int64], dims: [Int], name: String) -> String {
        let unique = unique(name)
        var raw: [UInt8] = []
        for value in values { withUnsafeBytes(of: value.littleEndian) { raw.append(contentsOf: $0) } }
        initializers.append(Initializer(name: unique, dims: dims.map(Int64.init), isInteger: true, raw: raw))
        return unique
    }

    /// Adds a node; returns the name of its one output.
    @discardableResult
    func node(_ op: String, _ inputs: [String], _ attributes: [Attribute] = [], name: String? = nil) -> String {
        let output = unique(name ?? op.lowercased())
        nodes.append(Node(op: op, inputs: inputs, output: output, attributes: attributes))
        return output
    }

    /// The ModelProto's bytes.
    func serialized(inputs: [Port], outputs: [Port], producerVersion: String) -> [UInt8] {
        var model = ProtobufWriter()
        model.integer(1, 7)                                      // ir_version
        model.string(2, "mtrec")                                 // producer_name
        model.string(3, producerVersion)                         // producer_version
        model.message(7) { graph in                              // graph
            for node in nodes {
                graph.message(1) { proto in                      // node
                    for input in node.inputs { proto.string(1, input) }
                    proto.string(2, node.output)
                    proto.string(3, node.output)                 // name
                    proto.string(4, node.op)                     // op_type
                    for attribute in node.attributes {
                        proto.message(5) { field in
                            switch attribute {
                            case .int(let name, let value):
                                field.string(1, name)
                                field.integer(3, value)          // i
                                field.integer(20, 2)             // type INT
                            case .ints(let name, let values):
                                field.string(1, name)
                                field.packedIntegers(8, values)  // ints
                                field.integer(20, 7)             // type INTS
                            }
                        }
                    }
                }
            }
            graph.string(2, "mtrec")                             // name
            for initializer in initializers {
                graph.message(5) { tensor in                     // initializer
                    tensor.packedIntegers(1, initializer.dims)   // dims
                    tensor.integer(2, initializer.isInteger ? 7 : 1)  // data_type INT64 or FLOAT
                    tensor.string(8, initializer.name)
                    tensor.data(9, initializer.raw)              // raw_data, little-endian
                }
            }
            for (field, ports) in [(11, inputs), (12, outputs)] {
                for port in ports {
                    graph.message(field) { value in              // ValueInfoProto
                        value.string(1, port.name)
                        value.message(2) { type in               // TypeProto
                            type.message(1) { tensor in          // tensor_type
                                tensor.integer(1, port.isInteger ? 7 : 1)  // elem_type
                                tensor.message(2) { shape in
                                    shape.message(1) { $0.string(2, "batch") }           // dim_param
                                    shape.message(1) { $0.integer(1, Int64(port.width)) } // dim_value
                                }
                            }
                        }
                    }
                }
            }
        }
        model.message(8) { opset in                              // opset_import
            opset.string(1, "")
            opset.integer(2, 13)
        }
        return model.bytes
    }
}
