/// A stage's command with `{inputs.NAME}`, `{outputs.NAME}` and
/// `{params.KEY}` placeholders. Other braces (awk programs, shell `${VAR}`)
/// are left alone.
///
/// Values never reach a shell as code. In the shell form each placeholder
/// becomes one single-quoted shell word, so a param `3; touch X` or a file
/// named `$(reboot).csv` stays data; a placeholder inside quotes would be
/// re-read by whatever parses the quoted text (a nested `sh -c '...'`), so it
/// is refused at validation. The list form runs the program directly, one
/// element per argument, without a shell.
public struct CommandTemplate: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// `command: "TEXT"`, run by `/bin/sh -c`.
        case shell(String)
        /// `command: [PROGRAM, ARG...]`, run directly (PATH is searched).
        case arguments([String])
    }

    public enum Section: String, Sendable, CaseIterable {
        case inputs, outputs, params
    }

    public struct Placeholder: Sendable, Equatable {
        public var section: Section
        public var name: String
        /// Index of the list element holding it; 0 in the shell form.
        public var element: Int
        /// Offset of the opening brace in its text, in characters.
        public var offset: Int
        /// Shell form only: whether it stands inside single or double quotes.
        public var isQuoted: Bool

        var length: Int { section.rawValue.count + name.count + 3 }
        public var text: String { "{\(section.rawValue).\(name)}" }
    }

    public var form: Form

    public init(_ text: String) {
        form = .shell(text)
    }

    public init(arguments: [String]) {
        form = .arguments(arguments)
    }

    /// The command as written, for reports and help.
    public var display: String {
        switch form {
        case .shell(let text): text
        case .arguments(let elements): "[" + elements.map(ParamValue.quote).joined(separator: ", ") + "]"
        }
    }

    public var placeholders: [Placeholder] {
        switch form {
        case .shell(let text): Self.placeholders(in: text, element: 0, tracksQuotes: true)
        case .arguments(let elements): elements.indices.flatMap { Self.placeholders(in: elements[$0], element: $0, tracksQuotes: false) }
        }
    }

    /// The argument vector to run, every placeholder replaced by its value.
    public func render(inputs: [String: String], outputs: [String: String], params: [String: String]) -> [String] {
        let values: [Section: [String: String]] = [.inputs: inputs, .outputs: outputs, .params: params]
        let found = placeholders
        switch form {
        case .shell(let text):
            let command = Self.substitute(in: text, found) { Self.shellWord(values[$0.section]?[$0.name] ?? "") }
            return ["/bin/sh", "-c", command]
        case .arguments(let elements):
            return elements.indices.map { index in
                Self.substitute(in: elements[index], found.filter { $0.element == index }) { values[$0.section]?[$0.name] ?? "" }
            }
        }
    }

    /// `text` as one POSIX shell word: single quotes, each `'` written `'\''`.
    public static func shellWord(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private static func substitute(in text: String, _ placeholders: [Placeholder], value: (Placeholder) -> String) -> String {
        let characters = Array(text)
        var result = ""
        var cursor = 0
        for placeholder in placeholders.sorted(by: { $0.offset < $1.offset }) {
            result += String(characters[cursor..<placeholder.offset]) + value(placeholder)
            cursor = placeholder.offset + placeholder.length
        }
        return result + String(characters[cursor...])
    }

    private enum Quoting { case none, single, double }

    private static func placeholders(in text: String, element: Int, tracksQuotes: Bool) -> [Placeholder] {
        var found: [Placeholder] = []
        let characters = Array(text)
        var quoting = Quoting.none
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if tracksQuotes {
                switch (quoting, character) {
                case (.none, "\\"), (.double, "\\"):
                    index += 2
                    continue
                case (.none, "'"): quoting = .single
                case (.single, "'"), (.double, "\""): quoting = .none
                case (.none, "\""): quoting = .double
                default: break
                }
            }
            if character == "{", index == 0 || characters[index - 1] != "$",
               let placeholder = placeholder(in: characters, at: index, element: element, quoted: quoting != .none) {
                found.append(placeholder)
                index += placeholder.length
                continue
            }
            index += 1
        }
        return found
    }

    private static func placeholder(in characters: [Character], at index: Int, element: Int, quoted: Bool) -> Placeholder? {
        guard let close = characters[index...].firstIndex(of: "}") else { return nil }
        let body = String(characters[(index + 1)..<close])
        guard let dot = body.firstIndex(of: "."), let section = Section(rawValue: String(body[..<dot])) else { return nil }
        let name = String(body[body.index(after: dot)...])
        guard PipelineParser.isValidName(name) else { return nil }
        return Placeholder(section: section, name: name, element: element, offset: index, isQuoted: quoted)
    }
}
