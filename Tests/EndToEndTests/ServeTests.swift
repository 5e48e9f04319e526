import Foundation
import Orchestrator
import RecommenderStages
import Testing

/// `mtrec serve` against a real run of a small quickstart: what it answers
/// equals what the pipeline's own predict and rank stages wrote.
@Suite("Serving recommendations over HTTP", .serialized)
struct ServeTests {
    /// One run of Fixtures/serving.yaml, shared by the tests.
    static let prepared: (mtrec: MtrecProcess, runID: String)? = {
        guard let mtrec = try? MtrecProcess(),
              let pipeline = try? String(contentsOf: MtrecProcess.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/serving.yaml"),
                                         encoding: .utf8),
              (try? mtrec.write("serving.yaml", pipeline)) != nil,
              let result = try? mtrec.run("run", "serving.yaml", "--report", "first.json"), result.exitCode == 0,
              let report = try? mtrec.report("first.json"), let runID = report["runId"] as? String else { return nil }
        return (mtrec, runID)
    }()

    func setUp() throws -> (mtrec: MtrecProcess, runID: String, stages: [String: [String: Any]]) {
        let (mtrec, runID) = try #require(Self.prepared, "the serving pipeline ran")
        return (mtrec, runID, mtrec.stages(try mtrec.report("first.json")))
    }

    func output(_ stages: [String: [String: Any]], _ stage: String, _ name: String) throws -> String {
        try #require((stages[stage]?["outputs"] as? [String: String])?[name])
    }

    @Test func everyUsersListIsTheOneRankWrote() throws {
        let (mtrec, runID, stages) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        let csv = try String(contentsOfFile: try output(stages, "rank", "recommendations"), encoding: .utf8)
        var offline: [String: [(item: String, score: Double, source: String)]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            offline[fields[0], default: []].append((fields[2], Double(fields[3])!, fields.last!))
        }
        #expect(offline.count > 50)
        var compared = 0
        for (user, expected) in offline {
            let (status, body) = try server.get("/v1/recommendations?user=\(user)&k=10")
            #expect(status == 200)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let items = try #require(answer["items"] as? [[String: Any]])
            #expect(answer["source"] as? String == expected[0].source, "user \(user)")
            #expect(items.map { $0["item"] as? String } == expected.map(\.item), "user \(user)")
            for (item, row) in zip(items, expected) {
                #expect(abs((item["score"] as? Double ?? .nan) - row.score) <= 1e-5, "user \(user) item \(row.item)")
            }
            compared += 1
        }
        #expect(compared == offline.count)
    }

