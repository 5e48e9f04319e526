import Foundation
import Testing
@testable import Orchestrator

@Suite("Local artifact store")
struct LocalArtifactStoreTests {
    let key = StageKey(of: "some stage")

    func meta() -> ArtifactMeta {
        ArtifactMeta(key: key, pipeline: "p", stage: "s", createdAt: Date(), seconds: 1)
    }

    @Test func nothingIsVisibleUnderTheKeyUntilCommit() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let store = LocalArtifactStore(stateFolder: sandbox.root.appendingPathComponent(".mtrec"))
        let staging = try store.stage(key)
        try "partial".write(to: staging.outputPath("model"), atomically: true, encoding: .utf8)
        #expect(store.lookup(key, outputs: ["model"]) == nil)

        let artifact = try store.commit(staging, outputs: ["model"], meta: meta(), replacing: false)
        #expect(try String(contentsOf: artifact.outputs["model"]!, encoding: .utf8) == "partial")
        #expect(artifact.meta.outputBytes["model"] == 7)
        #expect(store.lookup(key, outputs: ["model"]) != nil)
        #expect(!FileManager.default.fileExists(atPath: staging.root.path))
    }

    @Test func aMissingDeclaredOutputFailsTheCommit() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let store = LocalArtifactStore(stateFolder: sandbox.root.appendingPathComponent(".mtrec"))
        let staging = try store.stage(key)
        try "x".write(to: staging.outputPath("a"), atomically: true, encoding: .utf8)
        #expect(throws: StoreError.self) { try store.commit(staging, outputs: ["a", "b"], meta: meta(), replacing: false) }
        #expect(store.lookup(key, outputs: ["a"]) == nil)
    }

    @Test func aDeletedOutputMeansAMissNotAnError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let store = LocalArtifactStore(stateFolder: sandbox.root.appendingPathComponent(".mtrec"))
        let staging = try store.stage(key)
        try FileManager.default.createDirectory(at: staging.outputPath("folder"), withIntermediateDirectories: true)
        try "1".write(to: staging.outputPath("folder").appendingPathComponent("part"), atomically: true, encoding: .utf8)
        let artifact = try store.commit(staging, outputs: ["folder"], meta: meta(), replacing: false)
        #expect(artifact.meta.outputBytes["folder"] == 1)
        try FileManager.default.removeItem(at: artifact.outputs["folder"]!)
        #expect(store.lookup(key, outputs: ["folder"]) == nil)
    }

    @Test func theFirstCommitOfAKeyWinsUnlessReplacing() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let store = LocalArtifactStore(stateFolder: sandbox.root.appendingPathComponent(".mtrec"))
        for (text, replacing, expected) in [("first", false, "first"), ("second", false, "first"), ("third", true, "third")] {
            let staging = try store.stage(key)
            try text.write(to: staging.outputPath("o"), atomically: true, encoding: .utf8)
            let artifact = try store.commit(staging, outputs: ["o"], meta: meta(), replacing: replacing)
            #expect(try String(contentsOf: artifact.outputs["o"]!, encoding: .utf8) == expected)
        }
    }

    @Test func aKeyLockIsExclusiveAcrossHolders() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let store = LocalArtifactStore(stateFolder: sandbox.root.appendingPathComponent(".mtrec"))
        let first = try store.lock(key)
        #expect(!first.waited)
        let acquired = Flag()
        let thread = Thread {
            let second = try! store.lock(self.key)
            acquired.set(second.waited)
            second.release()
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(200))
        #expect(acquired.value == nil, "the second holder must wait")
        first.release()
        for _ in 0..<100 where acquired.value == nil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(acquired.value == true)
    }

    @Test func stagingOfDeadProcessesIsRemoved() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let store = LocalArtifactStore(stateFolder: sandbox.root.appendingPathComponent(".mtrec"))
        let abandoned = store.tmpFolder.appendingPathComponent("\(key.hex).999999999.1")
        try FileManager.default.createDirectory(at: abandoned, withIntermediateDirectories: true)
        let live = try store.stage(key)
        store.removeAbandonedStaging()
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(FileManager.default.fileExists(atPath: live.root.path))
    }
}

/// A thread-safe optional Bool for cross-thread test signals.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Bool?
    var value: Bool? { lock.withLock { stored } }
    func set(_ value: Bool) { lock.withLock { stored = value } }
}
