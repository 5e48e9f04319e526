import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Orchestrator
@testable import Reporting

@Suite("HTML report")
struct HTMLReportTests {
    /// Collects element names and the text of h2 headings.
    final class Structure: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:], headings: [String] = [], inHeading = false
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            if name == "h2" { inHeading = true; headings.append("") }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "h2" { inHeading = false }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inHeading { headings[headings.count - 1] += string }
        }
    }

    @Test func aReportIsOneWellFormedSelfContainedPage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws -> String {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return folder.appendingPathComponent(name).path
        }
        let history = try write("history.json", """
            {"records": [{"epoch": 1, "trainLoss": {"click": 0.5, "rating": 1.2}, "seconds": 1, "samplesPerSecond": 10,
                          "validation": [{"task": "click", "rows": 5, "auc": 0.6}, {"task": "rating", "rows": 5, "rmse": 0.9}]},
                         {"epoch": 2, "trainLoss": {"click": 0.4, "rating": 0.8}, "seconds": 1, "samplesPerSecond": 10,
                          "validation": [{"task": "click", "rows": 5, "auc": 0.65}, {"task": "rating", "rows": 5, "rmse": 0.85}]}],
             "samples": 100}
            """)
        let metrics = try write("metrics.json", """
            {"click": {"auc": 0.65}, "gate_weights": {"click": [0.7, 0.3], "rating": [0.4, 0.6]},
             "importance": {"click": [{"feature": "item_id", "drop": 0.05}, {"feature": "price", "drop": 0.01}]}}
            """)
        var lists = "user,rank,item,score,click,source,why_click\n"
        for user in 1...5 { lists += "u\(user),1,i\(user),0.5,0.5,model,category +0.1000; price <-0.0200\n" }
        let recommendations = try write("recommendations.csv", lists)
        func stage(_ name: String, _ status: StageStatus, upstream: [String], outputs: [String: String] = [:], start: Double?) -> StageExecution {
            StageExecution(name: name, status: status, reason: .neverRun, key: StageKey(hex: name), seconds: 1, startOffset: start, endOffset: start.map { $0 + 1 },
                           outputs: outputs, upstream: upstream)
        }
        let detail = RunRecord(id: "r2", pipeline: "quick<start>", file: "/p.yaml", fileHash: "", gitCommit: nil, startedAt: Date(), endedAt: nil,
                               status: .gateFailed, params: [:],
                               stages: [stage("collect", .cached, upstream: [], start: nil),
                                        stage("train", .ran, upstream: ["collect"], outputs: ["history": history], start: 0),
                                        stage("evaluate", .ran, upstream: ["train"], outputs: ["metrics": metrics], start: 1),
                                        stage("explain", .ran, upstream: ["train"], outputs: ["recommendations": recommendations], start: 1)],
                               metrics: [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.65)],
                               gates: [GateResult(gate: "evaluate.click.auc", condition: ">= 0.7", value: 0.65, passed: false, message: "fails")])
        var previous = detail
        previous.id = "r1"
        previous.metrics = [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.7)]

        let html = HTMLReport.render(detail, previous: previous)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        let body = String(html.drop { $0 != "\n" })
        let parser = XMLParser(data: Data(body.utf8))
        let structure = Structure()
        parser.delegate = structure
        #expect(parser.parse(), "the page is well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(structure.headings == ["Stages", "Timeline", "Training", "Metrics", "Gates", "Expert gates", "Feature importance",
                                      "Why these items"])
        #expect(structure.elements["svg", default: 0] == 6, "DAG, timeline, two training charts, heatmap, one importance chart")
        #expect(structure.elements["script"] == nil && structure.elements["link"] == nil && structure.elements["img"] == nil)
        let withoutNamespace = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        #expect(!withoutNamespace.contains("http"), "nothing is fetched from the network")
        #expect(html.contains("quick&lt;start&gt;"), "text is escaped")
        #expect(html.contains("previous run (r1)") && html.contains("-0.05"))
        #expect(html.contains("FAILED"))
        #expect(html.contains("<td>u3</td>") && !html.contains("<td>u4</td>"), "the first three users' lists")
        #expect(html.contains("category +0.1000; price &lt;-0.0200"))
    }
}
