import Foundation
import Testing
import Orchestrator
@testable import RecommenderStages

/// `validate` catches a misspelt task, metric, column or expression name
/// before anything runs, at the file:line:col where it is written.
@Suite("Names checked across stages")
struct ReferenceCheckTests {
    /// The quickstart's shape, with `replacements` applied to its text.
    static func pipeline(_ replacements: [(String, String)] = []) -> String {
        var text = """
            name: typos
            stages:
              collect:
                uses: collect
                with: {source: simulate, users: 50, items: 20, impressions: 1000}
              clean:
                uses: clean
                inputs: {events: collect.events}
                with: {derive: {liked: "rating >= 4"}, binary_labels: [click, liked]}
              features:
                uses: features
                inputs: {events: clean.events}
                with:
                  categorical: [user_id, item_id, "age*"]
                  numeric: [price]
                  labels: {click: click, conversion: conversion, rating: rating}
              build_model:
                uses: build_model
                inputs: {transform: features.transform}
                with: {tasks: {click: binary, conversion: binary, rating: regression}}
              joint_loss:
                uses: joint_loss
                inputs: {model: build_model.model}
                with: {weights: {click: 1.0, conversion: 0.5}}
              train:
                uses: train
                inputs: {dataset: features.train, model: build_model.model, loss: joint_loss.loss, transform: features.transform}
                with: {early_stopping: click.auc}
              predict:
                uses: predict
                inputs: {model: train.model, transform: features.transform, dataset: features.test}
              rank:
                uses: rank
                inputs: {scores: predict.scores, history: features.train}
                with: {expression: "click * conversion + 0.1 * popularity"}
              evaluate:
                uses: evaluate
                inputs: {model: train.model, transform: features.transform, test: features.test}
                with: {relevance_task: click}
            """
        for (old, new) in replacements {
            precondition(text.contains(old), "no '\(old)' in the pipeline")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    static func validate(_ text: String) throws -> [String] {
        let harness = try StageHarness()
        defer { harness.remove() }
        return try harness.validate(text).diagnostics.map { $0.description.replacingOccurrences(of: harness.path("p.yaml"), with: "p.yaml") }
    }

    @Test func theCorrectPipelineIsValid() throws {
        #expect(try Self.validate(Self.pipeline()) == [])
    }

    @Test(arguments: [
        // (replacement, expected place, expected words): tasks and types, metrics, expressions, columns
        (("conversion: 0.5}", "conversoin: 0.5}"), "p.yaml:24:34", "names task 'conversoin', which 'build_model.model' does not have (did you mean 'conversion'?)"),
        (("relevance_task: click", "relevance_task: clik"), "p.yaml:39:28", "names task 'clik', which 'train.model' does not have (did you mean 'click'?)"),
        (("rating: regression}", "rating: regresion}"), "p.yaml:20:63", "must be one of binary, regression, got regresion (did you mean 'regression'?)"),
        (("rating: regression}}", "rating: regression}, tower_units: [32, eight]}"), "p.yaml:20:94", "param 'tower_units[1]' of stage 'build_model' must be an int, got string \"eight\""),
        (("early_stopping: click.auc", "early_stopping: click.acu"), "p.yaml:28:28", "'click.acu' is not a validation metric train computes (did you mean 'click.auc'?)"),
        (("0.1 * popularity", "0.1 * populrity"), "p.yaml:35:24", "column 28: 'populrity' is not a known name (did you mean 'popularity'?)"),
        (("rating >= 4", "ratng >= 4"), "p.yaml:9:28", "'ratng >= 4': column 1: 'ratng' is not a known name (did you mean 'rating'?)"),
        (("categorical: [user_id, item_id", "categorical: [user_id, itemid"), "p.yaml:14:30", "names column 'itemid', which 'clean.events' does not have (did you mean 'item_id'?)"),
        (("\"age*\"", "\"agee*\""), "p.yaml:14:39", "'agee*' matches no column of 'clean.events'"),
        (("binary_labels: [click, liked]", "binary_labels: [click, likd]"), "p.yaml:9:67", "names column 'likd'"),
        (("labels: {click: click,", "labels: {click: clicks,"), "p.yaml:16:23", "names column 'clicks'"),
    ] as [((String, String), String, String)])
    func eachTypoIsAnErrorAtItsPlace(replacement: (String, String), place: String, words: String) throws {
        try Self.expectOneError(replacement, at: place, saying: words)
    }

    /// The pipeline with `replacement` applied gives exactly one error, at `place`, containing `words`.
    static func expectOneError(_ replacement: (String, String), at place: String, saying words: String) throws {
        let messages = try validate(pipeline([replacement]))
        #expect(messages.count == 1, "\(messages)")
        #expect(messages.first?.hasPrefix(place + ": error:") == true, "\(messages)")
        #expect(messages.first?.contains(words) == true, "\(messages)")
    }

    @Test func aMetricOfTheOtherTaskTypeIsRefused() throws {
        let messages = try Self.validate(Self.pipeline([("early_stopping: click.auc", "early_stopping: rating.auc")]))
        #expect(messages.count == 1 && messages[0].hasPrefix("p.yaml:28:28: error:"), "\(messages)")
        // rating is a regression: its metrics are the regression ones, as train's manifest lists them.
        #expect(messages.first?.contains("rating.mse, rating.rmse, rating.mae") == true && messages.first?.contains("rating.auc,") == false,
                "\(messages)")
    }

    @Test func anErrorInASetValuePointsAtTheSetArgument() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let messages = try harness.validate(Self.pipeline(), overrides: [try #require(Override(parsing: "evaluate.relevance_task=clik"))])
            .diagnostics.map(\.description)
        #expect(messages.count == 1 && messages[0].hasPrefix("--set evaluate.relevance_task=clik: error:"), "\(messages)")
    }

    @Test func anOutputOfTheWrongTypeIsRefusedAtItsBinding() throws {
        let raw = try Self.validate(Self.pipeline([("inputs: {dataset: features.train,", "inputs: {dataset: clean.events,")]))
        #expect(raw.count == 1 && raw[0].hasPrefix("p.yaml:27:23: error: input 'dataset' of 'train' needs type encoded, but 'clean.events' has type table"),
                "\(raw)")
        let transform = try Self.validate(Self.pipeline([("inputs: {transform: features.transform}", "inputs: {transform: features.test}")]))
        #expect(transform.count == 1 && transform[0].contains("input 'transform' of 'build_model' needs type transform, but 'features.test' has type encoded (features's transform: features.transform)"),
                "\(transform)")
    }