    @Test func scoresOfRawRowsArePredictsScoresOfTheTestSplit() throws {
        let (mtrec, runID, stages) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        let scored = try TableFolder.read(URL(fileURLWithPath: try output(stages, "score_test", "scores")))
        let features = ["user_id", "item_id", "age_band", "gender", "city_tier", "device", "category", "price", "position"]
        var rows: [[String: Any]] = []
        for row in 0..<scored.rowCount {
            var values: [String: Any] = [:]
            for name in features {
                switch try #require(scored["keep.\(name)"], "keep.\(name)") {
                case .string(let column): values[name] = column[row]
                case .int(let column): values[name] = column[row]
                case .float(let column): values[name] = column[row].isNaN ? NSNull() : Double(column[row])
                }
            }
            rows.append(values)
        }
        try JSONSerialization.data(withJSONObject: ["rows": rows]).write(to: URL(fileURLWithPath: mtrec.path("rows.json")))
        let (status, body) = try server.post("/v1/score", file: mtrec.path("rows.json"))
        #expect(status == 200, "\(body.prefix(300))")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let scores = try #require(answer["scores"] as? [[String: Double]])
        #expect(scores.count == scored.rowCount && scored.rowCount > 1000)
        var largest = 0.0
        for task in ["click", "conversion", "rating"] {
            let expected = try #require(scored.floats("score.\(task)"))
            for row in 0..<scored.rowCount { largest = max(largest, abs(Double(expected[row]) - (scores[row][task] ?? .nan))) }
        }
        #expect(largest <= 1e-6, "largest difference \(largest)")
    }

    @Test func aStrangerGetsThePopularItemsAndExcludedItemsAreLeftOut() throws {
        let (mtrec, runID, _) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        let stranger = try server.json("/v1/recommendations?user=somebody-new&k=3&explain=true")
        #expect(stranger["source"] as? String == "popularity")
        let popular = try #require(stranger["items"] as? [[String: Any]])
        #expect(popular.count == 3)
        #expect(popular.map { $0["score"] as? Double ?? 0 } == popular.map { $0["score"] as? Double ?? 0 }.sorted(by: >))
        #expect(popular.allSatisfy { ($0["explanation"] as? [String: Any])?["features"] == nil })

        // A known user's items name, per task, the features that moved the score most, largest first.
        let known = try #require(try server.json("/v1/recommendations?user=1&k=4&explain=true")["items"] as? [[String: Any]])
        #expect(known.count == 4)
        for item in known {
            let features = try #require((item["explanation"] as? [String: Any])?["features"] as? [String: [[String: Any]]], "\(item)")
            #expect(Set(features.keys) == ["click", "conversion", "rating"])
            for (_, named) in features {
                let sizes = named.map { abs($0["change"] as? Double ?? .nan) }
                #expect(!named.isEmpty && named.count <= 3 && sizes == sizes.sorted(by: >), "\(named)")
            }
        }
        let without = try server.json("/v1/recommendations?user=somebody-new&k=2&exclude=\(popular[0]["item"] as! String)")
        #expect((without["items"] as? [[String: Any]])?.map { $0["item"] as? String } == popular.dropFirst().map { $0["item"] as? String })
    }

    @Test func badRequestsAreJSONErrorsThatNameTheField() throws {
        let (mtrec, runID, _) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        let cases: [(path: String, body: String?, status: Int, says: String)] = [
            ("/v1/recommendations", nil, 400, "'user' is required"),
            ("/v1/recommendations?user=1&k=0", nil, 400, "'k' must be an integer from 1 to 1000"),
            ("/v1/recommendations?user=1&k=1001", nil, 400, "'k' must be an integer"),
            ("/v1/recommendations?user=1&explain=maybe", nil, 400, "'explain' must be true or false"),
            ("/v1/recommendations?user=" + String(repeating: "x", count: 300), nil, 400, "longer than 256 bytes"),
            ("/v1/score", "{not json", 400, "not valid JSON"),
            ("/v1/score", "{\"rows\": []}", 400, "'rows' must hold 1 to 10000 rows"),
            ("/v1/score", "{\"rows\": [{\"user_id\": [1]}]}", 400, "'rows[0].user_id'"),
            ("/v1/score", "{}", 400, "'rows' is required"),
            ("/v1/score", "{\"rows\": [{\"user_id\": \"1\"}]}", 422, "rows[0] has no 'item_id'"),
            ("/v1/score", "{\"rows\": [{\"user_id\": 1}], \"rows\" 2}", 400, "expected ':' after the key 'rows' at byte"),
            ("/v2/nothing", nil, 404, "no route GET /v2/nothing"),
            ("/healthz", "{}", 404, "no route POST /healthz"),
        ]
        for example in cases {
            let (status, body) = try example.body.map { try server.post(example.path, body: $0) } ?? server.get(example.path)
            #expect(status == example.status, "\(example.path): \(body)")
            let error = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error"] as? String
            #expect(error?.contains(example.says) == true, "\(example.path) \(example.body ?? ""): \(body)")
        }
        // Over the size limit: refused before it is read whole.
        try String(repeating: "x", count: 2 << 20).write(toFile: mtrec.path("big.json"), atomically: true, encoding: .utf8)
        let (status, body) = try server.post("/v1/score", file: mtrec.path("big.json"))
        #expect(status == 413, "\(body)")
        // The server is still there.
        #expect(try server.get("/healthz").status == 200)
    }

    @Test func metricsCountRequestsByRouteAndStatus() throws {
        let (mtrec, runID, _) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        for _ in 0..<3 { _ = try server.get("/v1/recommendations?user=1") }
        _ = try server.get("/v1/recommendations")
        let (status, text) = try server.get("/metrics")
        #expect(status == 200)
        #expect(text.contains("mtrec_requests_total{route=\"recommendations\",status=\"200\"} 3"), "\(text)")
        #expect(text.contains("mtrec_requests_total{route=\"recommendations\",status=\"400\"} 1"))
        #expect(text.contains("mtrec_request_seconds_count{route=\"recommendations\"} 4"))
        #expect(text.contains("mtrec_request_seconds_bucket{route=\"recommendations\",le=\"+Inf\"} 4"))
        #expect(text.contains("mtrec_model_info{run_id=\"\(runID)\"} 1"))
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aStopSignalEndsTheServerCleanly(signal: Int32) throws {
        let (mtrec, runID, _) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        #expect(try server.get("/healthz").status == 200)
        kill(server.process.processIdentifier, signal)
        #expect(server.process.waitUntilExit(seconds: 20) == 0, "mtrec serve ends with status 0 on signal \(signal)")
    }

    @Test func responsesFollowTheOpenAPIDocument() throws {
        let (mtrec, runID, _) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml", "--run", runID)
        defer { server.stop() }
        let document = try server.get("/openapi.json").body
        try document.write(toFile: mtrec.path("openapi.json"), atomically: true, encoding: .utf8)
        let examples: [(schema: String, body: String)] = [
            ("Recommendations", try server.get("/v1/recommendations?user=1&explain=true").body),
            ("Recommendations", try server.get("/v1/recommendations?user=stranger&explain=true").body),
            ("ScoreResponse", try server.post("/v1/score", body: """
                {"rows": [{"user_id": "1", "item_id": "2", "age_band": 1, "gender": 0, "city_tier": 1, "device": 1, "category": 3,
                           "price": 12.5, "position": null}]}
                """).body),
            ("Error", try server.get("/v1/recommendations?k=2").body),
            ("Health", try server.get("/healthz").body),
        ]
        for (index, example) in examples.enumerated() {
            let file = mtrec.path("response-\(index).json")
            try example.body.write(toFile: file, atomically: true, encoding: .utf8)
            let (code, output) = try ArgoExportTests.run("/usr/bin/env", ["python3", ArgoExportTests.validator, "--component", example.schema,
                                                                          mtrec.path("openapi.json"), file], in: mtrec.folder)
            #expect(code == 0, "\(example.schema): \(output)\n\(example.body.prefix(400))")
        }
    }

    @Test func aNewerPassingRunIsServedAfterSIGHUPWithoutAFailedRequest() throws {
        let (mtrec, firstRun, _) = try setUp()
        let server = try Server(mtrec, "serve", "serving.yaml")
        defer { server.stop() }
        #expect(try server.json("/healthz")["runId"] as? String == firstRun, "the newest passing run is served")
        // A newer run: rank alone reruns, with shorter lists.
        let second = try mtrec.run("run", "serving.yaml", "--set", "rank.top_k=4", "--report", "second.json")
        #expect(second.exitCode == 0)
        let secondRun = try #require(try mtrec.report("second.json")["runId"] as? String)
        // Requests go on before, during and after the reload.
        let load = RequestLoop(server: server)
        #expect(mtrec.waitFor(seconds: 30) { load.sent >= 10 })
        kill(server.process.processIdentifier, SIGHUP)
        #expect(mtrec.waitFor(seconds: 30) { (try? server.json("/healthz")["runId"] as? String) == secondRun })
        let reloadedAt = load.sent
        #expect(mtrec.waitFor(seconds: 30) { load.sent >= reloadedAt + 10 })
        let (sent, failed) = load.stop()
        #expect(failed == 0, "\(failed) of \(sent) requests failed across the reload")
        #expect((try server.json("/v1/recommendations?user=1")["items"] as? [Any])?.count == 4, "the new run's top_k")
        #expect(try server.get("/metrics").body.contains("mtrec_reloads_total{outcome=\"ok\"} 1"))
    }
}

