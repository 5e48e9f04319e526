import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Gates, the run history, diff and JUnit output, through the binary.
@Suite("Run history and gates end to end", .serialized)
struct HistoryAndGatesTests {
    static let pipeline = """
        name: gated
        params: {quality: 0.8}
        stages:
          evaluate:
            command: "printf '{\\"click\\": {\\"auc\\": %s}, \\"rows\\": 10}' {params.q} > {outputs.metrics}"
            outputs: [metrics]
            with: {q: "${params.quality}"}
        publish:
          out/metrics.json: evaluate.metrics
        gates:
          evaluate.click.auc: ">= 0.7"
          evaluate.click.auc_vs_last: ">= -0.05"
        """

    /// Counts of testcase and failure elements in a JUnit file, parsed as XML.
    final class JUnitCounter: NSObject, XMLParserDelegate {
        var testcases = 0, failures = 0, suiteTests: String?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == "testcase" { testcases += 1 }
            if name == "failure" { failures += 1 }
            if name == "testsuite" { suiteTests = attributes["tests"] }
        }
    }

    func junit(_ path: String) throws -> JUnitCounter {
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        let counter = JUnitCounter()
        parser.delegate = counter
        #expect(parser.parse(), "the JUnit file is well-formed XML")
        return counter
    }

    @Test func gatesOfStagesNotSelectedAreNotCheckedAndNothingIsPublished() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("two.yaml", Self.pipeline.replacingOccurrences(of: "stages:\n", with: """
            stages:
              prepare:
                command: "echo ready > {outputs.o}"
                outputs: [o]

            """))
        let partial = try mtrec.run("run", "two.yaml", "--until", "prepare")
        #expect(partial.exitCode == 0, "\(partial.stdout)\(partial.stderr)")
        #expect(partial.stdout.contains("not checked (their stages were not selected): evaluate.click.auc, evaluate.click.auc_vs_last; nothing was published"),
                "\(partial.stdout)")
        #expect(!FileManager.default.fileExists(atPath: mtrec.path("out/metrics.json")))
        #expect(try mtrec.run("run", "two.yaml").exitCode == 0)
        #expect(FileManager.default.fileExists(atPath: mtrec.path("out/metrics.json")))
    }

    @Test func gatesDecidePublishingAndTheHistoryRecordsEveryRun() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("gated.yaml", Self.pipeline)

        let good = try mtrec.run("run", "gated.yaml", "--junit", "good.xml", "--report", "good.json")
        #expect(good.exitCode == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("gate evaluate.click.auc >= 0.7: passed"))
        #expect(try mtrec.read("out/metrics.json").contains("0.8"))
        let passing = try junit(mtrec.path("good.xml"))
        #expect(passing.testcases == 3 && passing.failures == 0 && passing.suiteTests == "3")

        let bad = try mtrec.run("run", "gated.yaml", "--set", "params.quality=0.6", "--junit", "bad.xml", "--report", "bad.json", "--ci")
        #expect(bad.exitCode == 3)
        #expect(bad.stdout.contains("gate evaluate.click.auc >= 0.7: FAILED (click.auc = 0.6 fails >= 0.7)"))
        #expect(bad.stdout.contains("nothing was published"))
        #expect(bad.stdout.split(separator: "\n").first?.hasPrefix("[20") == true, "CI mode prefixes a timestamp")
        #expect(try mtrec.read("out/metrics.json").contains("0.8"), "the worse model is not published")
        let badReport = try mtrec.report("bad.json")
        #expect(badReport["status"] as? String == "gate_failed")
        #expect((badReport["gates"] as? [[String: Any]])?.first?["passed"] as? Bool == false)
        let failing = try junit(mtrec.path("bad.xml"))
        #expect(failing.testcases == 3 && failing.failures == 2, "the 0.6 run also drops 0.2 below the last passing run")

        #expect(try mtrec.run("run", "gated.yaml", "--set", "params.quality=0.77").exitCode == 0, "-0.03 against 0.8 passes")
        let drop = try mtrec.run("run", "gated.yaml", "--set", "params.quality=0.71")
        #expect(drop.exitCode == 3, "-0.06 against the last passing 0.77 fails")
        #expect(drop.stdout.contains("last passing run 0.77"))

        let runs = try mtrec.run("runs")
        let lines = runs.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.dropFirst().map { $0.contains("gate_failed") ? "f" : "s" } == ["f", "s", "f", "s"], "newest first")

        let diff = try mtrec.run("diff")
        #expect(diff.exitCode == 0)
        #expect(diff.stdout.contains("params.quality"))
        let aucLine = try #require(diff.stdout.split(separator: "\n").first { $0.hasPrefix("evaluate.click.auc") })
        #expect(aucLine.contains("0.77") && aucLine.contains("0.71") && aucLine.contains("-0.06") && aucLine.hasSuffix("a"), "\(aucLine)")

        let report = try mtrec.run("report", "--out", "report.html")
        #expect(report.exitCode == 0)
        let page = try mtrec.read("report.html")
        #expect(page.contains("<h2>Gates</h2>") && page.contains("<svg"))

        let newest = String(lines[1].split(separator: " ")[0])
        let show = try mtrec.run("runs", "show", newest)
        #expect(show.stdout.contains("gate_failed") && show.stdout.contains("evaluate.click.auc") && show.stdout.contains("params.quality"))
    }

    @Test func gcRemovesWhatNoKeptRunUses() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("gated.yaml", Self.pipeline)
        for quality in ["0.8", "0.81", "0.82"] {
            #expect(try mtrec.run("run", "gated.yaml", "--set", "params.quality=\(quality)").exitCode == 0)
        }
        let gc = try mtrec.run("gc", "--keep-runs", "1")
        #expect(gc.exitCode == 0)
        #expect(gc.stdout.hasPrefix("removed 2 cache entries, freed") && gc.stdout.contains("kept 1"), "\(gc.stdout)")
        #expect(try mtrec.run("status", "gated.yaml", "--set", "params.quality=0.82").stdout.contains("cached"))
        let removed = try mtrec.run("status", "gated.yaml", "--set", "params.quality=0.8").stdout
        #expect(removed.contains("will run") && removed.contains("cache entry missing (removed by mtrec gc)"), "\(removed)")
    }
}
