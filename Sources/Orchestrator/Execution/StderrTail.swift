import Foundation

/// The last lines a failed stage wrote to stderr.
public enum StderrTail {
    public static func read(_ path: String?, lines count: Int = 10) -> [String]? {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return nil }
        let tail = data.suffix(16_384)
        let lines = String(decoding: tail, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(count + 1).map(String.init).filter { !$0.isEmpty }.suffix(count).map { $0 }
    }
}
