import ArgumentParser
import Dispatch
import Foundation
import OnlineServer
import Orchestrator
import RecommenderStages

/// `mtrec serve`: recommendations over HTTP from a finished run of the
/// pipeline: by default the newest run whose stages all succeeded and whose
/// gates all passed; SIGHUP (or --poll) moves to a newer one without
/// dropping a request.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve recommendations and scores over HTTP from a finished run (the newest that passed its gates).")

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .customLong("run"), help: "Serve this run instead of the newest passing one (reloads keep to it).")
    var runID: String?

    @Option(help: "Address to listen on; the default answers this machine only.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Look for a newer passing run every N seconds as well as on SIGHUP (0: only on SIGHUP).")
    var poll: Double = 0

    func run() throws {
        let resolved = try pipeline.load()
        let history = try RunHistory(stateFolder: pipeline.stateFolder)
        let chosen = runID
        let locate: @Sendable () throws -> ServingArtifacts = {
            try RunSelection.artifacts(of: resolved, in: history, run: chosen) { try ServingArtifacts(pipeline: resolved, run: $0) }
        }
        let recommender: OnlineRecommender
        do { recommender = try OnlineRecommender(try locate()) } catch {
            Console.error("mtrec serve: \(error)")
            throw ExitStatus.invalid
        }
        OnlineRecommender.useOneBLASThreadPerRequest()
        let server = RecommendationServer(serving: recommender, locate: locate)

        SignalForwarder.shared.handle(SIGHUP) { Console.line(server.reload()) }
        for stopSignal in [SIGINT, SIGTERM] {
            SignalForwarder.shared.handle(stopSignal) {
                Console.line("mtrec serve: stopping once the requests in flight are answered")
                server.stop()
            }
        }
        var timer: (any DispatchSourceTimer)?
        if poll > 0 {
            let source = DispatchSource.makeTimerSource(queue: .global())
            source.schedule(deadline: .now() + poll, repeating: poll)
            source.setEventHandler { let message = server.reload(); if !message.contains("already served") { Console.line(message) } }
            source.resume()
            timer = source
        }
        defer { timer?.cancel() }

        let ended = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let (host, port) = (host, port)
        Task {
            do {
                try await server.run(host: host, port: port) { bound in
                    Console.line("mtrec serve: run \(server.runID) of \(resolved.name) on http://\(host):\(bound) "
                                 + "(GET /v1/recommendations?user=U, POST /v1/score, /healthz, /metrics, /openapi.json)")
                }
            } catch {
                failure.error = error
            }
            ended.signal()
        }
        ended.wait()
        if let error = failure.error {
            Console.error("mtrec serve: \(error)")
            throw ExitCode.failure
        }
    }

}

private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}

/// Which run a command reads its files from.
enum RunSelection {
    /// `run` if given, else the newest run of the pipeline that succeeded
    /// (every stage, every gate) and still has the files `make` needs.
    static func artifacts<Artifacts>(of pipeline: ResolvedPipeline, in history: RunHistory, run: String?,
                                     _ make: (RunRecord) throws -> Artifacts) throws -> Artifacts {
        if let run {
            guard let record = try history.detail(run) else { throw ServingArtifacts.Problem(description: "no run '\(run)' in the history") }
            return try make(record)
        }
        var reasons: [String] = []
        for summary in try history.runs(pipeline: pipeline.name, limit: 50) where summary.status == .succeeded {
            guard let record = try history.detail(summary.id) else { continue }
            do { return try make(record) } catch { reasons.append("\(record.id): \(error)") }
        }
        throw ServingArtifacts.Problem(description: "no finished run of '\(pipeline.name)' passed its gates with the files needed"
                                       + (reasons.isEmpty ? "; run `mtrec run \(pipeline.fileDisplay)` first" : ": " + reasons.prefix(3).joined(separator: "; ")))
    }
}