    @Test func columnsOfAFileAreCheckedOnlyWhenTheFileDeclaresThem() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        try harness.write("e.csv", "u,i,r\n1,2,3\n")
        func validate(_ collectWith: String) throws -> [String] {
            try harness.validate("""
                name: f
                stages:
                  collect: {uses: collect, inputs: {file: e.csv}, with: {source: file\(collectWith)}}
                  clean: {uses: clean, inputs: {events: collect.events}, with: {binary_labels: [liked]}}
                """).diagnostics.map(\.description)
        }
        #expect(try validate("") == [], "a header's columns are unknown until the file is read")
        let declared = try validate(", columns: [u, i, r]")
        #expect(declared.count == 1 && declared[0].contains("names column 'liked', which 'collect.events' does not have"), "\(declared)")
    }

    @Test func theSimulatorSchemaInTheManifestIsTheSimulatorsOwn() throws {
        let simulation = EcommerceSimulator(users: 5, items: 4, impressions: 50, seed: 1).generate()
        let manifest = try #require(StageHarness.catalog["collect"])
        func declared(_ output: String, _ source: String) -> [String]? {
            manifest.outputs.first { $0.name == output }?.facts.alternatives[.columns]?
                .first { $0.conditions.contains { $0.param == "source" && $0.value == .string(source) } }?.names
        }
        #expect(declared("events", "simulate") == simulation.events.names)
        #expect(declared("events", "simulate_implicit") == simulation.interactions.names)
        #expect(declared("users", "simulate") == simulation.users.names)
        #expect(declared("items", "simulate") == simulation.items.names)
    }
}
