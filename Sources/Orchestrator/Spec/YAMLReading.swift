import Foundation
import Yams

/// Small helpers for reading a composed YAML tree while keeping locations.
struct YAMLReader {
    let file: String
    var duplicateKeys = DuplicateKeys()

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// A pipeline or manifest is written by hand; anything larger is refused
    /// before parsing, so a hostile file cannot take minutes or gigabytes.
    static let maximumBytes = 1 << 20
    /// Nodes after expanding aliases: far above any real pipeline, far below
    /// what a nested-alias "billion laughs" file expands to.
    static let maximumExpandedNodes = 100_000

    /// False, with an error, when a file of `bytes` is over `maximumBytes`.
    static func checkSize(_ bytes: Int, of file: String, diagnostics: inout DiagnosticBag) -> Bool {
        guard bytes > maximumBytes else { return true }
        diagnostics.error("the file has \(bytes) bytes; a pipeline may have at most \(maximumBytes) (1 MiB), and so may a manifest",
                          at: SourceLocation(file: file, line: 1, column: 1))
        return false
    }

    /// Composes a YAML text; a syntax error becomes a diagnostic at its place.
    mutating func compose(_ text: String, diagnostics: inout DiagnosticBag) -> Node? {
        guard Self.checkSize(text.utf8.count, of: file, diagnostics: &diagnostics) else { return nil }
        var text = text
        do {
            while true {
                do {
                    let root = try Yams.compose(yaml: text, .basic)
                    if let root, let crossing = Self.nodeCrossing(Self.maximumExpandedNodes, in: root) {
                        diagnostics.error("the file expands to more than \(Self.maximumExpandedNodes) values once its aliases (*name) are replaced; nested aliases here repeat the anchor defined at this line",
                                          at: location(crossing))
                        return nil
                    }
                    return root
                } catch YamlError.duplicatedKeysInMapping(let keys, let context) {
                    guard let key = keys.first,
                          let renamed = duplicateKeys.renameSecondOccurrence(of: key, after: context.mark.line, column: context.mark.column, in: text)
                    else {
                        diagnostics.error("duplicate key '\(keys.joined(separator: "', '"))' (first at line \(context.mark.line))",
                                          at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
                        return nil
                    }
                    text = renamed
                }
            }
        } catch let error as YamlError {
            let (message, mark) = Self.describe(error)
            let (line, column) = Self.clamped(line: mark?.line ?? 1, column: mark?.column ?? 1, in: text)
            let place = SourceLocation(file: file, line: line, column: column)
            diagnostics.error("invalid YAML: \(message)", at: place)
        } catch {
            diagnostics.error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
        return nil
    }

    /// Walks the tree as aliases expand it and stops at the node that makes
    /// the count pass `limit` (nil when it never does), so the walk itself
    /// costs at most `limit` steps.
    static func nodeCrossing(_ limit: Int, in root: Node) -> Node? {
        var count = 0
        func visit(_ node: Node) -> Node? {
            count += 1
            if count > limit { return node }
            switch node {
            case .scalar, .alias: return nil
            case .sequence(let sequence):
                for item in sequence { if let found = visit(item) { return found } }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    if let found = visit(key) ?? visit(value) { return found }
                }
            }
            return nil
        }
        return visit(root)
    }

    /// The parser places an error at the end of the stream on the line after
    /// the last one; point at the end of the last line that exists instead.
    static func clamped(line: Int, column: Int, in text: String) -> (line: Int, column: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let count = text.hasSuffix("\n") ? lines.count - 1 : lines.count
        guard count >= 1, line > count else { return (line, column) }
        return (count, lines[count - 1].count + 1)
    }

    static func describe(_ error: YamlError) -> (String, Mark?) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return (prefix + problem, mark)
        case .reader(let problem, _, _, _):
            return (problem, nil)
        default:
            return ("\(error)", nil)
        }
    }

    /// The pairs of a mapping node, reporting an error when the node is not one.
    func pairs(_ node: Node, what: String, diagnostics: inout DiagnosticBag) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error("\(what) must be a mapping of 'key: value' lines, not \(kind(node))", at: location(node))
            return nil
        }
        var result: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                diagnostics.error("\(what) keys must be plain names", at: location(keyNode))
                continue
            }
            if reportDuplicate(key, in: what, diagnostics: &diagnostics) { continue }
            result.append((key, keyNode, value))
        }
        return result
    }

    /// Reports a key renamed by `DuplicateKeys`; true when `key` is such a marker.
    func reportDuplicate(_ key: String, in what: String, diagnostics: inout DiagnosticBag) -> Bool {
        guard DuplicateKeys.isMarker(key) else { return false }
        if let duplicate = duplicateKeys.duplicate(for: key) {
            let place = SourceLocation(file: file, line: duplicate.location.line, column: duplicate.location.column)
            let kind = what == "'stages'" ? "stage name" : "key"
            diagnostics.error("duplicate \(kind) '\(duplicate.key)' in \(what) (first defined at line \(duplicate.firstLine))", at: place)
        }
        return true
    }

    /// A scalar's text, reporting an error when the node is a list or mapping.
    func string(_ node: Node, what: String, diagnostics: inout DiagnosticBag) -> String? {
        if let scalar = node.scalar { return scalar.string }
        diagnostics.error("\(what) must be text, not \(kind(node))", at: location(node))
        return nil
    }

    /// `command:` as text (a shell command) or as a list of words (a program
    /// and its arguments, run without a shell).
    func command(_ node: Node, diagnostics: inout DiagnosticBag) -> CommandTemplate? {
        if let scalar = node.scalar { return CommandTemplate(scalar.string) }
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            diagnostics.error("'command' must be text (run by /bin/sh -c) or a non-empty list [program, argument, ...], not \(kind(node))",
                              at: location(node))
            return nil
        }
        let words = sequence.compactMap { string($0, what: "each element of 'command'", diagnostics: &diagnostics) }
        return words.count == sequence.count ? CommandTemplate(arguments: words) : nil
    }

    /// A list of scalars; a single scalar counts as a list of one.
    func strings(_ node: Node, what: String, diagnostics: inout DiagnosticBag) -> [Located<String>] {
        if let scalar = node.scalar { return [Located(scalar.string, at: location(node))] }
        guard case .sequence(let sequence) = node else {
            diagnostics.error("\(what) must be a list of names, not \(kind(node))", at: location(node))
            return []
        }
        return sequence.compactMap { item in
            string(item, what: "each entry of \(what)", diagnostics: &diagnostics).map { Located($0, at: location(item)) }
        }
    }

    /// A typed value, following YAML's resolution of plain scalars.
    func value(_ node: Node, diagnostics: inout DiagnosticBag) -> ParamValue {
        switch node {
        case .scalar:
            return PlainScalar.value(of: node)
        case .sequence(let sequence):
            return .list(sequence.map { value($0, diagnostics: &diagnostics) })
        case .mapping:
            let entries = pairs(node, what: "a mapping value", diagnostics: &diagnostics) ?? []
            return .map(entries.map { ($0.key, value($0.value, diagnostics: &diagnostics)) })
        case .alias:
            diagnostics.error("YAML aliases are not supported here; write the value out", at: location(node))
            return .null
        }
    }

    /// Where each element inside `node` stands, by the paths `ParamEntry` uses.
    func elementLocations(_ node: Node, path: String = "", into result: inout [String: SourceLocation]) {
        switch node {
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                result[path + "[\(index)]"] = location(element)
                elementLocations(element, path: path + "[\(index)]", into: &result)
            }
        case .mapping(let mapping):
            for (key, value) in mapping {
                let keyPath = path + "." + (key.scalar?.string ?? "")
                result[keyPath] = location(value)
                result[keyPath + "#key"] = location(key)
                elementLocations(value, path: keyPath, into: &result)
            }
        default:
            break
        }
    }

    func elementLocations(_ node: Node) -> [String: SourceLocation] {
        var result: [String: SourceLocation] = [:]
        elementLocations(node, into: &result)
        return result
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
