import Foundation
import Hummingbird
import NIOCore
import RecommenderStages
import ServiceLifecycle

/// `mtrec serve`'s HTTP server: recommendations for one user, scores for
/// rows of raw features, health, metrics and the OpenAPI document. The model
/// served can be swapped (`reload`) while requests are in flight: each
/// request keeps the recommender it started with.
public final class RecommendationServer: Sendable {
    /// Requests larger than this are refused (413) before they are read whole.
    public static let maximumBodyBytes = 1 << 20
    /// At most this many rows per score request.
    public static let maximumRows = 10_000
    /// At most this many items in `exclude`.
    public static let maximumExcluded = 1_000

    private let current: Current
    private let running = Running()
    private let metrics = ServerMetrics()
    /// Finds what to serve now: the newest passing run's artifacts.
    private let locate: @Sendable () throws -> ServingArtifacts

    public init(serving recommender: OnlineRecommender, locate: @escaping @Sendable () throws -> ServingArtifacts) {
        current = Current(recommender)
        self.locate = locate
    }

    public var runID: String { current.value.runID }

    /// Loads the newest passing run if it is not the one served, then swaps
    /// it in; the old one stays in service if loading fails. Returns what happened, for the log.
    @discardableResult
    public func reload() -> String {
        do {
            let artifacts = try locate()
            guard artifacts.runID != current.value.runID else { return "reload: run \(artifacts.runID) is already served" }
            let next = try OnlineRecommender(artifacts)
            current.value = next
            metrics.recordReload(succeeded: true)
            return "reload: now serving run \(next.runID)"
        } catch {
            metrics.recordReload(succeeded: false)
            return "reload failed, still serving run \(current.value.runID): \(error)"
        }
    }

