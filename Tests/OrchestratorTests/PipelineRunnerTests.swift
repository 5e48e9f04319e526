import Foundation
import Testing
@testable import Orchestrator

@Suite("Planning and running pipelines in-process")
struct PipelineRunnerTests {
    static let chain = """
        name: chain
        params: {n: 3}
        stages:
          make: {command: "seq {params.n} > {outputs.nums}", outputs: [nums], with: {n: "${params.n}"}}
          double: {command: "awk '{print 2*$1}' {inputs.n} > {outputs.out}", inputs: {n: make.nums}, outputs: [out]}
          side: {command: "echo side > {outputs.s}", outputs: [s]}
        """

    @Test func aSecondRunIsAllCachedAndTheOutputsAreRight() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let first = try sandbox.run(Self.chain)
        #expect(first.status == .succeeded)
        #expect(first.stages.map(\.status) == [.ran, .ran, .ran])
        let doubled = try String(contentsOfFile: try #require(first.stage("double")?.outputs["out"]), encoding: .utf8)
        #expect(doubled == "2\n4\n6\n")
        let second = try sandbox.run(Self.chain)
        #expect(second.stages.map(\.status) == [.cached, .cached, .cached])
    }

    @Test func aStageWithACheckpointIsPlannedAsResumed() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let key = try #require(try sandbox.plan(Self.chain).stages.first?.key)
        let checkpoint = sandbox.stateFolder.appendingPathComponent("checkpoints").appendingPathComponent(key.hex)
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try "after epoch 3\n".write(to: checkpoint.appendingPathComponent(RunPlanner.resumeNote), atomically: true, encoding: .utf8)
        let planned = try sandbox.plan(Self.chain).stages
        #expect(planned.first?.reason == .resuming("after epoch 3"))
        #expect(planned.first?.reason.description == "resumed after epoch 3")
        #expect(planned.dropFirst().allSatisfy { $0.reason == .neverRun })
    }

    @Test func everyReasonReadsBackFromItsText() {
        let reasons: [RunReason] = [.cached, .neverRun, .paramsChanged(["a", "b"]), .inputsChanged(["x"]), .definitionChanged, .outputsChanged,
                                    .forced, .cacheEntryMissing, .removedByGC, .cacheEntryChanged("'words' changed size"), .keyChanged,
                                    .notSelected, .resuming("after epoch 3"), .builtMeanwhile, .interruptedBeforeStart,
                                    .upstreamUnfinished("train"), .recorded("something an older mtrec wrote")]
        for reason in reasons {
            #expect(RunReason(text: reason.description) == reason, "\(reason)")
        }
    }

    @Test func planReasonsNameWhatChanged() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        #expect(try sandbox.plan(Self.chain).stages.map(\.reason) == [.neverRun, .neverRun, .neverRun])
        _ = try sandbox.run(Self.chain)

        let changedParam = try sandbox.plan(Self.chain, overrides: [Override(parsing: "params.n=4")!])
        #expect(changedParam.stages.map(\.reason) == [.paramsChanged(["n"]), .inputsChanged(["n"]), .cached])

        let changedCommand = try sandbox.plan(Self.chain.replacingOccurrences(of: "2*$1", with: "3*$1"))
        #expect(changedCommand.stages.map(\.reason) == [.cached, .definitionChanged, .cached])

        let forced = try sandbox.plan(Self.chain, selection: Selection(force: ["make"]))
        #expect(forced.stages.map(\.reason) == [.forced, .forced, .cached])

        let entry = LocalArtifactStore(stateFolder: sandbox.stateFolder).entryFolder(try #require(forced.stage("side")?.key))
        try FileManager.default.removeItem(at: entry)
        #expect(try sandbox.plan(Self.chain).stage("side")?.reason == .cacheEntryMissing)
    }

    @Test func onlyNeedsItsInputsCached() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        #expect(throws: PlanError.self) { try sandbox.plan(Self.chain, selection: Selection(only: ["double"])) }
        let outcome = try sandbox.run(Self.chain, selection: Selection(only: ["make"]))
        #expect(outcome.stages.map(\.status) == [.ran, .skipped, .skipped])
        let plan = try sandbox.plan(Self.chain, selection: Selection(only: ["double"]))
        #expect(plan.stages.map(\.action) == [.useCache, .run, .skip])
    }

    @Test func aFailedStageBlocksItsDescendantsButNotItsSiblings() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let yaml = """
            name: failing
            stages:
              root: {command: "echo r > {outputs.o}", outputs: [o]}
              broken: {command: "echo oops >&2; exit 3", inputs: {r: root.o}, outputs: [o]}
              after_broken: {command: "cat {inputs.x} > {outputs.o}", inputs: {x: broken.o}, outputs: [o]}
              sibling: {command: "sleep 0.3; cat {inputs.r} > {outputs.o}", inputs: {r: root.o}, outputs: [o]}
            """
        let outcome = try sandbox.run(yaml)
        #expect(outcome.status == .failed)
        #expect(outcome.stages.map(\.status) == [.ran, .failed, .blocked, .ran])
        let broken = try #require(outcome.stage("broken"))
        #expect(broken.exitCode == 3)
        #expect(broken.error == "exited with code 3")
        #expect(try String(contentsOfFile: try #require(broken.stderrLog), encoding: .utf8) == "oops\n")
        #expect(try sandbox.plan(yaml).stage("sibling")?.action == .useCache)
    }

    @Test func aStageThatDoesNotWriteItsOutputsFails() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let outcome = try sandbox.run("""
            name: lazy
            stages:
              lazy: {command: "true", outputs: [model]}
            """)
        #expect(outcome.status == .failed)
        #expect(outcome.stage("lazy")?.error?.contains("did not write declared output 'model'") == true)
    }

    @Test func oneJobRunsStagesOneAtATime() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let outcome = try sandbox.run("""
            name: serial
            stages:
              a: {command: "sleep 0.2; echo > {outputs.o}", outputs: [o]}
              b: {command: "sleep 0.2; echo > {outputs.o}", outputs: [o]}
            """, jobs: 1)
        let a = try #require(outcome.stage("a")), b = try #require(outcome.stage("b"))
        #expect(try #require(b.startOffset) >= #require(a.endOffset))
    }

    @Test func stagesSeeParamsAndPathsInTheirEnvironmentAndRunInThePipelineFolder() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let outcome = try sandbox.run("""
            name: env
            stages:
              show:
                command: 'echo "$MTREC_PARAM_LEARNING_RATE $MTREC_STAGE $(pwd)" > $MTREC_OUTPUT_REPORT'
                outputs: [report]
                with: {learning-rate: 0.5}
            """)
        let text = try String(contentsOfFile: try #require(outcome.stage("show")?.outputs["report"]), encoding: .utf8)
        #expect(text == "0.5 show \(sandbox.root.standardizedFileURL.path)\n")
    }

    @Test func publishCopiesOutputsOnlyWhenEverythingSucceeded() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // An absolute destination in the sandbox: the --publish-outside opt-in.
        let destination = sandbox.path("out/result.txt")
        let good = try sandbox.run("""
            name: pub
            stages:
              a: {command: "echo fine > {outputs.o}", outputs: [o]}
            publish:
              \(destination): a.o
            """, allowsPublishOutside: true)
        #expect(good.published == [destination])
        #expect(try String(contentsOfFile: destination, encoding: .utf8) == "fine\n")

        let bad = try sandbox.run("""
            name: pub
            stages:
              a: {command: "echo better > {outputs.o}", outputs: [o]}
              b: {command: "exit 1"}
            publish:
              \(destination): a.o
            """, allowsPublishOutside: true)
        #expect(bad.published.isEmpty)
        #expect(try String(contentsOfFile: destination, encoding: .utf8) == "fine\n")
    }

    @Test func aRerunLeavesAnUntouchedPublishedFileAloneAndRestoresAnEditedOne() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let destination = sandbox.path("out/result.txt")
        let yaml = """
            name: pub
            stages:
              a: {command: "echo fine > {outputs.o}", outputs: [o]}
            publish:
              \(destination): a.o
            """
        _ = try sandbox.run(yaml, allowsPublishOutside: true)
        let first = try FileManager.default.attributesOfItem(atPath: destination)
        let rerun = try sandbox.run(yaml, allowsPublishOutside: true)
        #expect(rerun.published == [destination])
        // Not copied again: the same inode with the same modification time.
        let second = try FileManager.default.attributesOfItem(atPath: destination)
        #expect(second[.systemFileNumber] as? Int == first[.systemFileNumber] as? Int)
        #expect(second[.modificationDate] as? Date == first[.modificationDate] as? Date)

        try "edited by hand\n".write(toFile: destination, atomically: false, encoding: .utf8)
        _ = try sandbox.run(yaml, allowsPublishOutside: true)
        #expect(try String(contentsOfFile: destination, encoding: .utf8) == "fine\n")
    }

    @Test func cancellingStopsRunningStagesAndCachesNothingPartial() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let yaml = """
            name: slow
            stages:
              slow: {command: "echo partial > {outputs.o}; sleep 30; echo done >> {outputs.o}", outputs: [o]}
              next: {command: "cat {inputs.x} > {outputs.o}", inputs: {x: slow.o}, outputs: [o]}
            """
        let (pipeline, _) = try sandbox.load(yaml)
        let cancellation = Cancellation(gracePeriod: 1)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { cancellation.cancel() }
        let started = Date()
        let outcome = try sandbox.runner().run(try #require(pipeline), jobs: 2, observer: RecordingObserver(), cancellation: cancellation)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(outcome.status == .interrupted)
        #expect(outcome.stages.map(\.status) == [.failed, .skipped])
        #expect(try sandbox.plan(yaml).stages.map(\.action) == [.run, .run])
    }
}
