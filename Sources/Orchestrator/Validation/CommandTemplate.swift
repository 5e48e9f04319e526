/// A command with `{inputs.NAME}`, `{outputs.NAME}` and `{params.KEY}`
/// placeholders. Other braces (awk programs, shell `${VAR}`) are left alone.
public struct CommandTemplate: Sendable {
    public enum Section: String, Sendable, CaseIterable {
        case inputs, outputs, params
    }

    public struct Placeholder: Sendable, Equatable {
        public var section: Section
        public var name: String
        /// Offset of the opening brace in the template, in characters.
        public var offset: Int
    }

    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    public var placeholders: [Placeholder] {
        var found: [Placeholder] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            defer { index += 1 }
            guard characters[index] == "{", index == 0 || characters[index - 1] != "$",
                  let close = characters[index...].firstIndex(of: "}") else { continue }
            let body = String(characters[(index + 1)..<close])
            guard let dot = body.firstIndex(of: "."),
                  let section = Section(rawValue: String(body[..<dot])) else { continue }
            let name = String(body[body.index(after: dot)...])
            guard PipelineParser.isValidName(name) else { continue }
            found.append(Placeholder(section: section, name: name, offset: index))
        }
        return found
    }

    /// Replaces each placeholder with its value; values are inserted as they are.
    public func render(inputs: [String: String], outputs: [String: String], params: [String: String]) -> String {
        var result = ""
        var cursor = text.startIndex
        for placeholder in placeholders {
            let start = text.index(text.startIndex, offsetBy: placeholder.offset)
            let end = text.index(start, offsetBy: placeholder.section.rawValue.count + placeholder.name.count + 3)
            result += text[cursor..<start]
            let table = switch placeholder.section {
            case .inputs: inputs
            case .outputs: outputs
            case .params: params
            }
            result += table[placeholder.name] ?? ""
            cursor = end
        }
        return result + text[cursor...]
    }
}
