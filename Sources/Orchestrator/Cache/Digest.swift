import Crypto
import Foundation

/// A SHA-256 digest in lower-case hex. The phantom `Kind` keeps a stage key
/// from being mixed up with the digest of a file's content.
public struct Digest<Kind>: Hashable, Sendable, Codable, CustomStringConvertible {
    public let hex: String

    public init(hex: String) {
        self.hex = hex
    }

    public init(of bytes: some DataProtocol) {
        hex = SHA256.hash(data: bytes).hexString
    }

    public init(of text: String) {
        self.init(of: Data(text.utf8))
    }

    public var description: String { hex }
    /// The first 12 characters, enough to tell keys apart in messages.
    public var short: String { String(hex.prefix(12)) }

    public init(from decoder: any Decoder) throws {
        hex = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

public enum StageKeyKind {}
public enum ContentKind {}

/// Identifies a stage's result: same key, same outputs.
public typealias StageKey = Digest<StageKeyKind>
/// Identifies the bytes of a file or folder.
public typealias ContentDigest = Digest<ContentKind>

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
