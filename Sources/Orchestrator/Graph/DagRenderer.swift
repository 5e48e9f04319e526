/// Draws a pipeline's DAG as text, Mermaid (renders on GitHub) or Graphviz dot.
public enum DagFormat: String, CaseIterable, Sendable {
    case text, mermaid, dot
}

public enum DagRenderer {
    public static func render(_ pipeline: ResolvedPipeline, as format: DagFormat) -> String {
        let graph = StageGraph(pipeline)
        let order = graph.topologicalOrder()
        let edges = order.flatMap { name in (graph.upstream[name] ?? []).map { ($0, name) } }
        switch format {
        case .text:
            return order.map { name in
                let stage = pipeline.stage(name)!
                let reads = stage.inputs.map { input -> String in
                    switch input.source {
                    case .upstream(let upstream, let output): "\(input.name) <- \(upstream).\(output)"
                    case .external(let url): "\(input.name) <- \(url.lastPathComponent)"
                    }
                }
                let after = stage.after.isEmpty ? "" : "  (after \(stage.after.joined(separator: ", ")))"
                let downstream = graph.downstream[name] ?? []
                let feeds = downstream.isEmpty ? "" : "  -> \(downstream.joined(separator: ", "))"
                return "\(name)\(feeds)\(after)" + reads.map { "\n    \($0)" }.joined()
            }.joined(separator: "\n")
        case .mermaid:
            var lines = ["flowchart TD"]
            lines += order.map { "    \(mermaidID($0))[\"\($0)\"]" }
            lines += edges.map { "    \(mermaidID($0.0)) --> \(mermaidID($0.1))" }
            return lines.joined(separator: "\n")
        case .dot:
            var lines = ["digraph \"\(pipeline.name)\" {", "    rankdir=TB;", "    node [shape=box];"]
            lines += order.map { "    \"\($0)\";" }
            lines += edges.map { "    \"\($0.0)\" -> \"\($0.1)\";" }
            return (lines + ["}"]).joined(separator: "\n")
        }
    }

    /// Mermaid ids may not contain '-'.
    private static func mermaidID(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_")
    }
}
