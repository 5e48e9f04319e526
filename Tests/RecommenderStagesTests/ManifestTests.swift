import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

@Suite("Built-in manifests")
struct ManifestTests {
    static let stagesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("stages")

    @Test func theCompiledManifestsAreTheFilesInStages() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.stagesFolder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(BuiltinManifests.all.map(\.fileName) == files, "run scripts/embed-manifests.py after adding a manifest")
        for manifest in BuiltinManifests.all {
            let text = try String(contentsOf: Self.stagesFolder.appendingPathComponent(manifest.fileName), encoding: .utf8)
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == manifest.text.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(manifest.fileName) changed: run scripts/embed-manifests.py")
        }
    }

    @Test func everyManifestHasItsImplementationAndEveryImplementationItsManifest() {
        let implemented = Set(RecommenderStages.all.map(\.name))
        var named: Set<String> = []
        for name in StageHarness.catalog.names {
            guard case .builtin(let implementation) = StageHarness.catalog[name]!.implementation else { continue }
            named.insert(implementation)
        }
        #expect(named == implemented)
    }
}
