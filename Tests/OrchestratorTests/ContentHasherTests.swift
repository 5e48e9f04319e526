import Foundation
import Testing
@testable import Orchestrator

@Suite("Content hashing of external inputs")
struct ContentHasherTests {
    @Test func aFileHashesToItsSHA256() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("a.txt", "hello\n")
        // `printf 'hello\n' | sha256sum`
        #expect(try ContentHasher(cacheFile: nil).digest(of: file).hex == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    }

    @Test func aFolderDigestCoversNamesAndContents() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.write("data/x.csv", "1\n")
        try sandbox.write("data/sub/y.csv", "2\n")
        let folder = sandbox.root.appendingPathComponent("data")
        let first = try ContentHasher(cacheFile: nil).digest(of: folder)
        try FileManager.default.moveItem(atPath: sandbox.path("data/x.csv"), toPath: sandbox.path("data/z.csv"))
        let renamed = try ContentHasher(cacheFile: nil).digest(of: folder)
        try sandbox.write("data/z.csv", "3\n")
        let edited = try ContentHasher(cacheFile: nil).digest(of: folder)
        #expect(Set([first, renamed, edited]).count == 3)
    }

    @Test func rememberedDigestsAreReusedUntilTheFileChanges() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("a.txt", "one\n")
        let cache = sandbox.root.appendingPathComponent("hash-cache.json")
        let first = ContentHasher(cacheFile: cache)
        let digest = try first.digest(of: file)
        first.save()
        #expect(FileManager.default.fileExists(atPath: cache.path))
        try sandbox.write("a.txt", "two\n")
        #expect(try ContentHasher(cacheFile: cache).digest(of: file) != digest)
    }
}
