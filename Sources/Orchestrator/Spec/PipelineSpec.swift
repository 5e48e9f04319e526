import Foundation

/// A value together with where it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// One `key: value` parameter, from `params` or a stage's `with`.
public struct ParamEntry: Sendable {
    public var name: String
    public var value: ParamValue
    /// Where the key was written.
    public var location: SourceLocation
    /// Where the value was written.
    public var valueLocation: SourceLocation
    /// Where each element inside the value was written, by path (`[2]` for a
    /// list element, `.key` for a map value, `.key#key` for the key itself).
    public var elementLocations: [String: SourceLocation] = [:]

    /// The place of the element at `path`, or of the value when not recorded.
    public func location(of path: String) -> SourceLocation {
        path.isEmpty ? valueLocation : elementLocations[path] ?? valueLocation
    }
}

/// A stage's input binding: `local_name: <stage>.<output>` or a path.
public struct InputEntry: Sendable {
    public var name: String
    public var text: String
    public var location: SourceLocation
    public var valueLocation: SourceLocation
}

/// A `publish` line: copy a stage output to a path after a successful run.
public struct PublishEntry: Sendable {
    public var destination: String
    public var reference: String
    public var location: SourceLocation
    public var valueLocation: SourceLocation
}

/// A `gates` line: `stage.metric: "OP NUMBER"`.
public struct GateEntry: Sendable {
    public var name: String
    public var condition: String
    public var location: SourceLocation
    public var valueLocation: SourceLocation
}

/// A stage as written in the pipeline file, before validation.
public struct StageSpec: Sendable {
    public var name: String
    public var location: SourceLocation
    public var uses: Located<String>?
    public var command: Located<CommandTemplate>?
    /// `command:` was written but could not be read (already reported).
    public var hasUnreadableCommand = false
    public var inputs: [InputEntry] = []
    public var outputs: [Located<String>] = []
    public var with: [ParamEntry] = []
    public var after: [Located<String>] = []
    public var description: String?
    public var resources: StageResources?
}

/// A pipeline file as written, before validation.
public struct PipelineSpec: Sendable {
    /// The path the file was read from, as printed in diagnostics.
    public var file: String
    /// The folder relative input paths and commands are resolved against.
    public var directory: URL
    public var name: Located<String>
    public var description: String?
    public var params: [ParamEntry] = []
    public var stages: [StageSpec] = []
    public var publish: [PublishEntry] = []
    public var gates: [GateEntry] = []
    /// Where the file starts: the place for whole-file diagnostics.
    public var start: SourceLocation { SourceLocation(file: file, line: 1, column: 1) }
}
