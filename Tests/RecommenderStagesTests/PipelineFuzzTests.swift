import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

/// Seeded mutants of the repository's pipelines, validated against the
/// built-in catalog: none may crash or hang the loader, and every rejection
/// must name a place inside the file. scripts/fuzz-pipelines.py runs
/// thousands through the binary, with time and memory limits.
@Suite("Mutated pipeline files get a diagnostic, never a crash")
struct PipelineFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func threeHundredMutantsAreEachAcceptedOrPlacedInTheFile() throws {
        let folder = repositoryCopyFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
            .map { [UInt8](try Data(contentsOf: Self.repository.appendingPathComponent("pipelines/\($0)"))) }
        #expect(corpus.count >= 5)
        let loader = PipelineLoader(embeddedManifests: BuiltinManifests.all, expressions: RecommenderStages.expressions)
        var mutator = PipelineMutator(seed: 20261203, corpus: corpus)
        var accepted = 0, rejected = 0, slowest = 0.0
        for index in 0..<300 {
            let mutant = mutator.next()
            let file = folder.appendingPathComponent("mutant-\(index).yaml")
            try Data(mutant).write(to: file)
            let started = Date()
            let (pipeline, diagnostics) = loader.load(file.path, overrides: [])
            slowest = max(slowest, Date().timeIntervalSince(started))
            if pipeline != nil {
                accepted += 1
                continue
            }
            rejected += 1
            let errors = diagnostics.filter { $0.severity == .error }
            #expect(!errors.isEmpty, "mutant \(index) was refused without an error:\n\(String(decoding: mutant, as: UTF8.self))")
            let lines = PipelineMutator.lines(of: mutant)
            for error in errors where error.location.file == file.path {
                let line = error.location.line, column = error.location.column
                #expect(line >= 1 && line <= max(lines.count, 1) && column >= 1 && column <= (lines.indices.contains(line - 1) ? lines[line - 1] : 0) + 1,
                        "mutant \(index): \(error) lies outside the file (\(lines.count) lines)")
            }
            try? FileManager.default.removeItem(at: file)
        }
        // Both outcomes occur, so the mutants exercise the parser and the validator alike.
        #expect(accepted > 0 && rejected > 100, "accepted \(accepted), rejected \(rejected)")
        #expect(slowest < 5, "the slowest mutant took \(slowest) s")
    }

    /// The data files the pipelines name, so that a mutant is checked past "file not found".
    private func repositoryCopyFolder() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-fuzz-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(at: folder.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try? FileManager.default.copyItem(at: Self.repository.appendingPathComponent("data"), to: folder.appendingPathComponent("data"))
        return folder
    }
}

/// Makes mutants of YAML files: tokens that matter to YAML and to pipelines
/// inserted, bytes replaced, ranges deleted, lines repeated, swapped or taken
/// from another file, the file cut short. Seeded, so a failure reproduces.
struct PipelineMutator {
    private var state: UInt64
    let corpus: [[UInt8]]

    static let tokens = ["&a ", "*a", "[", "]", "{", "}", ": ", "- ", "\"", "'", "\t", "\n", "  ", "${params.", "${params.seed}",
                         "{inputs.", "{outputs.x}", "!!str ", "!!binary ", "!!python/object ", "? ", "|", ">", "#", "\u{0}",
                         "\u{FEFF}", "é", "99999999999999999999999", "-1", "1e309", ".nan", "~", "<<: *a", "---\n", "...\n",
                         "uses: ", "inputs: {x: a.b}", "command: [", "publish: {../x: a.b}", "%YAML 1.1\n", "&b [*b]"]

    init(seed: UInt64, corpus: [[UInt8]]) {
        state = seed
        self.corpus = corpus
    }

    /// SplitMix64.
    mutating func random(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
    }

    mutating func next() -> [UInt8] {
        var bytes = corpus[random(corpus.count)]
        for _ in 0...random(4) { mutate(&bytes) }
        return bytes
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let at = random(bytes.count + 1)
        switch random(7) {
        case 0: bytes.insert(contentsOf: Array(Self.tokens[random(Self.tokens.count)].utf8), at: at)
        case 1: if at < bytes.count { bytes[at] = Array(Self.tokens[random(Self.tokens.count)].utf8).first ?? 0 }
        case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random(40)))
        case 3, 4, 5:
            var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
            guard !lines.isEmpty else { return }
            let line = random(lines.count)
            switch random(3) {
            case 0: lines.insert(lines[line], at: random(lines.count + 1))
            case 1: lines.swapAt(line, random(lines.count))
            default:
                let donor = corpus[random(corpus.count)].split(separator: 10, omittingEmptySubsequences: false)
                lines[line] = Array(donor[random(donor.count)])
            }
            bytes = Array(lines.joined(separator: [10]))
        default: bytes.removeSubrange(at...)
        }
    }

    /// Each line's length in bytes: at least its length in characters, however columns are counted.
    static func lines(of bytes: [UInt8]) -> [Int] {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(\.count)
        if lines.count > 1, lines.last == 0 { lines.removeLast() }
        return lines
    }
}
