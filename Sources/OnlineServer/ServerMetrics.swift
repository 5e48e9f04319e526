import Foundation

/// Counts for `GET /metrics` in Prometheus's text format (version 0.0.4):
/// requests by route and status, a latency histogram by route, the serving
/// run and the reloads.
final class ServerMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let bounds: [Double] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    private struct Latency {
        var buckets = [Int](repeating: 0, count: ServerMetrics.bounds.count)
        var count = 0
        var sum = 0.0
    }

    private let lock = NSLock()
    private var requests: [String: [Int: Int]] = [:]
    private var latencies: [String: Latency] = [:]
    private var reloads: [String: Int] = [:]

    func record(route: String, status: Int, seconds: Double) {
        lock.withLock {
            requests[route, default: [:]][status, default: 0] += 1
            var latency = latencies[route] ?? Latency()
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { latency.buckets[index] += 1 }
            latency.count += 1
            latency.sum += seconds
            latencies[route] = latency
        }
    }

    func recordReload(succeeded: Bool) {
        lock.withLock { reloads[succeeded ? "ok" : "failed", default: 0] += 1 }
    }

    func text(runID: String) -> String {
        lock.withLock {
            var lines = ["# HELP mtrec_requests_total Requests served, by route and status.", "# TYPE mtrec_requests_total counter"]
            for route in requests.keys.sorted() {
                for status in requests[route]!.keys.sorted() {
                    lines.append("mtrec_requests_total{route=\"\(route)\",status=\"\(status)\"} \(requests[route]![status]!)")
                }
            }
            lines += ["# HELP mtrec_request_seconds Time to answer a request, by route.", "# TYPE mtrec_request_seconds histogram"]
            for route in latencies.keys.sorted() {
                let latency = latencies[route]!
                for (index, bound) in Self.bounds.enumerated() {
                    lines.append("mtrec_request_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(latency.buckets[index])")
                }
                lines.append("mtrec_request_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(latency.count)")
                lines.append("mtrec_request_seconds_sum{route=\"\(route)\"} \(latency.sum)")
                lines.append("mtrec_request_seconds_count{route=\"\(route)\"} \(latency.count)")
            }
            lines += ["# HELP mtrec_model_info The run whose model is served.", "# TYPE mtrec_model_info gauge",
                      "mtrec_model_info{run_id=\"\(runID)\"} 1",
                      "# HELP mtrec_reloads_total Reloads asked for (SIGHUP or polling), by outcome.", "# TYPE mtrec_reloads_total counter"]
            for outcome in ["ok", "failed"] { lines.append("mtrec_reloads_total{outcome=\"\(outcome)\"} \(reloads[outcome] ?? 0)") }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