    /// Serves until the task is cancelled; `started` gets the bound port.
    public func run(host: String, port: Int, started: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        router.add(middleware: UnknownRoutes(server: self))
        router.get("/v1/recommendations") { request, _ in self.answer("recommendations") { try self.recommendations(request) } }
        router.post("/v1/score") { request, _ in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: Self.maximumBodyBytes) } catch {
                return self.answer("score") { throw RequestProblem(status: .contentTooLarge, "the request body is over \(Self.maximumBodyBytes) bytes") }
            }
            return self.answer("score") { try self.score(body) }
        }
        router.get("/healthz") { _, _ in self.answer("healthz") { try Self.json(["status": "ok", "runId": self.runID]) } }
        router.get("/metrics") { _, _ in
            self.answer("metrics") {
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                         body: .init(byteBuffer: ByteBuffer(string: self.metrics.text(runID: self.runID))))
            }
        }
        router.get("/openapi.json") { _, _ in
            self.answer("openapi") {
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "mtrec"),
                              onServerRunning: { channel in started(channel.localAddress?.port ?? port) })
        // No signal handling of its own: mtrec's SignalForwarder calls stop().
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: app.logger))
        running.set(group)
        try await group.run()
    }

    /// Stops taking connections; `run` returns once the requests in flight are answered.
    public func stop() {
        guard let group = running.value else { return }
        Task { await group.triggerGracefulShutdown() }
    }

    // MARK: Routes

    private func recommendations(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        guard let user = query.get("user").map({ String($0) }), !user.isEmpty else {
            throw RequestProblem(status: .badRequest, "the query parameter 'user' is required")
        }
        guard user.utf8.count <= 256 else { throw RequestProblem(status: .badRequest, "'user' is longer than 256 bytes") }
        let recommender = current.value
        var k = recommender.defaultK
        if let text = query.get("k") {
            guard let value = Int(text), (1...OnlineRecommender.maximumK).contains(value) else {
                throw RequestProblem(status: .badRequest, "'k' must be an integer from 1 to \(OnlineRecommender.maximumK), got '\(text)'")
            }
            k = value
        }
        let exclude = query.get("exclude").map { $0.split(separator: ",").map { String($0) } } ?? []
        guard exclude.count <= Self.maximumExcluded else {
            throw RequestProblem(status: .badRequest, "'exclude' lists \(exclude.count) items; at most \(Self.maximumExcluded)")
        }
        var explain = false
        if let text = query.get("explain") {
            guard let value = ["true": true, "1": true, "false": false, "0": false][String(text)] else {
                throw RequestProblem(status: .badRequest, "'explain' must be true or false, got '\(text)'")
            }
            explain = value
        }
        return try Self.json(recommender.recommend(user: user, k: k, exclude: Set(exclude), explain: explain))
    }

    private func score(_ body: ByteBuffer) throws -> Response {
        let rows: [[String: RawValue]]
        do { rows = try RawRowsReader.rows(Array(body.readableBytesView), maximumRows: Self.maximumRows) } catch {
            throw RequestProblem(status: .badRequest, error.description)
        }
        guard !rows.isEmpty else { throw RequestProblem(status: .badRequest, "'rows' must hold 1 to \(Self.maximumRows) rows, got 0") }
        let recommender = current.value
        let scores: [[String: Double]]
        do { scores = try recommender.score(rows) } catch {
            throw RequestProblem(status: .unprocessableContent, "rows: \(error)")
        }
        // Written by hand: JSONEncoder took a quarter of a 256-row request's time.
        var text = JSONText()
        text.raw("{\"runId\":")
        text.string(recommender.runID)
        text.raw(",\"scores\":[")
        for (index, row) in scores.enumerated() {
            text.raw(index == 0 ? "{" : ",{")
            for (position, task) in recommender.tasks.enumerated() {
                if position > 0 { text.raw(",") }
                text.string(task)
                text.raw(":")
                text.number(row[task] ?? .nan)
            }
            text.raw("}")
        }
        text.raw("],\"tasks\":[")
        for (position, task) in recommender.tasks.enumerated() {
            if position > 0 { text.raw(",") }
            text.string(task)
        }
        text.raw("]}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text.value)))
    }

    // MARK: Answers

    /// Runs a route, turning a problem into a JSON error, and counts it.
    fileprivate func answer(_ route: String, _ body: () throws -> Response) -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do { response = try body() } catch let problem as RequestProblem {
            response = (try? Self.json(["error": problem.message], status: problem.status)) ?? Response(status: problem.status)
        } catch {
            response = (try? Self.json(["error": "\(error)"], status: .internalServerError)) ?? Response(status: .internalServerError)
        }
        metrics.record(route: route, status: response.status.code, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return response
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// A path or method the server does not have gets a JSON error (and is
/// counted) like any other refused request, instead of an empty 404.
private struct UnknownRoutes<Context: RequestContext>: RouterMiddleware {
    let server: RecommendationServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            return server.answer("unknown") {
                throw RequestProblem(status: error.status, "no route \(request.method) \(request.uri.path); the routes are GET /v1/recommendations, "
                                     + "POST /v1/score, GET /healthz, GET /metrics and GET /openapi.json")
            }
        }
    }
}

/// A request the server refuses, with the status and the message sent back.
struct RequestProblem: Error {
    var status: HTTPResponse.Status
    var message: String

    init(status: HTTPResponse.Status, _ message: String) {
        (self.status, self.message) = (status, message)
    }
}

/// The service group of a running server, for stop().
private final class Running: @unchecked Sendable {
    private let lock = NSLock()
    private var group: ServiceGroup?

    var value: ServiceGroup? { lock.withLock { group } }
    func set(_ group: ServiceGroup) { lock.withLock { self.group = group } }
}

/// The recommender in service, swapped whole by a reload.
private final class Current: @unchecked Sendable {
    private let lock = NSLock()
    private var recommender: OnlineRecommender

    init(_ recommender: OnlineRecommender) {
        self.recommender = recommender
    }

    var value: OnlineRecommender {
        get { lock.withLock { recommender } }
        set { lock.withLock { recommender = newValue } }
    }
}
