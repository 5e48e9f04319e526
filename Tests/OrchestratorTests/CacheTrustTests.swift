import Foundation
import Testing
@testable import Orchestrator

/// A cache entry is reused only while its files are the ones committed.
@Suite("Cache entries are verified before reuse")
struct CacheTrustTests {
    static let chain = """
        name: trust
        stages:
          make: {command: "printf 'one\\\\ntwo\\\\n' > {outputs.words}", outputs: [words]}
          count: {command: "wc -l < {inputs.w} | tr -d ' ' > {outputs.n}", inputs: {w: make.words}, outputs: [n]}
        """

    func output(_ outcome: RunRecord, _ stage: String, _ name: String) throws -> String {
        try String(contentsOfFile: try #require(outcome.stage(stage)?.outputs[name]), encoding: .utf8)
    }

    func run(_ sandbox: Sandbox, _ yaml: String, verification: CacheVerification = .stamps,
             selection: Selection = Selection()) throws -> RunRecord {
        let (pipeline, diagnostics) = try sandbox.load(yaml, allowsPublishOutside: true)
        guard let pipeline else { throw InvalidPipeline(diagnostics) }
        var runner = sandbox.runner()
        runner.verification = verification
        return try runner.run(pipeline, selection: selection, jobs: 2, observer: RecordingObserver(), cancellation: Cancellation())
    }

    /// Replaces a file's bytes and puts its old modification time back, as
    /// a careful tamperer would.
    func rewriteKeepingTime(_ path: String, _ text: String) throws {
        var info = stat()
        #expect(stat(path, &info) == 0)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var times = [info.st_atim, info.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    @Test func anEditedEntryRunsAgainWithTheReasonAndDownstreamSeesFreshBytes() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let first = try run(sandbox, Self.chain)
        let words = try #require(first.stage("make")?.outputs["words"])
        try "one\ntwo\nthree\nfour\n".write(toFile: words, atomically: false, encoding: .utf8)

        let plan = try sandbox.plan(Self.chain)
        #expect(plan.stage("make")?.reason == .cacheEntryChanged("'words' changed size"))
        #expect(plan.stage("make")?.reason.description == "cache entry changed ('words' changed size)")
        // --force of the reader alone must not consume the edited bytes either.
        let second = try run(sandbox, Self.chain, selection: Selection(force: ["count"]))
        #expect(second.status("make") == .ran)
        #expect(try output(second, "make", "words") == "one\ntwo\n")
        #expect(try output(second, "count", "n") == "2\n")
        #expect(try run(sandbox, Self.chain).stages.map(\.status) == [.cached, .cached])
    }

    @Test func aSameSizeEditWithItsTimeRestoredIsCaughtByVerify() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let first = try run(sandbox, Self.chain)
        try rewriteKeepingTime(try #require(first.stage("make")?.outputs["words"]), "one\nTWO\n")

        #expect(try sandbox.plan(Self.chain).stage("make")?.reason == .cached)
        let verified = try run(sandbox, Self.chain, verification: .contents)
        #expect(verified.stage("make")?.reason.description == "cache entry changed ('words' has different content)")
        #expect(try output(verified, "make", "words") == "one\ntwo\n")
        // The rerun's key is the same, so the reader's entry is still good.
        #expect(verified.status("count") == .cached)
    }

    @Test func publishedOutputsAreAlwaysHashed() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // Publish destinations are relative to the process's folder; the sandbox is elsewhere.
        let yaml = Self.chain + "\npublish: {\(sandbox.path("out/words.txt")): make.words}\n"
        let first = try run(sandbox, yaml)
        #expect(first.status == .succeeded)
        try rewriteKeepingTime(try #require(first.stage("make")?.outputs["words"]), "one\nTWO\n")
        let second = try run(sandbox, yaml)
        #expect(second.status("make") == .ran)
        #expect(try String(contentsOfFile: sandbox.path("out/words.txt"), encoding: .utf8) == "one\ntwo\n")
    }

    @Test func aLinkPlantedInAnEntryIsNeverFollowed() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let first = try run(sandbox, Self.chain)
        let words = try #require(first.stage("make")?.outputs["words"])
        try "secret\n".write(toFile: sandbox.path("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: words)
        try FileManager.default.createSymbolicLink(atPath: words, withDestinationPath: sandbox.path("secret.txt"))

        let second = try run(sandbox, Self.chain)
        #expect(second.stage("make")?.reason.description == "cache entry changed ('words' is now a symbolic link)")
        #expect(try output(second, "count", "n") == "2\n")
        var info = stat()
        #expect(lstat(words, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
    }

    @Test func aStageThatWritesALinkFails() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try "x\n".write(toFile: sandbox.path("target.txt"), atomically: true, encoding: .utf8)
        let yaml = """
            name: links
            stages:
              link: {command: "ln -s \(sandbox.path("target.txt")) {outputs.o}", outputs: [o]}
              nested: {command: "mkdir {outputs.d} && ln -s /etc {outputs.d}/etc", outputs: [d]}
            """
        let outcome = try run(sandbox, yaml)
        #expect(outcome.status == .failed)
        #expect(outcome.stage("link")?.error == "output 'o' is a symbolic link to '\(sandbox.path("target.txt"))'; a stage must write regular files and folders (copy the file instead of linking it)")
        #expect(outcome.stage("nested")?.error?.hasPrefix("output 'd/etc' is a symbolic link to '/etc'") == true)
        #expect(try sandbox.plan(yaml).stages.allSatisfy { $0.reason == .neverRun })
    }

    @Test func aFileAddedToOrRemovedFromAFolderOutputIsAChange() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let yaml = """
            name: folder
            stages:
              parts: {command: "mkdir -p {outputs.d}/sub && echo a > {outputs.d}/a && echo b > {outputs.d}/sub/b", outputs: [d]}
            """
        let first = try run(sandbox, yaml)
        let folder = try #require(first.stage("parts")?.outputs["d"])
        try "extra".write(toFile: folder + "/sub/extra", atomically: true, encoding: .utf8)
        #expect(try sandbox.plan(yaml).stage("parts")?.reason == .cacheEntryChanged("'d/sub/extra' was added"))
        try FileManager.default.removeItem(atPath: folder + "/sub/extra")
        #expect(try sandbox.plan(yaml).stage("parts")?.reason == .cached)
        try FileManager.default.removeItem(atPath: folder + "/sub/b")
        #expect(try sandbox.plan(yaml).stage("parts")?.reason == .cacheEntryChanged("'d/sub/b' was removed"))
    }

    @Test func anEntryWithoutFingerprintsIsNotTrusted() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let first = try run(sandbox, Self.chain)
        let key = try #require(first.stage("make")?.key)
        let metaFile = LocalArtifactStore(stateFolder: sandbox.stateFolder).entryFolder(key).appendingPathComponent("meta.json")
        var meta = try JSONDecoder.mtrec.decode(ArtifactMeta.self, from: Data(contentsOf: metaFile))
        #expect(meta.files?["words"]?.sha256 == ContentDigest(of: "one\ntwo\n").hex)
        meta.files = nil
        try JSONEncoder.mtrec.encode(meta).write(to: metaFile)
        #expect(try sandbox.plan(Self.chain).stage("make")?.reason == .cacheEntryChanged("written without file checksums"))
    }

    @Test func onlyNamesAChangedUpstreamEntry() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let first = try run(sandbox, Self.chain)
        try "tampered\n".write(toFile: try #require(first.stage("make")?.outputs["words"]), atomically: false, encoding: .utf8)
        #expect {
            try sandbox.plan(Self.chain, selection: Selection(only: ["count"], force: ["count"]))
        } throws: { error in
            "\(error)".contains("count needs 'make', whose cache entry changed ('words' changed size)")
        }
    }
}
