import Foundation

/// What a stage asks of the machine it runs on, for cluster executors and
/// exports (`resources: {cpus: 2, memory: 4G, time: 30m}`). It never changes
/// a stage's outputs, so it is not part of the stage key.
public struct StageResources: Sendable, Equatable, Codable {
    public var cpus: Int?
    public var memoryBytes: Int64?
    public var seconds: Int?

    public init(cpus: Int? = nil, memoryBytes: Int64? = nil, seconds: Int? = nil) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.seconds = seconds
    }

    static let keys = ["cpus", "memory", "time"]
    static let memoryForm = "a size such as 512M, 4G or 1.5GiB (K, M, G, T: powers of 1024; a bare number is MiB, as in Slurm)"
    static let timeForm = "a duration such as 90s, 30m, 2h, 1d, or H:MM:SS"

    /// Memory in whole mebibytes, rounded up: Kubernetes' `Mi` and Slurm's `M`.
    public var memoryMebibytes: Int64? { memoryBytes.map { ($0 + 1_048_575) / 1_048_576 } }

    /// "512M", "4G", "1.5GiB", "2048K"; a bare number is MiB, as Slurm reads it.
    static func bytes(_ text: String) -> Int64? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) { digits.removeLast(suffix.count) }
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var scale = 1_048_576.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits.removeLast()
        }
        guard let value = Double(digits), value > 0, value.isFinite, value * scale < 9e18 else { return nil }
        return Int64((value * scale).rounded(.up))
    }

    /// "90s", "30m", "2h", "1d" or "H:MM:SS" / "MM:SS".
    static func seconds(_ text: String) -> Int? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.contains(":") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (2...3).contains(parts.count), parts.allSatisfy({ (0...1_000_000).contains($0 ?? -1) }) else { return nil }
            let total = parts.reduce(0) { $0 * 60 + $1! }
            return total > 0 ? total : nil
        }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        // At most a year: a larger number is a typo, and would overflow.
        guard let last = text.last, let unit = units[last], let value = Int(text.dropLast()), value > 0, value <= 31_536_000 / unit else { return nil }
        return value * unit
    }
}