/// A running `mtrec serve` on a free port, asked with curl.
struct Server {
    let process: ChildProcess
    let port: Int
    let mtrec: MtrecProcess

    init(_ mtrec: MtrecProcess, _ arguments: String...) throws {
        self.mtrec = mtrec
        let tag = "serve-\(UUID().uuidString.prefix(8))"
        let process = try mtrec.start(arguments + ["--port", "0"], tag: tag)
        self.process = process
        var found: Int?
        _ = mtrec.waitFor(seconds: 60) {
            let text = (try? mtrec.read("\(tag).stdout")) ?? ""
            found = text.range(of: "on http://127.0.0.1:").map { Int(text[$0.upperBound...].prefix { $0.isNumber }) ?? 0 }
            return found != nil || !process.isRunning
        }
        guard let found else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServeFailure(message: "mtrec serve did not start: \((try? mtrec.read("\(tag).stderr")) ?? "")")
        }
        port = found
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func get(_ path: String) throws -> (status: Int, body: String) {
        try curl([])(path)
    }

    func post(_ path: String, body: String) throws -> (status: Int, body: String) {
        try curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body])(path)
    }

    func post(_ path: String, file: String) throws -> (status: Int, body: String) {
        try curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@\(file)"])(path)
    }

    func json(_ path: String) throws -> [String: Any] {
        let (_, body) = try get(path)
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
    }

    private func curl(_ options: [String]) -> (String) throws -> (status: Int, body: String) {
        { path in
            let (_, output, _) = try ChildProcess.run(["curl", "-s", "--max-time", "30", "-w", "\n%{http_code}"] + options
                                                      + ["http://127.0.0.1:\(port)\(path)"])
            let status = Int(output.split(separator: "\n").last ?? "") ?? 0
            return (status, String(output.dropLast(output.split(separator: "\n").last.map { $0.count + 1 } ?? 0)))
        }
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Recommendation requests sent one after another on a thread until stopped.
final class RequestLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var count = 0, failed = 0
    private let done = DispatchSemaphore(value: 0)

    init(server: Server) {
        Thread { [self] in
            while lock.withLock({ running }) {
                let ok = (try? server.get("/v1/recommendations?user=1").status) == 200
                lock.withLock {
                    count += 1
                    if !ok { failed += 1 }
                }
            }
            done.signal()
        }.start()
    }

    var sent: Int { lock.withLock { count } }

    func stop() -> (sent: Int, failed: Int) {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { (count, failed) }
    }
}
