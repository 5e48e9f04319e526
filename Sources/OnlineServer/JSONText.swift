import Orchestrator

/// JSON written piece by piece, for the answers served most often.
struct JSONText {
    private(set) var value = ""

    init() {
        value.reserveCapacity(4096)
    }

    /// Text already in JSON form.
    mutating func raw(_ text: String) {
        value += text
    }

    /// A string in quotes, with what JSON requires escaped.
    mutating func string(_ text: String) {
        // Most ids and names need no escape: copied whole.
        if text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            value += ParamValue.quote(text)
        } else {
            value += "\""
            value += text
            value += "\""
        }
    }

    /// A number as Swift prints it (the shortest text that reads back the
    /// same, valid JSON); null where it is not finite, as JSON has no such number.
    mutating func number(_ number: Double) {
        value += number.isFinite ? number.description : "null"
    }
}
